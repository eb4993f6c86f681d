import { z } from 'zod';
import { defineRoute, type Route } from '@stayhub/http-kit';
import type { ProductSummary } from '@stayhub/read-models';
import type { QueryDeps } from '../shared/deps.ts';
import { catchUp, staleHeaders, Token } from '../shared/consistency.ts';

const READ_MODELS = ['carts', 'products'];

/** ISO 4217's code for "no currency is involved": the currency of an empty cart's zero. */
const NO_CURRENCY = 'XXX';

/**
 * A subtotal only when every line's product is known and priced in one currency, summed exactly in
 * integer minor units; a sum past the safe integers (no order could be placed for it) is no subtotal.
 * An empty cart's subtotal is zero, in no currency.
 */
export const subtotalOf = (lines: { quantity: number; product: Pick<ProductSummary, 'price'> | null }[]) => {
  if (lines.length === 0) return { amount: 0, currency: NO_CURRENCY };
  const currencies = new Set(lines.map((line) => line.product?.price.currency));
  if (currencies.size !== 1 || currencies.has(undefined)) return null;
  const amount = lines.reduce((sum, line) => sum + BigInt(line.quantity) * BigInt(line.product!.price.amount), 0n);
  return amount <= BigInt(Number.MAX_SAFE_INTEGER) ? { amount: Number(amount), currency: [...currencies][0]! } : null;
};

export const cartQueryRoutes = (deps: QueryDeps): Route[] => {
  const summaries = async (productIds: string[]) => new Map((await deps.products.many(productIds)).map((p) => [p.productId, p]));
  return [
    defineRoute({
      method: 'get',
      path: '/carts/me',
      summary:
        "The caller's cart, each line with the product's current price and stock (prices are fixed only at checkout), and the subtotal: " +
        'null when lines differ in currency or a product is unknown, zero in currency XXX (ISO 4217: none) for an empty cart',
      tags: ['cart'],
      auth: 'user',
      query: z.object({ after: Token }),
      handler: async ({ query, req, user }) => {
        const stale = await catchUp(deps, req, query.after, READ_MODELS);
        const cart = await deps.carts.cart(user!.userId);
        const cartLines = cart?.lines ?? [];
        const products = await summaries(cartLines.map((line) => line.productId));
        const lines = cartLines.map((line) => ({ ...line, product: products.get(line.productId) ?? null }));
        const body = {
          userId: user!.userId,
          lines,
          itemCount: lines.reduce((sum, line) => sum + line.quantity, 0),
          subtotal: subtotalOf(lines),
          updatedAt: cart?.updatedAt ?? null,
          stale,
        };
        return { body, headers: staleHeaders(stale) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/me/wishlist',
      summary: "The caller's wishlist, oldest first, with each product's current price and stock",
      tags: ['wishlist'],
      auth: 'user',
      query: z.object({ after: Token }),
      handler: async ({ query, req, user }) => {
        const stale = await catchUp(deps, req, query.after, READ_MODELS);
        const wishlist = await deps.carts.wishlist(user!.userId);
        const productIds = wishlist?.productIds ?? [];
        const products = await summaries(productIds);
        const items = productIds.map((productId) => ({ productId, product: products.get(productId) ?? null }));
        return { body: { userId: user!.userId, items, updatedAt: wishlist?.updatedAt ?? null, stale }, headers: staleHeaders(stale) };
      },
    }),
  ];
};
