import { z } from 'zod';
import { defineRoute, HttpProblem, queryInteger } from '@stayhub/http-kit';
import { decodeNoticeCursor, noticeKinds } from '@stayhub/read-models';
import type { QueryDeps } from '../shared/deps.ts';
import { catchUp, staleHeaders, Token } from '../shared/consistency.ts';

const NOTIFICATIONS = ['notifications'];
const NoticeId = z.string().regex(/^n_[A-Za-z0-9_-]{22}$/, 'a notice id from GET /me/notifications');
const Cursor = z
  .string()
  .max(400)
  .refine((c) => decodeNoticeCursor(c) !== undefined, 'a nextCursor from a previous page');

const Notice = z.object({
  id: z.string(),
  kind: z.enum(noticeKinds),
  text: z.string(),
  data: z.record(z.string(), z.unknown()),
  at: z.string(),
  readAt: z.string().nullable(),
});
const InboxBody = z.object({ items: z.array(Notice), unread: z.number().int(), nextCursor: z.string().nullable(), stale: z.boolean() });
const UnreadBody = z.object({ unread: z.number().int(), stale: z.boolean() });
const ReadBody = z.object({ id: z.string(), readAt: z.string(), unread: z.number().int() });

/** The in-app inbox: what happened to your bookings, orders, payouts and reviews, as notices. */
export const notificationRoutes = (deps: QueryDeps) => {
  const now = () => deps.clock.now().toISOString();
  return [
    defineRoute({
      method: 'get',
      path: '/me/notifications',
      summary: 'Your notices: unread first, then newest, a page at a time (pass `nextCursor` as `cursor`), with the number unread',
      tags: ['notifications'],
      auth: 'user',
      query: z.strictObject({ cursor: Cursor.optional(), limit: queryInteger({ min: 1, max: 100 }).default(20), after: Token }),
      responses: { 200: { description: 'A page of notices', schema: InboxBody } },
      handler: async ({ query, req, user }) => {
        const stale = await catchUp(deps, req, query.after, NOTIFICATIONS);
        const page = await deps.notifications.inbox(user!.userId, { now: now(), limit: query.limit, cursor: query.cursor });
        return { body: { ...page, stale }, headers: staleHeaders(stale) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/me/notifications/unread-count',
      summary: 'How many of your notices are unread (for a badge)',
      tags: ['notifications'],
      auth: 'user',
      query: z.strictObject({ after: Token }),
      responses: { 200: { description: 'The unread count', schema: UnreadBody } },
      handler: async ({ query, req, user }) => {
        const stale = await catchUp(deps, req, query.after, NOTIFICATIONS);
        return { body: { unread: await deps.notifications.unreadCount(user!.userId, now()), stale }, headers: staleHeaders(stale) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/me/notifications/:id/read',
      summary: 'Mark one of your notices read (again: no change); 404 for a notice that is not yours',
      tags: ['notifications'],
      auth: 'user',
      params: z.strictObject({ id: NoticeId }),
      body: z.strictObject({}),
      responses: { 200: { description: 'The notice is read; the unread count after it', schema: ReadBody } },
      handler: async ({ params, user }) => {
        const at = now();
        const readAt = await deps.notifications.markRead(user!.userId, params.id, at);
        if (!readAt) throw new HttpProblem(404, 'Not Found', `You have no notice ${params.id}`);
        return { body: { id: params.id, readAt, unread: await deps.notifications.unreadCount(user!.userId, at) } };
      },
    }),
  ];
};
