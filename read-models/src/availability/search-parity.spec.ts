import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool } from '@stayhub/infra';
import type { ListingSearchQuery } from '../listings/port.ts';
import { PgListingReader } from '../listings/postgres.ts';
import { redisAnswers } from '@stayhub/infra/config/reachability';
import type { AvailabilityStore, AvailabilityUpdate } from './port.ts';
import { PgAvailabilityStore } from './postgres.ts';
import { RedisAvailabilityStore } from './redis.ts';
import { testDatabaseUrl } from '@stayhub/infra/testing/database';
import { listingSearchProjection } from '../listings/pg-projection.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisMissing = (await redisAnswers(url)) ? undefined : `REDIS_URL (no Redis answered at ${url})`;

/** A small seeded generator, so that a failure can be replayed. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const next = random(20300601);
const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));

const NIGHTS = ['2030-06-01', '2030-06-02', '2030-06-03', '2030-06-04', '2030-06-05', '2030-06-06'];
const unitTypes = Array.from({ length: 40 }, (_, l) =>
  Array.from({ length: int(1, 3) }, (_, u) => ({ listing: `l${String(l).padStart(2, '0')}`, id: `l${l}-u${u}`, count: int(1, 4), capacity: int(1, 4), price: int(5, 30) * 1000 })),
).flat();

describe('listing search with availability in a store answers as the search that joins the PostgreSQL table', () => {
  let pool: Pool;
  const stores: { name: string; store: AvailabilityStore }[] = [];
  let redis: RedisAvailabilityStore | undefined;

  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 8);
    await inTransaction(pool, (client) => listingSearchProjection.migrate(client, 'listings'));
    const listings = [...new Set(unitTypes.map((u) => u.listing))];
    for (const [i, listing] of listings.entries()) {
      const own = unitTypes.filter((u) => u.listing === listing);
      const title = `${pick(['sunny', 'quiet', 'harbour', 'old town'])} ${pick(['flat', 'hotel', 'loft'])} ${i}`;
      await pool.query(
        `INSERT INTO listings (listing_id, host_id, kind, status, title, city, currency, min_price, rating, rating_count, search_text, doc, updated_at)
         VALUES ($1, 'host', $2, 'published', $3, $4, 'EUR', $5, $6, $7, $8, '{"details":{}}', now())`,
        [listing, pick(['hotel', 'rental']), title, pick(['Lisbon', 'Porto']), Math.min(...own.map((u) => u.price)), i % 5 === 0 ? null : int(1, 5), int(0, 9), title.toLowerCase()],
      );
      for (const u of own) {
        await pool.query(`INSERT INTO listings_unit_types (unit_type_id, listing_id, name, count, capacity, price, currency) VALUES ($1, $2, 'Room', $3, $4, $5, 'EUR')`, [
          u.id,
          listing,
          u.count,
          u.capacity,
          u.price,
        ]);
      }
    }
    // The same holds land in the PostgreSQL table (which the default search joins) and in Redis.
    const updates: AvailabilityUpdate[] = [];
    for (const u of unitTypes) {
      let revision = 0;
      for (const night of NIGHTS) {
        const used = int(0, u.count);
        if (used > 0) updates.push({ streamId: `calendar-${u.id}-2030-06`, streamRevision: revision++, changes: [{ unitTypeId: u.id, key: night, delta: used }] });
      }
    }
    const inPostgres = new PgAvailabilityStore(pool);
    await inPostgres.prepare('availability');
    await inPostgres.apply('availability', updates);
    stores.push({ name: 'postgres store', store: inPostgres });
    if (!redisMissing) {
      redis = RedisAvailabilityStore.connect(url, { namespace: `avail-test-${randomBytes(5).toString('hex')}` });
      await redis.prepare('availability');
      await redis.apply('availability', updates);
      stores.push({ name: 'redis', store: redis });
    }
  });
  afterAll(async () => {
    await redis?.dropNamespace();
    await redis?.close();
    await pool?.end();
  });

  const queries: ListingSearchQuery[] = [
    { sort: 'price', page: 1, pageSize: 100 },
    { checkIn: '2030-06-01', checkOut: '2030-06-02', sort: 'price', page: 1, pageSize: 100 },
    { checkIn: '2030-06-02', checkOut: '2030-06-05', guests: 2, sort: 'price', page: 1, pageSize: 5 },
    { checkIn: '2030-06-02', checkOut: '2030-06-05', guests: 2, sort: 'price', page: 2, pageSize: 5 },
    { checkIn: '2030-06-01', checkOut: '2030-06-07', guests: 1, sort: 'rating', page: 1, pageSize: 7 },
    { checkIn: '2030-06-03', checkOut: '2030-06-04', guests: 5, sort: 'relevance', page: 1, pageSize: 20 },
    { checkIn: '2030-06-03', checkOut: '2030-06-05', guests: 3, minPrice: 10_000, maxPrice: 20_000, sort: 'price', page: 1, pageSize: 20 },
    { checkIn: '2030-06-04', checkOut: '2030-06-06', kind: 'hotel', city: 'lisbon', sort: 'rating', page: 1, pageSize: 3 },
    { checkIn: '2030-06-01', checkOut: '2030-06-03', q: 'sunny', sort: 'relevance', page: 1, pageSize: 10 },
    { checkIn: '2030-06-01', checkOut: '2030-06-03', q: 'harbor', sort: 'relevance', page: 1, pageSize: 10 },
    { checkIn: '2030-06-01', checkOut: '2030-06-02', sort: 'price', page: 9, pageSize: 10 },
  ];

  it('gives the same items, order, available unit types and totals for every query', async () => {
    const table = new PgListingReader(pool);
    for (const query of queries) {
      const expected = await table.search(query);
      for (const { name, store } of stores) {
        expect(await new PgListingReader(pool, store).search(query), `${name}: ${JSON.stringify(query)}`).toEqual(expected);
      }
    }
    const all = await table.search(queries[0]!);
    const dated = await table.search(queries[1]!);
    // The data must make the dates matter, or the comparison proves nothing.
    expect(dated.total).toBeGreaterThan(0);
    expect(dated.total).toBeLessThan(all.total);
    expect(dated.items.some((item) => item.availableUnitTypes!.length < unitTypes.filter((u) => u.listing === item.listingId).length)).toBe(true);
  });

  it('gives the same calendar', async () => {
    const table = new PgListingReader(pool);
    for (const listing of ['l00', 'l07', 'l21', 'l39', 'nope']) {
      const expected = await table.availability(listing, NIGHTS);
      for (const { name, store } of stores) expect(await new PgListingReader(pool, store).availability(listing, NIGHTS), name).toEqual(expected);
    }
    expect((await table.availability('l07', NIGHTS))!.some((day) => day.unitTypes.some((u) => u.free < u.count))).toBe(true);
  });

  it.skipIf(Boolean(redisMissing))(`reads Redis (skipped without Redis: set ${redisMissing})`, () => {
    expect(stores.map((s) => s.name)).toContain('redis');
  });
});
