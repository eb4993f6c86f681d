import type { Request } from 'express';
import { z } from 'zod';
import { defineRoute, HttpProblem, queryInteger, type Route } from '@stayhub/http-kit';
import { decodeProductCursor } from '@stayhub/read-models';
import type { QueryDeps } from '../shared/deps.ts';
import { catchUp, notYet, Paging, staleHeaders, Token } from '../shared/consistency.ts';
import { timeSearch } from '../shared/search-timing.ts';

const PRODUCTS = ['products'];
const Currency = z.string().regex(/^[A-Z]{3}$/);

const SearchQuery = z
  .object({
    q: z.string().trim().min(1).max(200).optional(),
    category: z.string().trim().min(1).max(100).optional(),
    minPrice: queryInteger({ min: 0 }).optional(),
    maxPrice: queryInteger({ min: 0 }).optional(),
    currency: Currency.optional(),
    deliverableTo: z.string().trim().min(2).max(12).optional(),
    inStock: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    sort: z.enum(['relevance', 'price', 'newest']).default('relevance'),
    /** The `next` of a previous answer (keyset: page 50 costs what page 1 does). */
    cursor: z
      .string()
      .min(1)
      .max(500)
      .refine((cursor) => decodeProductCursor(cursor) !== undefined, 'not a cursor this API gave out: pass the `next` of a previous answer')
      .optional(),
    after: Token,
    ...Paging,
  })
  .refine((q) => q.minPrice === undefined || q.maxPrice === undefined || q.minPrice <= q.maxPrice, { message: 'minPrice above maxPrice', path: ['minPrice'] });

const ATTRIBUTE = /^attr\.(.+)$/;
/** `attr.<name>=<value>` parameters, which a fixed schema cannot name: each parsed on its own. */
const Attributes = z.record(
  z.string().regex(/^[A-Za-z0-9 _-]{1,100}$/, 'attribute names are letters, digits, space, _ and -'),
  z.string().trim().min(1).max(200),
);
const attributesOf = (req: Request): Record<string, string> =>
  Attributes.parse(
    Object.fromEntries(
      Object.entries(req.query).flatMap(([key, value]) => {
        const name = ATTRIBUTE.exec(key)?.[1];
        return name === undefined ? [] : [[name, value]];
      }),
    ),
  );

/** A product search's shape, for its latency: `text`, `filters` (category, price, attributes, delivery, stock) or both, `browse` with neither. */
export const productShapeOf = (asked: {
  q?: string;
  category?: string;
  minPrice?: number;
  maxPrice?: number;
  currency?: string;
  deliverableTo?: string;
  inStock?: boolean;
  attributes: Record<string, string>;
}): string => {
  const filtered =
    asked.category !== undefined ||
    asked.minPrice !== undefined ||
    asked.maxPrice !== undefined ||
    asked.currency !== undefined ||
    asked.deliverableTo !== undefined ||
    asked.inStock !== undefined ||
    Object.keys(asked.attributes).length > 0;
  return [asked.q ? 'text' : '', filtered ? 'filters' : ''].filter(Boolean).join('+') || 'browse';
};

export const productQueryRoutes = (deps: QueryDeps): Route[] => [
  defineRoute({
    method: 'get',
    path: '/products/search',
    summary:
      'Search products on sale: fuzzy q, category, minPrice/maxPrice (minor units), attributes as attr.<name>=<value>, ' +
      'deliverableTo=<postal code>, inStock; relevance tiers (every word in the name as typed, then with typos, then elsewhere) ' +
      'before the asked order (newest, or price); `next` is the cursor of the following page; total exact up to 1,000',
    tags: ['products'],
    auth: 'none',
    // `attr.<name>` parameters are kept (and checked below); any other unknown parameter is refused.
    query: SearchQuery.and(z.record(z.string(), z.unknown()).transform((q) => Object.fromEntries(Object.entries(q).filter(([key]) => ATTRIBUTE.test(key))))),
    handler: async ({ query, req }) => {
      const attributes = attributesOf(req);
      const stale = await catchUp(deps, req, query.after, PRODUCTS);
      const result = await timeSearch('products', productShapeOf({ ...query, attributes }), () => deps.products.search({ ...query, attributes }));
      return { body: { ...result, stale }, headers: staleHeaders(stale) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/products/:id',
    summary: 'A product with its details, delivery areas and stock (available = on hand minus held)',
    tags: ['products'],
    auth: 'none',
    params: z.object({ id: z.string().min(1).max(100) }),
    query: z.object({ after: Token }),
    handler: async ({ params, query, req }) => {
      const stale = await catchUp(deps, req, query.after, PRODUCTS);
      const product = await deps.products.get(params.id);
      if (!product) {
        if (stale) throw notYet();
        throw new HttpProblem(404, 'Not Found', `No product ${params.id}`);
      }
      return { body: { ...product, stale }, headers: staleHeaders(stale) };
    },
  }),
];
