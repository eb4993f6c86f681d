import { z } from 'zod';
import { defineRoute, HttpProblem } from '@stayhub/infra';
import type { QueryDeps } from '../shared/deps.ts';
import { catchUp, notYet, Paging, staleHeaders, Token } from '../shared/consistency.ts';

const HISTORY = ['booking_history'];
const ListQuery = z.object({ scope: z.enum(['current', 'past', 'all']).default('all'), after: Token, ...Paging });

export const bookingRoutes = (deps: QueryDeps) => [
  defineRoute({
    method: 'get',
    path: '/bookings/:id',
    summary: "A booking, for its guest or its listing's host",
    tags: ['bookings'],
    auth: 'user',
    params: z.object({ id: z.string().min(1).max(100) }),
    query: z.object({ after: Token }),
    handler: async ({ params, query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, HISTORY);
      const booking = await deps.bookings.get(params.id);
      // Someone else's booking looks exactly like a missing one.
      const mine = booking && (booking.guestId === user!.userId || booking.hostId === user!.userId || user!.role === 'admin');
      if (!mine) {
        if (stale) throw notYet();
        throw new HttpProblem(404, 'Not Found', `No booking ${params.id}`);
      }
      return { body: { ...booking, stale }, headers: staleHeaders(stale) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/me/bookings',
    summary: "The caller's bookings as a guest: current (soonest first) or past (newest first)",
    tags: ['bookings'],
    auth: 'user',
    query: ListQuery,
    handler: async ({ query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, HISTORY);
      const page = await deps.bookings.byGuest(user!.userId, { ...query, now: deps.clock.now() });
      return { body: { ...page, stale }, headers: staleHeaders(stale) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/host/bookings',
    summary: "Bookings of the caller's listings, as their host",
    tags: ['bookings'],
    auth: 'user',
    roles: ['host'],
    query: ListQuery.extend({ listingId: z.string().min(1).max(100).optional() }),
    handler: async ({ query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, HISTORY);
      const page = await deps.bookings.byHost(user!.userId, { ...query, now: deps.clock.now() });
      return { body: { ...page, stale }, headers: staleHeaders(stale) };
    },
  }),
];
