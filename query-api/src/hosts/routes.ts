import { z } from 'zod';
import { defineRoute } from '@stayhub/infra';
import type { QueryDeps } from '../shared/deps.ts';
import { catchUp, Paging, staleHeaders, Token } from '../shared/consistency.ts';

const HOST_LISTINGS = ['host_listings'];
const Status = z.enum(['draft', 'published', 'unlisted']);

const HostListingsBody = z.object({
  items: z.array(
    z.looseObject({
      listingId: z.string(),
      kind: z.enum(['rental', 'hotel', 'restaurant']),
      status: Status,
      title: z.string().nullable(),
      city: z.string().nullable(),
      photo: z.string().nullable(),
      unitTypes: z.number().int(),
      minPrice: z.number().int().nullable(),
      currency: z.string().nullable(),
      missing: z.array(z.string()),
      complete: z.boolean(),
      details: z.record(z.string(), z.unknown()),
      updatedAt: z.string(),
    }),
  ),
  page: z.number().int(),
  pageSize: z.number().int(),
  hasMore: z.boolean(),
  stale: z.boolean(),
});

export const hostRoutes = (deps: QueryDeps) => [
  defineRoute({
    method: 'get',
    path: '/host/listings',
    summary: "The caller's own listings, drafts included, most recently changed first, with what each still misses before it can be published",
    tags: ['listings'],
    auth: 'user',
    roles: ['host'],
    query: z.strictObject({ status: Status.optional(), after: Token, ...Paging }),
    responses: { 200: { description: 'A page of listings', schema: HostListingsBody } },
    handler: async ({ query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, HOST_LISTINGS);
      const page = await deps.hostListings.byHost(user!.userId, query);
      return { body: { ...page, stale }, headers: staleHeaders(stale) };
    },
  }),
];
