import { z } from 'zod';
import { defineRoute, type Route } from '@stayhub/infra';
import type { QueryDeps } from '../shared/deps.ts';
import { catchUp, Paging, staleHeaders, Token } from '../shared/consistency.ts';

const SELLER_ORDERS = ['seller_orders'];
const Status = z.enum(['placed', 'stock_held', 'payment_pending', 'paid', 'confirmed', 'shipped', 'delivered', 'failed', 'expired', 'cancelled', 'refunded']);

const PackLine = z.object({ productId: z.string(), sku: z.string(), name: z.string(), quantity: z.number().int() });
const SellerOrdersBody = z.object({
  items: z.array(
    z.object({
      orderId: z.string(),
      status: Status,
      lines: z.array(PackLine),
      wholeOrder: z.boolean().describe('every line is the caller’s, so the caller alone may ship it'),
      shippingPostalCode: z.string(),
      shipment: z.object({ carrier: z.string().optional(), tracking: z.string().optional(), shippedAt: z.string() }).optional(),
      deliveredAt: z.string().optional(),
      placedAt: z.string(),
      updatedAt: z.string(),
    }),
  ),
  page: z.number().int(),
  pageSize: z.number().int(),
  hasMore: z.boolean(),
  stale: z.boolean(),
});

const PRODUCTS = ['products'];

export const sellerRoutes = (deps: QueryDeps): Route[] => [
  defineRoute({
    method: 'get',
    path: '/seller/products',
    summary: "The caller's own products, discontinued ones too, newest first, each with its stock (on hand, held, available)",
    tags: ['products'],
    auth: 'user',
    roles: ['host'],
    query: z.strictObject({ after: Token, ...Paging }),
    handler: async ({ query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, PRODUCTS);
      const page = await deps.products.bySeller(user!.userId, query);
      return { body: { ...page, stale }, headers: staleHeaders(stale) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/seller/orders',
    summary: "Orders holding a line of the caller's products, newest first: the caller's lines and the postal code they ship to (status=confirmed: what to ship now)",
    tags: ['orders'],
    auth: 'user',
    roles: ['host'],
    query: z.strictObject({ status: Status.optional(), after: Token, ...Paging }),
    responses: { 200: { description: 'A page of orders to pack', schema: SellerOrdersBody } },
    handler: async ({ query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, SELLER_ORDERS);
      const page = await deps.sellerOrders.bySeller(user!.userId, query);
      return { body: { ...page, stale }, headers: staleHeaders(stale) };
    },
  }),
];
