import type { Request } from 'express';
import { z } from 'zod';
import { addHours, bookings, fail, listings } from '@stayhub/domain';
import { type Handled, type Step, newId } from '@stayhub/event-sourcing';
import { answerOnce, defineRoute, HttpProblem, NearIsoDate, type AuthUser, type Route } from '@stayhub/http-kit';
import type { CommandDeps } from '../shared/deps.ts';
import { accepted, IdParam, metadataOf } from '../shared/http.ts';
import { holdSteps, releaseSteps } from './holds.ts';

/** A restaurant slot: an instant with its offset, or a wall-clock time (`2030-05-01T19:30`) in the listing's time zone. */
const Slot = z.union([z.iso.datetime({ offset: true }), z.iso.datetime({ local: true })]);
const Dates = { checkIn: NearIsoDate.optional(), checkOut: NearIsoDate.optional(), slot: Slot.optional() };
const oneStay = (b: { checkIn?: string; checkOut?: string; slot?: string }) => (b.checkIn && b.checkOut && !b.slot) || (!b.checkIn && !b.checkOut && b.slot);
const Party = { guests: z.number().int().min(1).max(1000), units: z.number().int().min(1).max(1000).optional() };

const RequestBody = z
  .object({
    listingId: z.string().min(1).max(100),
    unitTypeId: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,200}$/)
      .optional(),
    ...Dates,
    ...Party,
    paymentMethod: z.string().min(1).max(200),
  })
  .refine(oneStay, { message: 'give checkIn and checkOut (a stay), or slot (a restaurant table)' })
  .refine((b) => !b.checkIn || !b.checkOut || b.checkIn < b.checkOut, { message: 'checkOut must be after checkIn', path: ['checkOut'] });

const ModifyBody = z
  .object({ ...Dates, guests: Party.guests.optional(), units: Party.units })
  .refine((b) => (!b.checkIn && !b.checkOut && !b.slot) || oneStay(b), { message: 'give checkIn and checkOut together, or a slot' })
  .refine((b) => !b.checkIn || !b.checkOut || b.checkIn < b.checkOut, { message: 'checkOut must be after checkIn', path: ['checkOut'] })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'nothing to change' });

const Reason = z.object({ reason: z.string().trim().max(500).optional() }).default({});
const Grant = z.object({ amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), reason: z.string().trim().max(500).optional() });
const Review = z.object({ rating: z.number().int().min(1).max(5), comment: z.string().trim().max(2000).default('') });

type ListingState = listings.ExistingListing;

/** The unit type as a booking sees it: its units, and its base price with the per-date prices of the stay's nights. */
const unitTypeSnapshot = (listing: ListingState, unitType: listings.UnitType, stay: bookings.Stay) => ({
  name: unitType.name,
  count: unitType.count,
  capacity: unitType.capacity,
  price: unitType.price,
  ...(stay.kind === 'nights' ? { nightPrices: listings.stayPrices(listing, unitType.unitTypeId, stay.checkIn, stay.checkOut) } : {}),
});

const timeZoneOf = (listing: ListingState): string => listing.details.location?.timeZone ?? 'UTC';

/** A restaurant's slot grid, which the booking's decision checks a slot against. */
const slotGridOf = (listing: ListingState): { slotGrid?: bookings.SlotGrid } =>
  listing.details.slots ? { slotGrid: { slots: listing.details.slots, timeZone: timeZoneOf(listing) } } : {};

/** The stay asked for; a slot's wall-clock time (no offset) is read in the listing's time zone. */
const stayOf = (listing: ListingState, b: { checkIn?: string; checkOut?: string; slot?: string }): bookings.Stay => {
  if (!b.slot) return { kind: 'nights', checkIn: b.checkIn!, checkOut: b.checkOut! };
  const slots = listing.details.slots;
  if (listing.kind !== 'restaurant' || !slots) throw new HttpProblem(400, 'Bad Request', 'This listing books nights: give checkIn and checkOut');
  const timeZone = timeZoneOf(listing);
  const start = listings.hasOffset(b.slot) ? new Date(b.slot).toISOString() : listings.instantOfLocal(b.slot, timeZone);
  if (start === undefined) return fail('STAY_INVALID', `There is no ${b.slot} in ${timeZone}: the clocks skip it that day`);
  return { kind: 'slot', start, minutes: slots.minutes };
};

/** The hold the booking's decision (the first step) asks for. */
const decidedHold = (earlier: Handled<any, any>[]): bookings.WantedHold | undefined => bookings.wantedHold(earlier[0]?.events ?? []);

export const bookingRoutes = (deps: CommandDeps): Route[] => {
  const now = () => deps.clock.now().toISOString();
  const loadListing = async (listingId: string): Promise<ListingState> => {
    const { state } = await deps.processor.load(listings.listingStreamId(listingId), listings.listingDecider);
    return state.status === 'none' ? fail('LISTING_NOT_FOUND', `No listing ${listingId}`) : state;
  };
  /** Someone else's booking looks exactly like a missing one (as on the query side): 404, never 403. */
  const loadBooking = async (bookingId: string, user: AuthUser) => {
    const { state, revision } = await deps.processor.load(bookings.bookingStreamId(bookingId), bookings.bookingDecider, { current: true });
    const party = state.status !== 'none' && (state.guestId === user.userId || state.hostId === user.userId || user.role === 'admin');
    return party ? { booking: state, revision } : fail('BOOKING_NOT_FOUND', `No booking ${bookingId}`);
  };
  const handle = (bookingId: string, command: bookings.BookingCommand, req: Request, user?: AuthUser) =>
    deps.processor.handle(bookings.bookingStreamId(bookingId), bookings.bookingDecider, command, metadataOf(req, user));
  const onBooking = (bookingId: string, command: bookings.BookingCommand, fresh = false): Step => ({
    streamId: bookings.bookingStreamId(bookingId),
    decider: bookings.bookingDecider,
    command,
    ...(fresh ? { fresh } : {}),
  });
  const reply = (status: number, bookingId: string, handled: { state: bookings.BookingState; position: string }) => {
    const state = handled.state;
    return accepted(
      status,
      { bookingId, status: state.status, ...(state.status !== 'none' ? { total: state.total, stay: state.stay } : {}) },
      handled.position,
      `/bookings/${bookingId}`,
    );
  };
  const unitTypeFor = (listing: ListingState, requested: string | undefined) => {
    const types = listing.details.unitTypes ?? [];
    if (!requested && types.length > 1)
      throw new HttpProblem(400, 'Bad Request', 'This listing has several unit types: give unitTypeId', { unitTypeIds: types.map((t) => t.unitTypeId) });
    return listings.unitTypeOf(listing, requested ? listings.scopedUnitTypeId(listing.listingId, requested) : (types[0]?.unitTypeId ?? ''));
  };

  const simple = (action: 'approve' | 'decline' | 'cancel', summary: string, roles?: ('host' | 'guest')[]) =>
    defineRoute({
      method: 'post',
      path: `/bookings/:id/${action}`,
      summary,
      tags: ['bookings'],
      auth: 'user',
      ...(roles ? { roles } : {}),
      params: IdParam,
      body: Reason,
      handler: async ({ params, body, req, user }) => {
        await loadBooking(params.id, user!);
        const data = { bookingId: params.id, actorId: user!.userId, now: now() };
        const command: bookings.BookingCommand =
          action === 'approve'
            ? { type: 'ApproveBooking', data }
            : action === 'decline'
              ? { type: 'DeclineBooking', data: { ...data, ...(body.reason ? { reason: body.reason } : {}) } }
              : { type: 'CancelBooking', data: { ...data, ...(body.reason ? { reason: body.reason } : {}) } };
        return reply(200, params.id, await handle(params.id, command, req, user));
      },
    });

  return [
    defineRoute({
      method: 'post',
      path: '/bookings',
      summary: 'Request or instantly book nights (checkIn/checkOut) or a restaurant slot; the nights are held first, so no one else can take them',
      tags: ['bookings'],
      auth: 'user',
      body: RequestBody,
      responses: { 201: { description: 'The nights are held and the booking requested (or confirmed, for instant booking)' } },
      idempotency: 'in-append',
      handler: async ({ body, req, user }) => {
        const listing = await loadListing(body.listingId);
        const unitType = unitTypeFor(listing, body.unitTypeId);
        const bookingId = newId();
        const at = now();
        const stay = stayOf(listing, body);
        const command: bookings.BookingCommand = {
          type: 'RequestBooking',
          data: {
            bookingId,
            holdId: bookingId,
            respondBy: addHours(at, deps.settings.HOST_RESPONSE_HOURS),
            guestId: user!.userId,
            listing: {
              listingId: listing.listingId,
              hostId: listing.hostId,
              kind: listing.kind,
              status: listing.status,
              instantBook: listing.details.instantBook ?? false,
              cancellationPolicy: listing.details.cancellationPolicy ?? 'moderate',
              currency: listing.details.currency ?? unitType.price.currency,
              ...(listing.details.location ? { timeZone: listing.details.location.timeZone } : {}),
              ...slotGridOf(listing),
            },
            unitType: { unitTypeId: unitType.unitTypeId, ...unitTypeSnapshot(listing, unitType, stay) },
            stay,
            guests: body.guests,
            ...(body.units !== undefined ? { units: body.units } : {}),
            now: at,
          },
        };
        // the card token goes to the payment record, never into an event
        await deps.secrets.savePaymentMethod(bookingId, body.paymentMethod);
        // One atomic append: the booking's rules are decided first, then its nights on every month
        // (as many units as it decided); if any of it is refused nothing is held and nothing booked.
        const steps = [
          onBooking(bookingId, command, true),
          ...holdSteps(deps, { unitTypeId: unitType.unitTypeId, capacity: unitType.count, bookingId, stay }, decidedHold),
        ];
        return answerOnce(deps, req.idempotency, steps, metadataOf(req, user), ([booked]) => reply(201, bookingId, booked!));
      },
    }),
    simple('approve', "Approve a booking request of one's own listing (the guest is then charged)", ['host']),
    simple('decline', "Decline a booking request of one's own listing (its nights are released)", ['host']),
    simple('cancel', 'Cancel a booking as its guest or host; refund by the cancellation policy'),
    defineRoute({
      method: 'patch',
      path: '/bookings/:id',
      summary: 'Change dates or party size: the new nights are held before the old ones are released',
      tags: ['bookings'],
      auth: 'user',
      params: IdParam,
      body: ModifyBody,
      idempotency: 'in-append',
      handler: async ({ params, body, req, user }) => {
        const { booking, revision } = await loadBooking(params.id, user!);
        const listing = await loadListing(booking.listingId);
        const unitType = listings.unitTypeOf(listing, booking.unitTypeId);
        const asked = body.checkIn || body.slot ? stayOf(listing, body) : undefined;
        const stay = asked ?? booking.stay;
        const command: bookings.BookingCommand = {
          type: 'ModifyBooking',
          data: {
            bookingId: params.id,
            actorId: user!.userId,
            ...(asked ? { stay: asked } : {}),
            ...(body.guests !== undefined ? { guests: body.guests } : {}),
            ...(body.units !== undefined ? { units: body.units } : {}),
            unitType: unitTypeSnapshot(listing, unitType, stay),
            ...slotGridOf(listing),
            newHoldId: `${params.id}.m${revision + 1}`,
            now: now(),
          },
        };
        // One atomic append: the booking's change and, when it decided on other nights, slot or
        // units, its new hold on every month and the release of the old one.
        const steps = [
          onBooking(params.id, command),
          ...holdSteps(deps, { unitTypeId: booking.unitTypeId, capacity: unitType.count, bookingId: params.id, stay }, decidedHold),
          ...releaseSteps(
            deps,
            { unitTypeId: booking.unitTypeId, holdId: booking.holdId, stay: booking.stay, reason: 'modified' },
            (earlier) => decidedHold(earlier) !== undefined,
          ),
        ];
        return answerOnce(deps, req.idempotency, steps, metadataOf(req, user), ([modified]) =>
          reply(200, params.id, modified as Handled<bookings.BookingState, unknown>),
        );
      },
    }),
    ...(['settle', 'no-show'] as const).map((action) =>
      defineRoute({
        method: 'post',
        path: `/bookings/:id/${action}`,
        summary:
          action === 'settle'
            ? "The vendor marks a restaurant table's bill settled: its deposit goes back to the guest (from the slot's start)"
            : "The vendor marks a restaurant table a no-show: its deposit is kept (from the slot's start)",
        tags: ['bookings'],
        auth: 'user',
        roles: ['host'],
        params: IdParam,
        handler: async ({ params, req, user }) => {
          await loadBooking(params.id, user!);
          const data = { bookingId: params.id, actorId: user!.userId, now: now() };
          const command: bookings.BookingCommand = action === 'settle' ? { type: 'SettleDeposit', data } : { type: 'MarkNoShow', data };
          return reply(200, params.id, await handle(params.id, command, req, user));
        },
      }),
    ),
    defineRoute({
      method: 'post',
      path: '/bookings/:id/refunds',
      summary:
        "After the stay, the host gives the guest back part or all of what was paid (minor units, the booking's currency); it comes out of the host's earnings",
      tags: ['bookings'],
      auth: 'user',
      roles: ['host'],
      params: IdParam,
      body: Grant,
      responses: { 201: { description: 'The refund is granted; the gateway refunds it and the host ledger nets it against the next payout' } },
      handler: async ({ params, body, req, user }) => {
        const { booking } = await loadBooking(params.id, user!);
        const grantId = newId();
        const data = { bookingId: params.id, actorId: user!.userId, grantId, amount: { amount: body.amount, currency: booking.total.currency }, now: now() };
        const { state, position } = await handle(
          params.id,
          { type: 'GrantRefund', data: { ...data, ...(body.reason ? { reason: body.reason } : {}) } },
          req,
          user,
        );
        return accepted(201, { bookingId: params.id, grantId, status: state.status, refund: data.amount }, position, `/bookings/${params.id}`);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/bookings/:id/reviews',
      summary: 'Review a completed stay: the guest rates the listing, the host rates the guest',
      tags: ['bookings'],
      auth: 'user',
      params: IdParam,
      body: Review,
      responses: { 201: { description: 'The review is recorded' } },
      handler: async ({ params, body, req, user }) => {
        await loadBooking(params.id, user!);
        const handled = await handle(
          params.id,
          { type: 'ReviewStay', data: { bookingId: params.id, actorId: user!.userId, rating: body.rating, comment: body.comment, now: now() } },
          req,
          user,
        );
        return reply(201, params.id, handled);
      },
    }),
  ];
};
