import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaUnavailable } from '../../projectors/test/kafka/broker.ts';
import { atScaleStoresMissing, startStack, type Stack } from './harness.ts';
import { day, publishedListing, register, waitUntil } from './fixtures.ts';

const missing = [kafkaUnavailable, atScaleStoresMissing()].filter(Boolean).join('; ');

/**
 * The production design over the servers the test setup starts: event store → relay (idempotent
 * producer) → Kafka → one consumer group per read model → search in Elasticsearch (OpenSearch here),
 * availability in Redis, booking and order history in Cassandra → query API, reading its own writes
 * through the log. Then every external store loses its data and is rebuilt from the log.
 */
describe.skipIf(Boolean(missing))(`booking over Kafka into Elasticsearch, Redis and Cassandra${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ log: 'kafka', stores: 'at-scale' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const external = ['availability', 'booking_history', 'listings', 'order_history'];
  let listingId: string;
  let bookingId: string;
  let guest: { token: string; userId: string };

  /** What a guest sees of the booking, the listing in search and its calendar, once the read models reached `after`. */
  const seen = async (after: string) => {
    const search = await waitUntil(
      () => stack.query.get(`/listings/search?q=lighthouse&checkIn=${day(stack, 30)}&checkOut=${day(stack, 31)}&after=${after}`),
      (r) => r.status === 200 && r.body.stale === false,
      60_000,
    );
    const booking = await waitUntil(
      () => stack.query.get(`/bookings/${bookingId}?after=${after}`, { token: guest.token }),
      (r) => r.status === 200 && r.body.stale === false,
      60_000,
    );
    const calendar = await waitUntil(
      () => stack.query.get(`/listings/${listingId}/availability?from=${day(stack, 9)}&to=${day(stack, 13)}&after=${after}`),
      (r) => r.status === 200 && r.body.stale === false,
      60_000,
    );
    return {
      found: search.body.items.some((i: { listingId: string }) => i.listingId === listingId),
      booking: { bookingId: booking.body.bookingId, status: booking.body.status, checkIn: booking.body.stay?.checkIn },
      free: calendar.body.days.map((d: { unitTypes: { free: number }[] }) => d.unitTypes[0]!.free),
    };
  };

  it('a guest books and reads her own writes, each read model kept in its own engine', async () => {
    const host = await register(stack, 'host');
    guest = await register(stack, 'guest');
    const published = await publishedListing(stack, host, 'rental', { title: 'Lighthouse cottage' });
    listingId = published.listingId;
    // A consumer group that just joined may need longer than the query API waits: an answer it marks fresh must hold the write.
    const search = await waitUntil(
      () => stack.query.get(`/listings/search?q=lighthuose&after=${published.consistencyToken}`),
      (r) => r.status === 200 && r.body.stale === false,
      60_000,
    );
    // The consumer groups read the topics from their start, so listings of other runs on a shared broker may be there too.
    expect(search.body.items.map((i: { listingId: string }) => i.listingId)).toContain(listingId);

    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 10), checkOut: day(stack, 12), guests: 2, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    bookingId = booked.body.bookingId;
    const mine = await waitUntil(
      () => stack.query.get(`/bookings/${bookingId}?after=${booked.body.consistencyToken}`, { token: guest.token }),
      (r) => r.status !== 503,
      60_000,
    );
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ bookingId, stale: false });
    await waitUntil(
      () => stack.query.get(`/bookings/${bookingId}`, { token: guest.token }),
      (r) => r.body?.status === 'confirmed',
      30_000,
    );
    expect(await seen(booked.body.consistencyToken)).toMatchObject({ found: true, free: [1, 0, 0, 1] });

    // Each answer came from its engine: the PostgreSQL projections of these read models do not run.
    const groups = await stack.projectorStatus();
    expect(groups.filter((g) => external.includes(g.name)).every((g) => g.running && g.handled > 0)).toBe(true);
    const { elasticsearch, cassandra, listingsAlias } = stack.readStores;
    expect((await elasticsearch!.count({ index: listingsAlias })).count).toBeGreaterThanOrEqual(1);
    const rows = await cassandra!.client.execute(`SELECT booking_id FROM ${cassandra!.keyspace}.bookings_by_id WHERE booking_id = ?`, [bookingId], {
      prepare: true,
    });
    expect(rows.rows.map((row) => row.booking_id)).toEqual([bookingId]);
    const { unitTypeId } = (await stack.query.get(`/listings/${listingId}`)).body.details.unitTypes[0];
    const used = await stack.availability!.used('availability', [unitTypeId], [day(stack, 10), day(stack, 11), day(stack, 12)]);
    expect([...used.get(unitTypeId)!.values()]).toEqual([1, 1, 0]);
  }, 240_000);

  it('every external store that lost its data is rebuilt from the log under a new consumer group, and reads come back the same', async () => {
    const head = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 20), checkOut: day(stack, 21), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(head.status).toBe(201);
    const last = head.body.consistencyToken;
    const before = await seen(last);
    const groups = new Map((await stack.projectorStatus()).map((g) => [g.name, g.groupId]));

    // The engines restart empty: the search index, the history keyspace and the availability keys are gone.
    await stack.stopProjectors();
    const { elasticsearch, cassandra, listingsAlias } = stack.readStores;
    await elasticsearch!.indices.delete({ index: `${listingsAlias}*` });
    await cassandra!.client.execute(`DROP KEYSPACE ${cassandra!.keyspace}`);
    await stack.availability!.drop('availability');

    // Started again, each projector finds its store empty and consumes the log from its start under a new group.
    stack.startProjectors();
    const renewed = (status: { name: string; groupId: string }[]) =>
      external.every((name) => status.some((g) => g.name === name && g.groupId !== groups.get(name)));
    const after = await waitUntil(() => stack.projectorStatus(), renewed, 60_000);
    expect(await seen(last)).toEqual(before);
    for (const g of after.filter((g) => !external.includes(g.name))) expect(g.groupId, g.name).toBe(groups.get(g.name));
  }, 300_000);
});
