import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allTopics } from '@stayhub/projectors/kafka';
import { kafkaUnavailable } from '../../projectors/test/kafka/broker.ts';
import { startStack, type Stack } from './harness.ts';
import { day, publishedListing, register, waitUntil } from './fixtures.ts';

/**
 * The booking scenario over the at-scale log, whatever `LOG` says: event store → relay → Kafka
 * (the test setup's broker, or KAFKA_BROKERS) → projector consumer groups → read models → query API.
 */
describe.skipIf(Boolean(kafkaUnavailable))(`booking over Kafka${kafkaUnavailable ? ` (skipped: ${kafkaUnavailable})` : ''}`, () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ log: 'kafka' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const free = async (listingId: string, from: string, to: string) =>
    (await stack.query.get(`/listings/${listingId}/availability?from=${from}&to=${to}`)).body.days?.map(
      (d: { unitTypes: { free: number }[] }) => d.unitTypes[0]!.free,
    );

  it('a guest books and sees her booking through the log, reading her own write; without the relay nothing reaches the read models', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId, consistencyToken } = await publishedListing(stack, host, 'rental', { title: 'Harbour loft' });
    const search = await stack.query.get(`/listings/search?q=harbour&checkIn=${day(stack, 10)}&checkOut=${day(stack, 12)}&after=${consistencyToken}`);
    expect(search.body.items.map((i: { listingId: string }) => i.listingId)).toEqual([listingId]);

    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 10), checkOut: day(stack, 12), guests: 2, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    const mine = await stack.query.get(`/bookings/${booked.body.bookingId}?after=${booked.body.consistencyToken}`, { token: guest.token });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ bookingId: booked.body.bookingId, stale: false });
    await waitUntil(
      () => stack.query.get(`/bookings/${booked.body.bookingId}`, { token: guest.token }),
      (r) => r.body?.status === 'confirmed',
    );
    expect(await free(listingId, day(stack, 9), day(stack, 13))).toEqual([1, 0, 0, 1]);

    // Every read model is a consumer group of its own on every topic.
    const groups = await stack.projectorStatus();
    expect(groups.map((g) => g.name).sort()).toEqual([
      'availability',
      'booking_history',
      'calendar_blocks',
      'carts',
      'host_bookings',
      'host_earnings',
      'host_listings',
      'listings',
      'notifications',
      'order_history',
      'products',
      'reviews',
      'seller_orders',
      'stock_receipts',
      'user_profiles',
    ]);
    expect(groups.every((g) => g.running && g.handled > 0 && g.lag?.some((p) => p.committed !== null))).toBe(true);
    expect(stack.relayStatus()?.published).toBeGreaterThan(0);

    // The event store's own subscription feeds nothing here: with the relay stopped, a new booking stays unseen.
    await stack.stopRelay();
    const unseen = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 20), checkOut: day(stack, 21), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(unseen.status).toBe(201);
    const behind = await stack.query.get(`/me/bookings?after=${unseen.body.consistencyToken}`, { token: guest.token });
    expect(behind.body.stale).toBe(true);
    expect(behind.body.items.map((b: { bookingId: string }) => b.bookingId)).not.toContain(unseen.body.bookingId);
    stack.startRelay();
    const seen = await stack.query.get(`/bookings/${unseen.body.bookingId}?after=${unseen.body.consistencyToken}`, { token: guest.token });
    expect(seen.status).toBe(200);
  });

  it('a projector stopped mid-stream resumes from its committed offsets: nothing lost, nothing applied twice', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId, consistencyToken } = await publishedListing(stack, host, 'hotel', {
      title: 'Offset hotel',
      unitTypes: [{ unitTypeId: 'room', name: 'Room', count: 40, capacity: 2, price: { amount: 6_000, currency: 'EUR' } }],
    });
    await stack.query.get(`/listings/${listingId}?after=${consistencyToken}`);
    const book = (i: number) =>
      stack.command.post(
        '/bookings',
        { listingId, checkIn: day(stack, 40 + (i % 2)), checkOut: day(stack, 41 + (i % 2)), guests: 1, paymentMethod: 'tok_visa' },
        { token: guest.token },
      );

    // Stop while events are flowing: some bookings are in the read models, others still in Kafka.
    const inFlight = Promise.all(Array.from({ length: 16 }, (_, i) => book(i)));
    await waitUntil(
      () => stack.query.get('/me/bookings?pageSize=100', { token: guest.token }),
      (r) => r.body.items?.length > 0,
      10_000,
    );
    const before = await stack.projectorStatus();
    await stack.stopProjectors();
    const first = await inFlight;
    const second = await Promise.all(Array.from({ length: 8 }, (_, i) => book(i)));
    expect([...first, ...second].every((r) => r.status === 201)).toBe(true);
    const committed = await committedMessages(before.find((g) => g.name === 'booking_history')!.groupId);
    expect(committed).toBeGreaterThan(0);

    stack.startProjectors();
    const last = second.at(-1)!.body.consistencyToken;
    const history = await stack.query.get(`/me/bookings?pageSize=100&after=${last}`, { token: guest.token });
    expect(history.body.stale).toBe(false);
    expect(history.body.items).toHaveLength(24);
    expect(await free(listingId, day(stack, 40), day(stack, 42))).toEqual([28, 28]);
    const { rows } = await stack.pool.query('SELECT count(*)::int AS n, count(DISTINCT booking_id)::int AS d FROM booking_history WHERE guest_id = $1', [
      guest.userId,
    ]);
    expect(rows[0]).toEqual({ n: 24, d: 24 });

    // The same groups went on from their commits: the restarted consumer did not read the whole log again.
    expect((await stack.projectorStatus()).map((g) => g.groupId).sort()).toEqual(before.map((g) => g.groupId).sort());
    // The broker is shared with other test files, so the log keeps growing. A group that started over
    // would read every message in it again; one that resumed reads what came after its commits (the last
    // uncommitted batch at most once more): far fewer than the log minus what it had committed.
    await waitUntil(
      () => stack.query.get('/me/bookings?pageSize=100', { token: guest.token }),
      (r) => r.body.items.every((b: { status: string }) => b.status === 'confirmed'),
    );
    const resumed = await waitUntil(
      async () => (await stack.projectorStatus()).find((g) => g.name === 'booking_history')!,
      (g) => g.lag?.every((p) => p.lag === 0) ?? false,
    );
    const inLog = await messagesInLog();
    expect(committed).toBeGreaterThan(10);
    expect(resumed.handled).toBeLessThan(inLog - committed / 2);
  });

  const withAdmin = async <T>(work: (admin: ReturnType<NonNullable<Stack['kafka']>['client']['admin']>) => Promise<T>): Promise<T> => {
    const admin = stack.kafka!.client.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  };

  const messagesInLog = (): Promise<number> =>
    withAdmin(async (admin) => {
      let total = 0;
      for (const topic of allTopics) for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high);
      return total;
    });

  /** Messages a group has committed over every topic. */
  const committedMessages = (groupId: string): Promise<number> =>
    withAdmin(async (admin) => {
      const offsets = await admin.fetchOffsets({ groupId, topics: [...allTopics] });
      return offsets.flatMap((t) => t.partitions).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    });
});
