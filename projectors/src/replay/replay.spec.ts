import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '@stayhub/event-sourcing';
import { startStack, type Stack } from '@stayhub/e2e/harness';
import { day, publishedListing, register, waitUntil } from '@stayhub/e2e/fixtures';
import { pgProjections } from '../projections.ts';
import { withAvailabilityStore } from './availability-store.ts';
import { pgRebuildAdapter } from './pg-target.ts';
import { silentProgress, type Progress } from './progress.ts';
import { rebuild, type RebuildOptions } from './replay.ts';
import { RETIRED } from './schema.ts';
import { pgEventSource } from './sources.ts';

let stack: Stack;
let store: PostgresEventStore;
const names = pgProjections.map((p) => p.name);
/** A target's tables: the one named after it and those named `<target>_<something>` (not another target's). */
const tablesOf = async (target: string): Promise<string[]> => {
  const { rows } = await stack.pool.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND (table_name = $1 OR table_name LIKE $2)`,
    [target, `${target.replaceAll('_', '\\_')}\\_%`],
  );
  return rows
    .map((r) => r.name.slice(target.length))
    .filter((suffix) => !/^_r\d/.test(suffix))
    .sort();
};

const deps = (progress: () => Progress = () => silentProgress) => ({
  pool: stack.pool,
  events: pgEventSource(stack.pool),
  // Under AVAILABILITY=redis the stack's availability lives in Redis: rebuild it there.
  adapter: withAvailabilityStore(pgRebuildAdapter(stack.pool, pgProjections), stack.pool, stack.availability),
  print: () => undefined,
  progress,
});

const run = (options: Partial<RebuildOptions>, progress?: () => Progress) => rebuild(deps(progress), { names, batchSize: 25, dropAfterMs: 300, ...options });

const liveTargetOf = async (projection: string) =>
  (await stack.pool.query<{ target: string }>('SELECT target FROM projection_targets WHERE projection = $1', [projection])).rows[0]!.target;

/** Every row of a table as JSON, in a stable order: compared independently of the tool's own `compare`. */
const rowsOf = async (table: string) =>
  (await stack.pool.query<{ row: unknown }>(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY to_jsonb(t)::text`)).rows.map((r) => r.row);

const expectSameAsLive = async (targets: { projection: string; target: string }[]) => {
  for (const { projection, target } of targets) {
    const live = await liveTargetOf(projection);
    const suffixes = await tablesOf(target);
    expect(suffixes).toEqual(await tablesOf(live));
    for (const suffix of suffixes) {
      const rebuilt = await rowsOf(target + suffix);
      expect(rebuilt, `${target + suffix} vs ${live + suffix}`).toEqual(await rowsOf(live + suffix));
    }
  }
};

const liveCaughtUp = async () => {
  const head = await store.headPosition();
  await waitUntil(
    async () =>
      (
        await stack.pool.query<{ behind: number }>(
          `SELECT count(*)::int AS behind FROM projection_targets t JOIN projection_checkpoints c ON c.name = t.target WHERE c.position < $1`,
          [head],
        )
      ).rows[0]!.behind,
    (behind) => behind === 0,
  );
};

/** Waits until the workflows have finished what the history set off (refunds, released holds, carts): no event for a while. */
const quiet = async (forMs = 1_500) => {
  let head = await store.headPosition();
  let since = Date.now();
  while (Date.now() - since < forMs) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await store.headPosition();
    if (now !== head) [head, since] = [now, Date.now()];
  }
};

/** A recorded history through the real platform: listings, edits, per-date prices, bookings, approvals, declines, payments, cancellations, changes, blocks. */
const recordHistory = async () => {
  const hosts = [await register(stack, 'host'), await register(stack, 'host')];
  const guests = [await register(stack, 'guest'), await register(stack, 'guest'), await register(stack, 'guest')];
  const rental = await publishedListing(stack, hosts[0]!, 'rental', { title: 'Replay riverside flat' });
  const onRequest = await publishedListing(stack, hosts[0]!, 'rental', { title: 'Replay quiet cabin', instantBook: false });
  const hotel = await publishedListing(stack, hosts[1]!, 'hotel', {
    title: 'Replay grand hotel',
    location: { lat: 41.1579, lon: -8.6291, city: 'Porto', country: 'PT', timeZone: 'Europe/Lisbon' },
    unitTypes: [
      { unitTypeId: 'double', name: 'Double', count: 5, capacity: 2, price: { amount: 9_000, currency: 'EUR' } },
      { unitTypeId: 'suite', name: 'Suite', count: 2, capacity: 4, price: { amount: 25_000, currency: 'EUR' } },
    ],
  });
  const edited = await stack.command.put(
    `/listings/${rental.listingId}`,
    { title: 'Replay riverside flat, renovated', amenities: ['wifi', 'balcony'] },
    { token: hosts[0]!.token },
  );
  expect(edited.status, JSON.stringify(edited.body)).toBe(200);
  const draft = await stack.command.post('/listings', { kind: 'rental', details: { title: 'Replay draft' } }, { token: hosts[1]!.token });
  expect(draft.status).toBe(201);
  const unlisted = await publishedListing(stack, hosts[1]!, 'rental', { title: 'Replay gone flat' });
  expect((await stack.command.post(`/listings/${unlisted.listingId}/unlist`, {}, { token: hosts[1]!.token })).status).toBe(200);
  const nights = (from: number, to: number, amount: number | null) => ({
    unitTypeId: 'double',
    from: day(stack, from),
    to: day(stack, to),
    price: amount === null ? null : { amount, currency: 'EUR' },
  });
  for (const change of [nights(40, 50, 12_000), nights(44, 46, null)]) {
    const priced = await stack.command.put(`/listings/${hotel.listingId}/prices`, change, { token: hosts[1]!.token });
    expect(priced.status, JSON.stringify(priced.body)).toBe(200);
  }
  const blocked = await stack.command.post(
    `/listings/${hotel.listingId}/blocks`,
    { unitTypeId: 'double', from: day(stack, 40), to: day(stack, 43), units: 2 },
    { token: hosts[1]!.token },
  );
  expect(blocked.status, JSON.stringify(blocked.body)).toBeLessThan(300);

  const book = async (guest: number, body: Record<string, unknown>) => {
    const reply = await stack.command.post('/bookings', { guests: 1, paymentMethod: 'tok_visa', ...body }, { token: guests[guest]!.token });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    return reply.body.bookingId as string;
  };
  const instant = await book(0, { listingId: rental.listingId, checkIn: day(stack, 10), checkOut: day(stack, 13) });
  const cancelled = await book(1, { listingId: rental.listingId, checkIn: day(stack, 20), checkOut: day(stack, 22) });
  const approved = await book(1, { listingId: onRequest.listingId, checkIn: day(stack, 15), checkOut: day(stack, 17) });
  const declined = await book(2, { listingId: onRequest.listingId, checkIn: day(stack, 25), checkOut: day(stack, 27) });
  const failed = await book(2, { listingId: rental.listingId, checkIn: day(stack, 30), checkOut: day(stack, 31), paymentMethod: 'tok_declined' });
  const hotelStays = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      book(i % 3, {
        listingId: hotel.listingId,
        unitTypeId: i % 2 ? 'double' : 'suite',
        checkIn: day(stack, 40 + (i % 4)),
        checkOut: day(stack, 42 + (i % 4)),
        guests: 2,
      }),
    ),
  );
  expect((await stack.command.post(`/bookings/${approved}/approve`, {}, { token: hosts[0]!.token })).status).toBe(200);
  expect((await stack.command.post(`/bookings/${declined}/decline`, { reason: 'closed' }, { token: hosts[0]!.token })).status).toBe(200);
  const status = (id: string, guest: number) => stack.query.get(`/bookings/${id}`, { token: guests[guest]!.token }).then((r) => r.body?.status as string);
  await waitUntil(
    () => status(cancelled, 1),
    (s) => s === 'confirmed',
  );
  expect((await stack.command.post(`/bookings/${cancelled}/cancel`, { reason: 'plans changed' }, { token: guests[1]!.token })).status).toBe(200);
  const modified = await stack.command.patch(`/bookings/${hotelStays[0]}`, { checkIn: day(stack, 50), checkOut: day(stack, 53) }, { token: guests[0]!.token });
  expect(modified.status, JSON.stringify(modified.body)).toBe(200);
  await waitUntil(
    () => status(instant, 0),
    (s) => s === 'confirmed',
  );
  await waitUntil(
    () => status(approved, 1),
    (s) => s === 'confirmed',
  );
  await waitUntil(
    () => status(failed, 2),
    (s) => s === 'payment_failed',
  );
  await waitUntil(
    () => status(cancelled, 1),
    (s) => s === 'cancelled',
  );
  await recordCommerce(hosts[1]!, guests);
  return { hotel, hosts };
};

/** Products, stock, a wishlist, carts and orders: paid, and refused by the card. */
const recordCommerce = async (seller: { token: string }, guests: { token: string }[]) => {
  const product = async (sku: string, amount: number) => {
    const body = { sku, name: `Replay ${sku}`, category: 'gear', price: { amount, currency: 'EUR' }, shipping: { postalPrefixes: ['10'], deliveryDays: 3 } };
    const created = await stack.command.post('/products', body, { token: seller.token });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const stocked = await stack.command.post(`/products/${created.body.productId}/stock`, { quantity: 20 }, { token: seller.token });
    expect(stocked.status, JSON.stringify(stocked.body)).toBeLessThan(300);
    return created.body.productId as string;
  };
  const lamp = await product(`lamp-${Date.now()}`, 4_500);
  const towel = await product(`towel-${Date.now()}`, 1_200);
  const priced = await stack.command.post(`/products/${towel}/price`, { price: { amount: 1_500, currency: 'EUR' } }, { token: seller.token });
  expect(priced.status, JSON.stringify(priced.body)).toBeLessThan(300);
  expect((await stack.command.put(`/me/wishlist/${towel}`, {}, { token: guests[0]!.token })).status).toBeLessThan(300);
  expect((await stack.command.put('/carts/me/items', { productId: lamp, quantity: 2 }, { token: guests[0]!.token })).status).toBeLessThan(300);
  expect((await stack.command.post(`/me/wishlist/${towel}/move-to-cart`, {}, { token: guests[0]!.token })).status).toBeLessThan(300);
  const paid = await stack.command.post('/checkout', { fromCart: true, shippingPostalCode: '10115', paymentMethod: 'tok_visa' }, { token: guests[0]!.token });
  expect(paid.status, JSON.stringify(paid.body)).toBe(201);
  const refused = await stack.command.post(
    '/checkout',
    { items: [{ productId: lamp, quantity: 1 }], shippingPostalCode: '10999', paymentMethod: 'tok_declined' },
    { token: guests[1]!.token },
  );
  expect(refused.status, JSON.stringify(refused.body)).toBe(201);
  const typesOf = async (streamId: string) =>
    (await stack.pool.query<{ type: string }>('SELECT type FROM es_events WHERE stream_id = $1', [streamId])).rows.map((r) => r.type);
  await waitUntil(
    () => typesOf(`order-${paid.body.orderId}`),
    (types) => types.includes('OrderPaid'),
  );
  await waitUntil(
    () => typesOf(`order-${refused.body.orderId}`),
    (types) => types.includes('OrderFailed'),
  );
};

let history: Awaited<ReturnType<typeof recordHistory>>;

beforeAll(async () => {
  stack = await startStack();
  store = new PostgresEventStore(stack.pool);
  history = await recordHistory();
  // a stay whose reviews were published (a completed stay takes days of real time to reach)
  const bookingId = `reviewed-${Date.now()}`;
  const review = (rating: number, comment: string) => ({ rating, comment, at: new Date().toISOString() });
  await store.append(
    `booking-${bookingId}`,
    [
      {
        eventId: crypto.randomUUID(),
        type: 'BookingReviewsPublished',
        data: {
          bookingId,
          listingId: 'l-reviewed',
          hostId: 'h-reviewed',
          guestId: 'g-reviewed',
          stayMonth: '2026-01',
          guestReview: review(5, 'Lovely'),
          hostReview: review(4, 'Tidy'),
          at: new Date().toISOString(),
        },
      },
    ],
    'no_stream',
  );
  // a host's earning paid out (it falls due days after a stay)
  const eur = (amount: number) => ({ amount, currency: 'EUR' });
  const at = new Date().toISOString();
  const ledger = [
    {
      type: 'HostEarningAccrued',
      data: {
        hostId: 'h-reviewed',
        bookingId,
        listingId: 'l-reviewed',
        month: '2026-01',
        gross: eur(10_000),
        fee: eur(1_000),
        net: eur(9_000),
        feeBasisPoints: 1_000,
        bookingRevision: 3,
        availableAt: at,
        at,
      },
    },
    {
      type: 'HostPayoutStarted',
      data: { hostId: 'h-reviewed', payoutId: `payout:h-reviewed:${bookingId}`, amount: eur(9_000), earnings: [bookingId], adjustments: [], at },
    },
    { type: 'HostPayoutSent', data: { hostId: 'h-reviewed', payoutId: `payout:h-reviewed:${bookingId}`, gatewayPayoutId: 'po_1', amount: eur(9_000), at } },
  ];
  await store.append(
    `payouts-h-reviewed`,
    ledger.map((e) => ({ eventId: crypto.randomUUID(), ...e })),
    'no_stream',
  );
  await quiet();
  await liveCaughtUp();
});
afterAll(async () => {
  await stack?.stop();
});

describe('replay', () => {
  it('a dry run says what it would do and writes nothing', async () => {
    const outcome = await run({ dryRun: true, swap: true });
    expect(outcome.status).toBe('planned');
    expect(outcome.targets.map((t) => t.target)).toEqual(names.map((n) => `${n}_r1`));
    const { rows } = await stack.pool.query(`SELECT to_regclass('projection_rebuilds') AS rebuilds, to_regclass('listings_r1') AS tables`);
    expect(rows[0]).toEqual({ rebuilds: null, tables: null });
  });

  it('rebuilds every projection from the recorded history into the same read model as the live projection', async () => {
    const { count } = (await stack.pool.query<{ count: number }>('SELECT count(*)::int AS count FROM es_events')).rows[0]!;
    expect(count).toBeGreaterThan(80);
    const outcome = await run({ verify: true });
    expect(outcome.status).toBe('built');
    expect(outcome.events).toBe(count);
    expect(outcome.targets.map((t) => t.target)).toEqual(names.map((n) => `${n}_r1`));
    for (const name of names) {
      expect(outcome.comparisons[name]!.tables.every((t) => t.differences === 0 && t.rebuiltRows === t.liveRows && t.rebuiltRows > 0)).toBe(true);
    }
    await expectSameAsLive(outcome.targets);
    // Nothing changed for readers.
    expect(await Promise.all(names.map(liveTargetOf))).toEqual(names);
  });

  it('a live read model made before its documents became json (jsonb) verifies equal to its json rebuild', async () => {
    const columns = [
      ['booking_history', 'doc'],
      ['host_bookings', 'doc'],
      ['host_listings', 'doc'],
      ['notifications', 'data'],
      ['notifications_bookings', 'stay'],
    ] as const;
    const retype = (type: string) =>
      stack.pool.query(columns.map(([table, column]) => `ALTER TABLE ${table} ALTER COLUMN ${column} TYPE ${type} USING ${column}::${type}`).join('; '));
    await retype('jsonb');
    try {
      const rebuilt = ['booking_history', 'host_bookings', 'host_listings', 'notifications'];
      const outcome = await run({ names: rebuilt, verify: true });
      for (const name of rebuilt) {
        expect(outcome.comparisons[name]!.tables.every((t) => t.differences === 0 && t.rebuiltRows === t.liveRows)).toBe(true);
      }
      const { rows } = await stack.pool.query(
        `SELECT format_type(atttypid, NULL) AS type FROM pg_attribute WHERE attrelid = 'booking_history_r1'::regclass AND attname = 'doc'`,
      );
      expect(rows[0]).toEqual({ type: 'json' });
    } finally {
      await retype('json');
    }
  });

  it('verify reports a row that differs from the live one', async () => {
    await stack.pool.query(`UPDATE listings_r1 SET title = 'tampered' WHERE listing_id = $1`, [history.hotel.listingId]);
    const outcome = await run({ names: ['listings'], verify: true });
    expect(outcome.targets[0]).toMatchObject({ target: 'listings_r1', resumed: true });
    const comparison = outcome.comparisons.listings!;
    expect(comparison.tables.find((t) => t.table === '(main)')!.differences).toBe(1);
    expect(comparison.samples).toHaveLength(1);
    expect(comparison.samples[0]).toMatchObject({ key: { listing_id: history.hotel.listingId }, rebuilt: { title: 'tampered' } });
  });

  it('an interrupted rebuild resumes where it stopped and ends identical', async () => {
    const total = (await stack.pool.query<{ count: number }>('SELECT count(*)::int AS count FROM es_events')).rows[0]!.count;
    const stop = new AbortController();
    const abortAfterThreeBatches = (): Progress => ({ update: (done) => (done >= 30 ? stop.abort() : undefined), stop: () => undefined });
    const first = await run({ restart: true, batchSize: 10, signal: stop.signal }, abortAfterThreeBatches);
    expect(first.status).toBe('interrupted');
    expect(first.events).toBe(30);
    const targets = first.targets.map((t) => t.target);
    expect(targets).toEqual(names.map((n) => `${n}_r2`));
    const status = await stack.pool.query(`SELECT target, status FROM projection_rebuilds WHERE target = ANY($1) ORDER BY target`, [targets]);
    expect(status.rows.every((r) => r.status === 'building')).toBe(true);

    const second = await run({ batchSize: 10 });
    expect(second.status).toBe('built');
    expect(second.targets.map((t) => ({ target: t.target, resumed: t.resumed }))).toEqual(targets.map((target) => ({ target, resumed: true })));
    expect(second.events).toBe(total - 30);
    await expectSameAsLive(second.targets);
  });

  it('swaps a rebuilt read model in atomically: readers hammering search never see an empty or partial result', async () => {
    const { hotel } = history;
    const search = `/listings/search?checkIn=${day(stack, 60)}&checkOut=${day(stack, 62)}&pageSize=50`;
    const expected = (await stack.query.get(search)).body;
    expect(expected.total).toBeGreaterThanOrEqual(3);
    const availability = `/listings/${hotel.listingId}/availability?from=${day(stack, 39)}&to=${day(stack, 45)}`;
    const expectedAvailability = (await stack.query.get(availability)).body;

    let swapping = true;
    const seen = { searches: 0, bad: [] as unknown[] };
    const hammer = async () => {
      while (swapping) {
        const [s, a] = await Promise.all([stack.query.get(search), stack.query.get(availability)]);
        seen.searches++;
        if (s.status !== 200 || s.body.total !== expected.total || JSON.stringify(s.body.items) !== JSON.stringify(expected.items)) seen.bad.push(s.body);
        if (a.status !== 200 || JSON.stringify(a.body) !== JSON.stringify(expectedAvailability)) seen.bad.push(a.body);
      }
    };
    const readers = Array.from({ length: 6 }, hammer);
    const outcome = await run({ restart: true, swap: true, batchSize: 5 });
    await new Promise((r) => setTimeout(r, 300));
    swapping = false;
    await Promise.all(readers);

    expect(outcome.status).toBe('swapped');
    expect(seen.bad).toEqual([]);
    expect(seen.searches).toBeGreaterThan(20);
    const targets = outcome.targets.map((t) => t.target);
    expect(await Promise.all(names.map(liveTargetOf))).toEqual(targets);
    expect(outcome.replaced).toEqual(Object.fromEntries(names.map((n) => [n, n])));
    const old = await stack.pool.query(`SELECT to_regclass('listings') AS l, to_regclass('listings_unit_types') AS u, to_regclass('availability') AS a`);
    expect(old.rows[0]).toEqual({ l: null, u: null, a: null });
    const fence = await stack.pool.query(`SELECT DISTINCT position FROM projection_checkpoints WHERE name = ANY($1)`, [names]);
    expect(fence.rows).toEqual([{ position: RETIRED }]);

    // The live projectors moved to the new targets: a new listing shows up in search.
    const fresh = await publishedListing(stack, history.hosts[0]!, 'rental', { title: 'Replay after the swap' });
    const found = await stack.query.get(`/listings/search?q=${encodeURIComponent('after the swap')}&after=${fresh.consistencyToken}`);
    expect(found.body.stale).toBe(false);
    expect(found.body.items.map((i: { listingId: string }) => i.listingId)).toContain(fresh.listingId);
    const parked = await stack.pool.query('SELECT count(*)::int AS n FROM projection_parked');
    expect(parked.rows[0].n).toBe(0);
  });
});
