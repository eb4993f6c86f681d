import { z } from 'zod';
import { defineRoute, HttpProblem, type Route } from '@stayhub/http-kit';
import { decodeOrderCursor } from '@stayhub/read-models';
import type { QueryDeps } from '../shared/deps.ts';
import { catchUp, notYet, Paging, staleHeaders, Token } from '../shared/consistency.ts';

const HISTORY = ['order_history'];

const Cursor = z
  .string()
  .max(500)
  .transform((text, ctx) => {
    const cursor = decodeOrderCursor(text);
    if (cursor !== undefined) return cursor;
    ctx.addIssue({ code: 'custom', message: 'not a cursor from a previous page' });
    return z.NEVER;
  });
const ListQuery = z
  .object({ before: Cursor.optional(), after: Token, ...Paging })
  .refine((q) => q.before === undefined || q.page === 1, { message: 'use either before (a cursor) or page', path: ['page'] });

export const orderQueryRoutes = (deps: QueryDeps): Route[] => [
  defineRoute({
    method: 'get',
    path: '/me/orders',
    summary: "The caller's orders, newest first; follow nextCursor as ?before= for the next page (or use page)",
    tags: ['orders'],
    auth: 'user',
    query: ListQuery,
    handler: async ({ query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, HISTORY);
      const page = await deps.orders.byUser(user!.userId, query);
      return { body: { ...page, stale }, headers: staleHeaders(stale) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/orders/:id',
    summary: 'An order with its lines, amounts and full timeline, for its buyer or an admin',
    tags: ['orders'],
    auth: 'user',
    params: z.object({ id: z.string().min(1).max(100) }),
    query: z.object({ after: Token }),
    handler: async ({ params, query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, HISTORY);
      const order = await deps.orders.get(params.id);
      // Someone else's order looks exactly like a missing one.
      if (!order || (order.userId !== user!.userId && user!.role !== 'admin')) {
        if (stale) throw notYet();
        throw new HttpProblem(404, 'Not Found', `No order ${params.id}`);
      }
      return { body: { ...order, stale }, headers: staleHeaders(stale) };
    },
  }),
];
