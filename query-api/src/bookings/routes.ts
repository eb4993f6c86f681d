import { z } from 'zod';
import { defineRoute, HttpProblem } from '@stayhub/infra';
import { localStayOf, timeZoneOf, type BookingView } from '@stayhub/read-models';
import type { QueryDeps } from '../shared/deps.ts';
import { catchUp, notYet, Paging, staleHeaders, Token } from '../shared/consistency.ts';

const HISTORY = ['booking_history'];
const ListQuery = z.object({ scope: z.enum(['current', 'past', 'all']).default('all'), after: Token, ...Paging });

/** Each booking with its start and end on its listing's wall clocks (`local`): one listing read per listing of the page. */
const inListingTime = async (deps: QueryDeps, views: BookingView[]) => {
  const ids = [...new Set(views.map((view) => view.listingId))];
  const zones = new Map(await Promise.all(ids.map(async (id) => [id, timeZoneOf((await deps.listings.get(id))?.details)] as const)));
  return views.map((view) => ({ ...view, local: localStayOf(view, zones.get(view.listingId) ?? 'UTC') }));
};

export const bookingRoutes = (deps: QueryDeps) => [
  defineRoute({
    method: 'get',
    path: '/bookings/:id',
    summary: "A booking, for its guest or its listing's host; `local` gives its start and end on the listing's wall clocks, with the time zone",
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
      const [shown] = await inListingTime(deps, [booking]);
      return { body: { ...shown, stale }, headers: staleHeaders(stale) };
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
      return { body: { ...page, items: await inListingTime(deps, page.items), stale }, headers: staleHeaders(stale) };
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
      return { body: { ...page, items: await inListingTime(deps, page.items), stale }, headers: staleHeaders(stale) };
    },
  }),
];
