import { z } from 'zod';
import { defineRoute, HttpProblem } from '@stayhub/http-kit';
import { HOST_BOOKING_STATUSES, localStayOf, timeZoneOf } from '@stayhub/read-models';
import type { QueryDeps } from '../shared/deps.ts';
import { catchUp, notYet, Paging, staleHeaders, Token } from '../shared/consistency.ts';

const HISTORY = ['booking_history'];
const HOST_BOOKINGS = ['host_bookings'];

const Money = z.object({ amount: z.number().int(), currency: z.string() });
const HostStatus = z.enum(HOST_BOOKING_STATUSES);
/** One status, or several separated by commas. */
const HostStatuses = z
  .string()
  .max(300)
  .transform((value) => value.split(','))
  .pipe(z.array(HostStatus).min(1))
  .optional()
  .meta({ description: `one status or several separated by commas: ${HOST_BOOKING_STATUSES.join(', ')}` });
const HostBookingsBody = z.object({
  items: z.array(
    z.object({
      bookingId: z.string(),
      listingId: z.string(),
      listingTitle: z.string().nullable(),
      unitTypeId: z.string(),
      unitTypeName: z.string().nullable(),
      guestId: z.string(),
      guestFirstName: z.string().nullable(),
      kind: z.enum(['rental', 'hotel', 'restaurant']),
      stay: z.union([
        z.object({ kind: z.literal('nights'), checkIn: z.string(), checkOut: z.string() }),
        z.object({ kind: z.literal('slot'), start: z.string(), minutes: z.number().int() }),
      ]),
      start: z.string().meta({ description: 'check-in (or the slot start) as an instant' }),
      end: z.string().meta({ description: 'check-out (or the slot end) as an instant' }),
      local: z.object({ timeZone: z.string(), start: z.string(), end: z.string() }).meta({ description: "start and end on the listing's wall clocks" }),
      guests: z.number().int(),
      units: z.number().int(),
      status: HostStatus,
      total: Money,
      paid: Money,
      refunded: Money,
      payout: z
        .object({ gross: Money, fee: Money, net: Money, status: z.enum(['pending', 'in_progress', 'paid']), paidAt: z.string().nullable() })
        .nullable()
        .meta({ description: "the host's share once earned after the stay (price minus the platform fee, less any later refund); null before" }),
      paymentIssue: z.object({ taskId: z.string(), operation: z.string(), error: z.string(), since: z.string() }).nullable(),
      createdAt: z.string(),
      updatedAt: z.string(),
    }),
  ),
  page: z.number().int(),
  pageSize: z.number().int(),
  hasMore: z.boolean(),
  stale: z.boolean(),
});
const ListQuery = z.object({ scope: z.enum(['current', 'past', 'all']).default('all'), after: Token, ...Paging });

/** Each booking with its start and end on its listing's wall clocks (`local`): one listing read per listing of the page. */
const inListingTime = async <View extends { listingId: string; start: string; end: string }>(deps: QueryDeps, views: View[]) => {
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
    summary:
      "Bookings of the caller's listings, as their host: guest's first name, listing and unit type, stay, status, money (total, paid, refunded, the host's payout) and any parked payment; filter by scope, status and listing",
    tags: ['bookings'],
    auth: 'user',
    roles: ['host'],
    query: z.strictObject({ ...ListQuery.shape, status: HostStatuses, listingId: z.string().min(1).max(100).optional() }),
    responses: { 200: { description: 'A page of bookings: current soonest first, past and all newest first', schema: HostBookingsBody } },
    handler: async ({ query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, HOST_BOOKINGS);
      const page = await deps.hostBookings.byHost(user!.userId, { ...query, now: deps.clock.now() });
      return { body: { ...page, items: await inListingTime(deps, page.items), stale }, headers: staleHeaders(stale) };
    },
  }),
];
