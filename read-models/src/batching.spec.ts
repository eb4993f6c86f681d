import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approved, confirmed, hold, paid, requested } from '@stayhub/domain/testing/bookings';
import { awaitingPayment, confirmed as orderConfirmed, paid as orderPaid } from '@stayhub/domain/testing/orders';
import { createPool, inTransaction, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { availabilityProjection } from './availability/pg-projection.ts';
import { bookingHistoryProjection } from './booking-history/pg-projection.ts';
import { cartsProjection } from './carts/pg-projection.ts';
import { checkpointSchema, createCheckpoint, readCheckpoint } from './checkpoints.ts';
import { listingSearchProjection } from './listings/pg-projection.ts';
import { orderHistoryProjection } from './order-history/pg-projection.ts';
import { productSearchProjection } from './products/pg-projection.ts';
import { inlinedStatements } from './inlined-write.ts';
import type { FoldOptions } from './pg-documents.ts';
import { writeBatch, type PgProjection } from './projection.ts';
import { recorded, rowsOf, type DomainEvent } from './testing/projection-spec.ts';

const projections: readonly PgProjection[] = [
  listingSearchProjection,
  availabilityProjection,
  bookingHistoryProjection,
  productSearchProjection,
  orderHistoryProjection,
  cartsProjection,
];

const at = '2030-01-01T10:00:00.000Z';
const unit = (unitTypeId: string, amount: number) => ({ unitTypeId, name: unitTypeId, count: 2, capacity: 2, price: { amount, currency: 'EUR' } });

/** Streams of every read model, interleaved as a busy log would interleave them. */
const streams = (): RecordedEvent[][] => {
  const listing = (id: string): DomainEvent[] => {
    const details = {
      title: `Listing ${id}`,
      location: { city: 'Lyon', country: 'FR', lat: 45.7, lon: 4.8 },
      currency: 'EUR',
      unitTypes: [unit(`${id}-a`, 10_000)],
    };
    return [
      { type: 'ListingCreated', data: { listingId: id, hostId: 'h1', kind: 'rental', details, at } },
      { type: 'ListingPublished', data: { listingId: id, hostId: 'h1', kind: 'rental', details, at } },
      { type: 'ListingUpdated', data: { listingId: id, changes: { unitTypes: [unit(`${id}-a`, 9_000), unit(`${id}-b`, 14_000)] }, at } },
    ];
  };
  const holds = (unitType: string): DomainEvent[] => [
    { type: 'HoldPlaced', data: { holdId: `${unitType}-1`, bookingId: 'b1', keys: ['2030-02-01', '2030-02-02'], units: 1, expiresAt: at, at } },
    { type: 'HoldPlaced', data: { holdId: `${unitType}-2`, bookingId: 'b2', keys: ['2030-02-02'], units: 2, expiresAt: at, at } },
    { type: 'HoldReleased', data: { holdId: `${unitType}-1`, keys: ['2030-02-01', '2030-02-02'], units: 1, reason: 'expired', at } },
    { type: 'HoldPlaced', data: { holdId: `${unitType}-3`, bookingId: 'b3', keys: ['2030-02-01'], units: 1, expiresAt: at, at } },
  ];
  const booking = (id: string): DomainEvent[] =>
    [requested(), approved, paid(), confirmed()].map((e) => ({ type: e.type, data: { ...e.data, bookingId: id } }));
  const cancelled = (id: string): DomainEvent[] => [
    ...[requested({ instantBook: true })].map((e) => ({ type: e.type, data: { ...e.data, bookingId: id } })),
    { type: 'BookingCancelled', data: { bookingId: id, by: 'guest-1', refund: { amount: 0, currency: 'EUR' }, ...hold, at } },
  ];
  const product = (id: string, sku: string): DomainEvent[] => [
    {
      type: 'ProductCreated',
      data: {
        productId: id,
        sellerId: 's1',
        sku,
        name: `Lamp ${id}`,
        description: 'Warm',
        category: 'Lighting',
        attributes: { watts: 8 },
        images: [],
        shipping: { postalPrefixes: ['69'], deliveryDays: 2 },
        price: { amount: 4_900, currency: 'EUR' },
        at,
      },
    },
    { type: 'ProductPriceChanged', data: { productId: id, price: { amount: 3_900, currency: 'EUR' }, at } },
  ];
  const stock = (sku: string): DomainEvent[] => [
    { type: 'StockReceived', data: { sku, receiptId: 'r1', quantity: 10, at } },
    { type: 'StockHeld', data: { sku, holdId: 'o1', quantity: 3, expiresAt: at, at } },
    { type: 'StockHoldConfirmed', data: { sku, holdId: 'o1', quantity: 3, at } },
  ];
  const cart = (userId: string): DomainEvent[] => [
    { type: 'CartItemAdded', data: { userId, productId: 'p1', quantity: 1, at } },
    { type: 'CartItemAdded', data: { userId, productId: 'p2', quantity: 1, at } },
    { type: 'CartItemQuantityChanged', data: { userId, productId: 'p1', quantity: 4, previous: 1, at } },
    { type: 'CartItemRemoved', data: { userId, productId: 'p2', at } },
  ];
  return [
    recorded('listing-l1', listing('l1')),
    recorded('listing-l2', listing('l2')),
    recorded('calendar-l1-a-2030-02', holds('l1-a')),
    recorded('calendar-l2-a-2030-02', holds('l2-a')),
    // A restaurant's table: slots (instants), one given back in full.
    recorded('calendar-r1-t-2030-02', [
      { type: 'HoldPlaced', data: { holdId: 'r1-1', bookingId: 'b4', keys: ['2030-02-01T19:00:00.000Z'], units: 1, expiresAt: at, at } },
      { type: 'HoldPlaced', data: { holdId: 'r1-2', bookingId: 'b5', keys: ['2030-02-01T19:30:00.000Z'], units: 2, expiresAt: at, at } },
      { type: 'HoldReleased', data: { holdId: 'r1-1', keys: ['2030-02-01T19:00:00.000Z'], units: 1, reason: 'expired', at } },
    ]),
    recorded('booking-b1', booking('b1')),
    recorded('booking-b2', booking('b2')),
    recorded('booking-b3', cancelled('b3')),
    recorded('product-p1', product('p1', 'LAMP-1')),
    recorded('stock-LAMP-1', stock('LAMP-1')),
    recorded('order-o1', [...awaitingPayment, orderPaid(), orderConfirmed]),
    recorded('cart-u1', cart('u1')),
    recorded('cart-u2', cart('u2')),
    [...recorded('booking-b1', [{ type: 'GuestReviewedStay', data: { bookingId: 'b1', listingId: 'l1', rating: 4, comment: '', at } }], 4)],
  ];
};

/** Round-robin over the streams: each stream stays in order, streams interleave. */
const interleave = (all: RecordedEvent[][]): RecordedEvent[] => {
  const log: RecordedEvent[] = [];
  for (let i = 0; all.some((s) => i < s.length); i++) for (const stream of all) if (i < stream.length) log.push(stream[i]!);
  // Positions in log order, as the store would give them.
  return log.map((event, i) => ({ ...event, globalPosition: `${String(i + 1).padStart(20, '0')}-0` }));
};

describe('batching changes nothing', () => {
  let pool: Pool;
  const log = interleave(streams());
  const run = randomBytes(3).toString('hex');
  let made = 0;
  const dropped: Array<() => Promise<void>> = [];

  const build = async (sizes: readonly number[], options: FoldOptions = {}): Promise<unknown[]> => {
    const found: unknown[] = [];
    for (const projection of projections) {
      const target = `${projection.name}_batching_${run}_${made++}`;
      await inTransaction(pool, async (client) => {
        // A bulk load is a rebuild's: a fresh target without its secondary indexes (or with staging tables), built after.
        await projection.migrate(client, target, options.bulk ? { indexes: false } : {});
        await createCheckpoint(client, target);
      });
      dropped.push(() => inTransaction(pool, (client) => projection.drop(client, target)));
      for (let from = 0, i = 0; from < log.length; from += sizes[i++ % sizes.length]!) {
        const batch = log.slice(from, from + sizes[i % sizes.length]!);
        await writeBatch(pool, projection, target, batch, await readCheckpoint(pool, target), options);
      }
      if (options.bulk) await inTransaction(pool, (client) => projection.index(client, target));
      const { rows } = await pool.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND (table_name = $1 OR starts_with(table_name, $1 || '_')) ORDER BY 1`,
        [target],
      );
      found.push(
        Object.values(
          await rowsOf(
            pool,
            rows.map((r) => r.name),
          ),
        ),
      );
    }
    return found;
  };

  let oneByOne: unknown[];
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 4);
    await pool.query(checkpointSchema);
    oneByOne = await build([1]);
  });
  afterAll(async () => {
    for (const drop of dropped) await drop();
    await pool?.end();
  });

  it('the log is one of every read model', () => {
    for (const projection of projections) expect(log.some((event) => projection.handles.has(event.type))).toBe(true);
    // Every read model holds something: an empty result would make the comparisons below vacuous.
    for (const tables of oneByOne as unknown[][]) expect((tables[0] as unknown[]).length).toBeGreaterThan(0);
  });

  it('each read model writes a batch in one round trip (its write reads nothing back)', async () => {
    for (const projection of projections) {
      const target = `${projection.name}_batching_${run}_${made++}`;
      await inTransaction(pool, async (client) => {
        await projection.migrate(client, target);
        await createCheckpoint(client, target);
      });
      dropped.push(() => inTransaction(pool, (client) => projection.drop(client, target)));
      const write = await projection.fold(
        pool,
        log.filter((event) => projection.handles.has(event.type)),
        target,
      );
      expect(await inlinedStatements(write), projection.name).toBeDefined();
    }
  });

  it.each([2, 3, 5, 8, 13, 21, 34, log.length])('in batches of %i, the read models are those of one event at a time', async (size) => {
    expect(await build([size])).toEqual(oneByOne);
  });

  // A rebuild writes documents new to its fresh target with COPY, and the others by upsert; availability stages its changes and sums them at the end.
  it.each([1, 2, 5, 13, log.length])('a bulk load (new documents by COPY) in batches of %i gives the read models of one event at a time', async (size) => {
    expect(await build([size], { bulk: true })).toEqual(oneByOne);
  });

  it('in batches of any mix of sizes, the read models are those of one event at a time', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: log.length }), { minLength: 1, maxLength: 6 }), async (sizes) => {
        expect(await build(sizes)).toEqual(oneByOne);
      }),
      { numRuns: 6 },
    );
  });
});
