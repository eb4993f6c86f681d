import { bookings, calendar, listings, type Decider } from '@stayhub/domain';
import { type Pool, inTransaction } from '@stayhub/event-sourcing';
import { listingDetails, random } from './listings-data.ts';

type Event = { type: string; data: unknown };
export type Stored = { streamId: string; revision: number; type: string; data: unknown; at: string };

const day = (base: number, days: number) => new Date(base + days * 86_400_000).toISOString().slice(0, 10);

/**
 * A booking platform's history decided by the real deciders: listings created and published (some
 * edited), then bookings that hold nights on the calendar, get paid and confirmed; a tenth are
 * cancelled (nights released, refunded). Events come out in an order that respects every stream.
 */
export function* bookingHistory(options: { events: number; seed: number }): Generator<Stored> {
  const r = random(options.seed);
  const now = Date.now();
  const at = new Date(now).toISOString();
  const revisions = new Map<string, number>();
  const emit = (streamId: string, events: Event[]): Stored[] =>
    events.map((event) => {
      const revision = (revisions.get(streamId) ?? -1) + 1;
      revisions.set(streamId, revision);
      return { streamId, revision, type: event.type, data: event.data, at };
    });
  const run = <C, S, E extends Event>(decider: Decider<C, S, E>, state: S, command: C): [S, E[]] => {
    const events = decider.decide(command, state);
    return [events.reduce(decider.evolve, state), events];
  };

  // About 5.3 events a booking and 2.1 a listing; one listing for every ten bookings.
  const listingCount = Math.max(1, Math.round(options.events / 55));
  const published: { listing: listings.ExistingListing; nextNight: number }[] = [];
  let emitted = 0;
  for (let i = 0; i < listingCount && emitted < options.events; i++) {
    const kind = r.next() < 0.8 ? ('rental' as const) : ('hotel' as const);
    const listingId = `l${i}`;
    const base = { listingId, actorId: `host-${i % 2000}`, now: at };
    let state = listings.listingDecider.initialState;
    let events: Event[];
    const stream = listings.listingStreamId(listingId);
    [state, events] = run(listings.listingDecider, state, { type: 'CreateListing', data: { ...base, kind, details: listingDetails(r, i, kind) } });
    const out = emit(stream, events);
    [state, events] = run(listings.listingDecider, state, { type: 'PublishListing', data: base });
    out.push(...emit(stream, events));
    if (r.next() < 0.1) {
      [state, events] = run(listings.listingDecider, state, { type: 'UpdateListing', data: { ...base, changes: { title: `Renovated ${i}` } } });
      out.push(...emit(stream, events));
    }
    if (state.status === 'published') published.push({ listing: state, nextNight: 1 + r.int(0, 30) });
    emitted += out.length;
    yield* out;
  }

  const calendars = new Map<string, calendar.CalendarState>();
  for (let b = 0; emitted < options.events; b++) {
    const slot = r.pick(published);
    const { listing } = slot;
    const unit = r.pick(listing.details.unitTypes ?? []);
    // Rentals book their next free nights; hotels any nights (their rooms run out sometimes).
    const start = listing.kind === 'rental' ? slot.nextNight : r.int(1, 360);
    const nights = r.int(1, 4);
    if (listing.kind === 'rental') slot.nextNight += nights + r.int(0, 3);
    const stay = { kind: 'nights' as const, checkIn: day(now, start), checkOut: day(now, start + nights) };
    const keys = Array.from({ length: nights }, (_, n) => day(now, start + n)).filter((key) => key.slice(0, 7) === stay.checkIn.slice(0, 7));
    const bookingId = `b${b}`;
    const calendarStream = calendar.calendarStreamId(unit.unitTypeId, stay.checkIn.slice(0, 7));
    let cal = calendars.get(calendarStream) ?? calendar.calendarDecider.initialState;
    let held: Event[];
    try {
      [cal, held] = run(calendar.calendarDecider, cal, {
        type: 'PlaceHold',
        data: { holdId: bookingId, bookingId, keys, units: 1, capacity: unit.count, expiresAt: at, now: at },
      });
    } catch {
      continue; // no room on those nights
    }
    const out = emit(calendarStream, held);
    let booking = bookings.bookingDecider.initialState;
    let events: Event[];
    const stream = bookings.bookingStreamId(bookingId);
    const data = { bookingId, now: at };
    [booking, events] = run(bookings.bookingDecider, booking, {
      type: 'RequestBooking',
      data: {
        ...data,
        holdId: bookingId,
        guestId: `guest-${r.int(0, 50_000)}`,
        listing: {
          listingId: listing.listingId,
          hostId: listing.hostId,
          kind: listing.kind,
          status: 'published',
          instantBook: true,
          cancellationPolicy: 'flexible',
          currency: 'EUR',
        },
        unitType: { unitTypeId: unit.unitTypeId, name: unit.name, count: unit.count, capacity: unit.capacity, price: unit.price },
        stay,
        guests: 1,
        units: 1,
      },
    });
    out.push(...emit(stream, events));
    const total = booking.status === 'none' ? { amount: 0, currency: 'EUR' } : booking.total;
    [booking, events] = run(bookings.bookingDecider, booking, { type: 'RecordPaymentCaptured', data: { ...data, paymentId: `p${b}`, amount: total } });
    out.push(...emit(stream, events));
    [cal, events] = run(calendar.calendarDecider, cal, { type: 'ConfirmHold', data: { holdId: bookingId, now: at } });
    out.push(...emit(calendarStream, events));
    if (r.next() < 0.1) {
      [booking, events] = run(bookings.bookingDecider, booking, {
        type: 'CancelBooking',
        data: { ...data, actorId: booking.status === 'none' ? '' : booking.guestId },
      });
      out.push(...emit(stream, events));
      [cal, events] = run(calendar.calendarDecider, cal, { type: 'ReleaseHold', data: { holdId: bookingId, reason: 'cancelled', now: at } });
      out.push(...emit(calendarStream, events));
      [booking, events] = run(bookings.bookingDecider, booking, {
        type: 'RecordRefund',
        data: { ...data, refundId: `r${b}`, paymentId: `p${b}`, amount: total },
      });
      out.push(...emit(stream, events));
    }
    calendars.set(calendarStream, cal);
    emitted += out.length;
    yield* out;
  }
}

/**
 * Writes events straight into the event store's tables, a chunk per transaction (so positions and
 * commit order are what appends make), with the streams' revisions. For generating big histories
 * fast; the platform itself always appends through `es_append`.
 */
export const bulkInsert = async (
  pool: Pool,
  events: Iterable<Stored>,
  options: { chunk?: number; onProgress?: (done: number) => void } = {},
): Promise<number> => {
  const chunk = options.chunk ?? 5000;
  const heads = new Map<string, number>();
  let batch: Stored[] = [];
  let done = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    await inTransaction(pool, async (client) => {
      await client.query(
        `INSERT INTO es_events (event_id, stream_id, stream_revision, type, data, occurred_at)
         SELECT gen_random_uuid(), s, r, t, d, o FROM unnest($1::text[], $2::bigint[], $3::text[], $4::jsonb[], $5::timestamptz[]) AS x(s, r, t, d, o)`,
        [rows.map((e) => e.streamId), rows.map((e) => e.revision), rows.map((e) => e.type), rows.map((e) => JSON.stringify(e.data)), rows.map((e) => e.at)],
      );
    });
    done += rows.length;
    options.onProgress?.(done);
  };
  for (const event of events) {
    heads.set(event.streamId, event.revision);
    batch.push(event);
    if (batch.length >= chunk) await flush();
  }
  await flush();
  const streams = [...heads];
  for (let i = 0; i < streams.length; i += 20_000) {
    const part = streams.slice(i, i + 20_000);
    await pool.query(
      `INSERT INTO es_streams (stream_id, revision) SELECT * FROM unnest($1::text[], $2::bigint[])
       ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision`,
      [part.map(([s]) => s), part.map(([, r]) => r)],
    );
  }
  return done;
};
