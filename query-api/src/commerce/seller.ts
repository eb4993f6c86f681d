import { z } from 'zod';
import { defineRoute, type Route } from '@stayhub/http-kit';
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
const STOCK_RECEIPTS = ['stock_receipts'];

const StockReceiptsBody = z.object({
  items: z.array(
    z.object({
      productId: z.string(),
      sku: z.string(),
      receiptId: z.string().describe('the delivery note’s id, or the one given to a delivery received without one'),
      quantity: z.number().int(),
      receivedAt: z.string(),
      receivedBy: z.enum(['seller', 'operator', 'unknown']).describe('the seller, an operator acting for them, or no one known'),
    }),
  ),
  page: z.number().int(),
  pageSize: z.number().int(),
  hasMore: z.boolean(),
  stale: z.boolean(),
});

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
    path: '/seller/stock-receipts',
    summary:
      "The deliveries of stock into the caller's products (or into one of them: productId), newest first: when, how many, the delivery note and who recorded it",
    tags: ['products'],
    auth: 'user',
    roles: ['host'],
    query: z.strictObject({ productId: z.string().min(1).max(128).optional(), after: Token, ...Paging }),
    responses: { 200: { description: 'A page of stock receipts', schema: StockReceiptsBody } },
    handler: async ({ query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, STOCK_RECEIPTS);
      const page = await deps.stockReceipts.bySeller(user!.userId, query);
      return { body: { ...page, stale }, headers: staleHeaders(stale) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/seller/orders',
    summary:
      "Orders holding a line of the caller's products, newest first: the caller's lines and the postal code they ship to (status=confirmed: what to ship now)",
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
