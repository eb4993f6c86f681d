import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import type { listings } from '@stayhub/domain';
import { PgAvailabilityStore } from '../availability/postgres.ts';
import { availabilityUpdate } from '../availability/availability-changes.ts';
import type { ListingDocument } from './listing-document.ts';
import { listingSearchProjection } from './pg-projection.ts';
import { applyEvents } from '../projection.ts';
import type { ListingSearchQuery, ListingSummary } from './port.ts';
import { OWN_SCAN_LISTINGS, oneEditApart, resolveWords, searchListings, wordScans } from './pg-search.ts';
import { withinRadiusSql } from './geo-cells.ts';
import { PgListingReader } from './postgres.ts';
import { deletionVariants, oneLetterLonger, wordsOf } from './search-words.ts';
import { createSearchTables, listingTables, writeCalendarRows, writeListings } from './search-tables.ts';

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

const at = '2030-01-01T00:00:00.000Z';
const doc = (id: string, details: listings.ListingDetails, options: { kind?: ListingDocument['kind']; rating?: number } = {}): ListingDocument => ({
  listingId: id,
  hostId: 'host',
  kind: options.kind ?? 'rental',
  status: 'published',
  details: {
    description: 'A place to stay.',
    currency: 'EUR',
    location: { lat: 38.72, lon: -9.14, city: 'Lisbon', country: 'PT', timeZone: 'Europe/Lisbon' },
    unitTypes: [{ unitTypeId: `${id}.u`, name: 'Whole place', count: 1, capacity: 4, price: { amount: 10_000, currency: 'EUR' } }],
    ...details,
  },
  minPrice: Math.min(...(details.unitTypes ?? [{ price: { amount: 10_000 } }]).map((u) => u.price.amount)),
  rating: options.rating === undefined ? { sum: 0, count: 0 } : { sum: options.rating, count: 1 },
  reviewedBookings: [],
  revision: 1,
  updatedAt: at,
});

const calendarEvent = (unitTypeId: string, month: string, revision: number, type: string, keys: string[], units: number): RecordedEvent => ({
  eventId: `e-${unitTypeId}-${month}-${revision}`,
  type,
  schemaVersion: 1,
  streamId: `calendar-${unitTypeId}-${month}`,
  streamRevision: revision,
  globalPosition: '',
  occurredAt: at,
  data: { holdId: `h${revision}`, bookingId: `b${revision}`, blockId: `k${revision}`, by: 'host', keys, units, expiresAt: at, at },
  metadata: {},
});

const base: ListingSearchQuery = { sort: 'relevance', page: 1, pageSize: 20 };
const ids = (items: ListingSummary[]) => items.map((i) => i.listingId);

describe('search words', () => {
  it('cuts text into lower-case words without accents and keeps digits', () => {
    expect(wordsOf('Sea-view rental, Açores 11rab1!')).toEqual(['sea', 'view', 'rental', 'acores', '11rab1']);
  });
  it('finds a typo through a shared one-deletion variant: swapped, dropped, added or replaced letters', () => {
    const shares = (a: string, b: string) => deletionVariants(a).some((v) => deletionVariants(b).includes(v));
    for (const typo of ['veiw', 'vew', 'viewe', 'vuew']) expect(shares('view', typo), typo).toBe(true);
    expect(shares('view', 'vast')).toBe(false);
    // Words shorter than four letters have no variants: a typed one finds itself, and the 4-letter words one of whose variants it is.
    expect(deletionVariants('sea')).toEqual(['sea']);
    expect(oneLetterLonger('vew')).toContain('view');
    expect(oneLetterLonger('vew')).toHaveLength(4 * 36 - 3);
    expect(oneLetterLonger('view')).toEqual([]);
    expect(oneLetterLonger('to')).toEqual([]);
  });
});

describe('one typo apart', () => {
  it.each([
    ['view', 'veiw', true],
    ['view', 'vew', true],
    ['view', 'views', true],
    ['view', 'vuew', true],
    ['view', 'view', true],
    ['abcd', 'bcde', false],
    ['view', 'wive', false],
    ['view', 'vi', false],
  ])('%s / %s: %s', (a, b, apart) => {
    expect(oneEditApart(a, b)).toBe(apart);
    expect(oneEditApart(b, a)).toBe(apart);
  });
});

describe('listing search on PostgreSQL', () => {
  let pool: Pool;
  let reader: PgListingReader;

  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 8);
    await inTransaction(pool, (client) => listingSearchProjection.migrate(client, 'listings'));
    reader = new PgListingReader(pool);
    await inTransaction(pool, (client) =>
      writeListings(client, 'listings', [
        doc('sea', { title: 'Sea view rental 11rab1', description: 'Bright rooms by the water.' }, { rating: 3 }),
        doc('sea-exact-low', { title: 'Sea view studio', description: 'Small and quiet.' }, { rating: 2 }),
        doc('sea-exact-high', { title: 'Sea view loft', description: 'Top floor.' }, { rating: 5 }),
        doc('sea-fuzzy', { title: 'Sea vieuw flat', description: 'Close to the centre.' }, { rating: 5 }),
        doc('sea-description', { title: 'Quiet flat', description: 'From the roof a sea view over the bay.' }, { rating: 4 }),
        doc('mountain', { title: 'Mountain cabin', description: 'Snow in winter.' }),
        doc('barn', { title: 'Red barn 22xy', description: 'A lot of hay.' }),
      ]),
    );
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('takes a 4-letter word with a letter dropped as one typo, even when the shorter word exists ("lot" for "loft")', async () => {
    expect(ids((await reader.search({ ...base, q: 'lot sea view' })).items)).toEqual(['sea-exact-high']);
    expect(ids((await reader.search({ ...base, q: 'lot' })).items)).toEqual(['sea-exact-high', 'barn']);
  });

  it('finds a listing with a typo in any word of 4+ letters, the words reordered, or one left out', async () => {
    for (const q of ['sea veiw 11rab1', '11rba1 sea', 'rentl sea view', 'view 11rab1 sea rental']) {
      expect(ids((await reader.search({ ...base, q })).items), q).toContain('sea');
    }
    // A word no listing has does not empty the result; a listing without the asked words is not found.
    expect(ids((await reader.search({ ...base, q: 'sea view qqqqqq' })).items)).toContain('sea');
    expect(ids((await reader.search({ ...base, q: 'mountain' })).items)).toEqual(['mountain']);
  });

  it('orders exact title matches first, then fuzzy title matches, then description-only, ties by the asked sort', async () => {
    const byRating = await reader.search({ ...base, q: 'sea view' });
    expect(ids(byRating.items)).toEqual(['sea-exact-high', 'sea', 'sea-exact-low', 'sea-fuzzy', 'sea-description']);
    const byId = await reader.search({ ...base, q: 'sea view', sort: 'price' });
    // Same price everywhere: within a tier the id decides.
    expect(ids(byId.items)).toEqual(['sea', 'sea-exact-high', 'sea-exact-low', 'sea-fuzzy', 'sea-description']);
  });

  it('refuses nothing for a query of unknown words: it finds nothing', async () => {
    expect(await reader.search({ ...base, q: 'zzzzzz' })).toMatchObject({ items: [], total: 0, totalText: '0', next: null });
  });

  it('checks a radius by arithmetic that agrees with earth_distance on the same sphere', async () => {
    const points = Array.from({ length: 2000 }, () => {
      const lat = int(-8000, 8000) / 100;
      const lon = int(-17900, 17900) / 100;
      // Near the origin, across the antimeridian now and then, and a radius from a few metres to thousands of km.
      return {
        lat,
        lon,
        plat: lat + (next() - 0.5) * 4,
        plon: ((lon + (next() - 0.5) * 6 + 540) % 360) - 180,
        radiusKm: [0.05, 2, 10, 50, 400, 5000][int(0, 5)]!,
      };
    });
    const values: number[] = [];
    const conditions = points.map((pt) => {
      values.push(pt.lat, pt.lon, pt.radiusKm * 1000);
      const n = values.length;
      const within = withinRadiusSql(`${pt.plat}::float8`, `${pt.plon}::float8`, pt, (value) => {
        values.push(value);
        return `$${values.length}::float8`;
      });
      return `(${within}) = (earth_distance(ll_to_earth($${n - 2}::float8, $${n - 1}::float8), ll_to_earth(${pt.plat}, ${pt.plon})) <= $${n}::float8)
        OR abs(earth_distance(ll_to_earth($${n - 2}::float8, $${n - 1}::float8), ll_to_earth(${pt.plat}, ${pt.plon})) - $${n}::float8) < 0.001`;
    });
    const { rows } = await pool.query<{ agree: boolean[] }>(`SELECT ARRAY[${conditions.join(',\n')}] AS agree`, values);
    const disagreeing = points.filter((_, i) => !rows[0]!.agree[i]);
    expect(disagreeing).toEqual([]);
    // Both sides of the bound occur, so the check is not vacuous.
    const { rows: inside } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM unnest($1::float8[], $2::float8[], $3::float8[], $4::float8[], $5::float8[]) AS p(lat, lon, plat, plon, r)
        WHERE earth_distance(ll_to_earth(lat, lon), ll_to_earth(plat, plon)) <= r * 1000`,
      [points.map((x) => x.lat), points.map((x) => x.lon), points.map((x) => x.plat), points.map((x) => x.plon), points.map((x) => x.radiusKm)],
    );
    expect(inside[0]!.n).toBeGreaterThan(100);
    expect(inside[0]!.n).toBeLessThan(1900);
  });

  it('gives rows written before the stars and cuisine columns their values once, from their document', async () => {
    const target = 'listings_before_stars';
    const t = listingTables(target);
    const hotel = doc(
      'old-hotel',
      {
        title: 'Old hotel',
        stars: 4,
        cuisine: ['Portuguese'],
        unitTypes: [{ unitTypeId: 'old-hotel.u', name: 'Suíte familiar', count: 1, capacity: 4, price: { amount: 10_000, currency: 'EUR' } }],
      },
      { kind: 'hotel' },
    );
    await inTransaction(pool, async (client) => {
      await createSearchTables(client, target);
      await writeListings(client, target, [hotel]);
      await client.query(`ALTER TABLE ${t.listings} DROP COLUMN stars, DROP COLUMN cuisine`);
    });
    await inTransaction(pool, (client) => createSearchTables(client, target));
    const { rows } = await pool.query(`SELECT stars, cuisine FROM ${t.listings}`);
    expect(rows).toEqual([{ stars: 4, cuisine: ['portuguese'] }]);
    const found = await searchListings(pool, t, { ...base, stars: [4], cuisine: ['portuguese'], roomType: 'suite' });
    expect(found.items.map((i) => [i.listingId, i.stars])).toEqual([['old-hotel', 4]]);
  });

  it('gives unit types written before they carried their nights those nights once, from the calendar rows', async () => {
    const target = 'listings_before_nights';
    const t = listingTables(target);
    const flat = doc('old-flat', {
      title: 'Old flat',
      unitTypes: [{ unitTypeId: 'old-flat.u', name: 'Flat', count: 2, capacity: 2, price: { amount: 10_000, currency: 'EUR' } }],
    });
    const nights = (used: Record<number, number>) => Array.from({ length: 31 }, (_, d) => used[d + 1] ?? 0);
    await inTransaction(pool, async (client) => {
      await createSearchTables(client, target);
      await writeListings(client, target, [flat]);
      await writeCalendarRows(client, target, [
        { unit_type_id: 'old-flat.u', month: '2030-06', nights: nights({ 30: 2 }), slots: {} },
        { unit_type_id: 'old-flat.u', month: '2030-07', nights: nights({ 2: 1 }), slots: {} },
      ]);
      await client.query(`ALTER TABLE ${t.unitTypes} DROP COLUMN used_from, DROP COLUMN used_nights`);
    });
    await inTransaction(pool, (client) => createSearchTables(client, target));
    const found = async (checkIn: string, checkOut: string, guests: number) =>
      (await searchListings(pool, t, { ...base, checkIn, checkOut, guests })).items.map((i) => i.listingId);
    expect(await found('2030-06-28', '2030-06-30', 4)).toEqual(['old-flat']);
    expect(await found('2030-06-29', '2030-07-01', 1)).toEqual([]);
    expect(await found('2030-07-01', '2030-07-04', 2)).toEqual(['old-flat']);
    expect(await found('2030-07-01', '2030-07-04', 3)).toEqual([]);
  });
});

describe("a page's items, written from the server's text", () => {
  let pool: Pool;
  let reader: PgListingReader;
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 4);
    await inTransaction(pool, (client) => listingSearchProjection.migrate(client, 'listings'));
    await inTransaction(pool, (client) =>
      writeListings(client, 'listings', [
        {
          ...doc('full', { title: 'Harbour loft', amenities: ['Wifi', 'pool'], photos: ['https://img.example/a.jpg', 'https://img.example/b.jpg'] }),
          rating: { sum: 13, count: 3 },
        },
        doc('bare', { title: 'Harbour shed', location: undefined, currency: undefined, photos: [] } as unknown as listings.ListingDetails),
      ]),
    );
    reader = new PgListingReader(pool);
  });
  afterAll(async () => {
    await pool?.end();
  });
  const byId = (items: ListingSummary[]) => Object.fromEntries(items.map((item) => [item.listingId, item]));

  it('gives every key of a summary, null where the listing has no place, price, rating or photo, and nothing not asked', async () => {
    const items = byId((await reader.search({ ...base, q: 'harbour' })).items);
    expect(items.full).toStrictEqual({
      listingId: 'full',
      kind: 'rental',
      title: 'Harbour loft',
      city: 'Lisbon',
      country: 'PT',
      location: { lat: 38.72, lon: -9.14 },
      minPrice: { amount: 10_000, currency: 'EUR' },
      rating: 4.33,
      ratingCount: 3,
      stars: null,
      amenities: ['wifi', 'pool'],
      photo: 'https://img.example/a.jpg',
    });
    expect(items.bare).toStrictEqual({
      listingId: 'bare',
      kind: 'rental',
      title: 'Harbour shed',
      city: null,
      country: null,
      location: null,
      minPrice: null,
      rating: null,
      ratingCount: 0,
      stars: null,
      amenities: [],
      photo: null,
    });
  });

  it('adds the distance in km (to the metre) from an asked point, and the free unit types when dates are asked', async () => {
    const near = (await reader.search({ ...base, lat: 38.73, lon: -9.14, sort: 'distance' })).items;
    expect(near.map((item) => item.listingId)).toEqual(['full', 'bare']);
    expect(near[0]!.distanceKm).toBeCloseTo(1.112, 2);
    expect(Math.round(near[0]!.distanceKm! * 1000)).toBe(near[0]!.distanceKm! * 1000);
    // A listing without a place has no distance: the key is left out, as for a search without a point.
    expect(Object.keys(near[1]!)).not.toContain('distanceKm');
    const dated = byId((await reader.search({ ...base, q: 'harbour', checkIn: '2030-06-01', checkOut: '2030-06-03' })).items);
    expect(dated.full).toMatchObject({ availableUnitTypes: ['full.u'] });
    expect(Object.keys(dated.full!)).not.toContain('distanceKm');
  });

  it('answers the same JSON text as the objects it reads back', async () => {
    const query = { ...base, q: 'harbour', lat: 38.73, lon: -9.14, radiusKm: 50, pageSize: 1 };
    const text = await reader.searchJson(query);
    expect(JSON.parse(text)).toEqual(await reader.search(query));
    expect(JSON.parse(text)).toMatchObject({ total: 1, totalText: '1', page: 1, pageSize: 1, next: null });
  });
});

describe('paging and totals', () => {
  let pool: Pool;
  let reader: PgListingReader;
  const docs = Array.from({ length: 1_030 }, (_, i) =>
    doc(
      `p${String(i).padStart(4, '0')}`,
      {
        title: `${pick(['Sunny', 'Quiet'])} ${pick(['flat', 'loft'])} ${i}`,
        location: { lat: 38.7 + next() * 0.2, lon: -9.2 + next() * 0.2, city: 'Lisbon', country: 'PT', timeZone: 'Europe/Lisbon' },
        unitTypes: [{ unitTypeId: `p${i}.u`, name: 'Whole place', count: 1, capacity: 4, price: { amount: int(50, 60) * 100, currency: 'EUR' } }],
      },
      i % 4 === 0 ? {} : { rating: int(1, 5) },
    ),
  );

  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 8);
    await inTransaction(pool, (client) => listingSearchProjection.migrate(client, 'listings'));
    await inTransaction(pool, (client) => writeListings(client, 'listings', docs));
    reader = new PgListingReader(pool);
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('counts exactly up to 1,000 and says "1,000+" beyond', async () => {
    expect(await reader.search(base)).toMatchObject({ total: 1000, totalText: '1,000+' });
    const some = await reader.search({ ...base, lat: 38.8, lon: -9.1, radiusKm: 3 });
    expect(some.total).toBeGreaterThan(0);
    expect(some.total).toBeLessThan(1000);
    expect(some.totalText).toBe(String(some.total));
  });

  it('counts text matches in the statement of their page: "1,000+" beyond the bound, and the same total past the last page', async () => {
    // Every listing is in Lisbon: a place word (weight B), so all 1,030 match, none in the title.
    expect(await reader.search({ ...base, q: 'lisbon' })).toMatchObject({ total: 1000, totalText: '1,000+' });
    const sunny = await reader.search({ ...base, q: 'sunny', pageSize: 100 });
    expect(sunny.total).toBeGreaterThan(100);
    expect(sunny.total).toBeLessThan(1000);
    const pastTheEnd = await reader.search({ ...base, q: 'sunny', pageSize: 100, page: 20 });
    expect(pastTheEnd).toMatchObject({ items: [], total: sunny.total, next: null });
    expect(await reader.search({ ...base, q: 'sunny', lat: 10, lon: 10, radiusKm: 1 })).toMatchObject({ items: [], total: 0, totalText: '0' });
  });

  // The matches as SQL of the test's own says them (every listing here is published and has one unit for up to 4 guests).
  it.each([
    { name: 'rating within a radius (the cells walk)', asked: { sort: 'rating' as const, lat: 38.8, lon: -9.1, radiusKm: 3 }, where: 'near(3)' },
    { name: 'price with filters (the walk of the order)', asked: { sort: 'price' as const, minRating: 4 }, where: 'rating >= 4' },
    { name: 'distance (the filters drive)', asked: { sort: 'distance' as const, lat: 38.8, lon: -9.1, radiusKm: 5 }, where: 'near(5)' },
    { name: 'rating, everything (the bound)', asked: { sort: 'rating' as const }, where: 'true' },
  ])('counts a search without text in the statement of its page, and the same past its last page: $name', async ({ asked, where }) => {
    const statements: string[] = [];
    const counting = {
      query: (statement: string | { text: string }, values?: unknown[]) => {
        statements.push(typeof statement === 'string' ? statement : statement.text);
        return typeof statement === 'string' ? pool.query(statement, values) : pool.query(statement);
      },
    } as unknown as Pool;
    const query = { ...base, ...asked };
    const found = await searchListings(counting, listingTables('listings'), query);
    expect(statements).toHaveLength(1);
    const near = where.match(/^near\((\d+)\)$/);
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM listings WHERE ${near ? 'earth_distance(ll_to_earth(lat, lon), ll_to_earth(38.8, -9.1)) <= $1 * 1000' : where}`,
      near ? [Number(near[1])] : [],
    );
    const want = rows[0]!.n;
    expect(want).toBeGreaterThan(query.pageSize);
    expect(found.total).toBe(Math.min(want, 1000));
    expect(found.totalText).toBe(want > 1000 ? '1,000+' : String(want));
    const pastTheEnd = await searchListings(counting, listingTables('listings'), { ...query, pageSize: 100, page: 20 });
    expect(pastTheEnd).toMatchObject({ items: [], total: found.total, next: null });
  });

  it.each([
    { sort: 'price' as const },
    { sort: 'rating' as const },
    { sort: 'distance' as const, lat: 38.75, lon: -9.15 },
    { sort: 'relevance' as const, q: 'sunny flat' },
  ])('walks every page by cursor in the order of one big page, with no item twice: %j', async (asked) => {
    const query = { ...base, ...asked, lat: asked.lat ?? 38.8, lon: asked.lon ?? -9.1, radiusKm: 3, pageSize: 100 };
    const whole = await reader.search(query);
    expect(whole.total).toBeGreaterThan(10);
    expect(whole.total).toBeLessThanOrEqual(100);
    const walked: string[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await reader.search({ ...query, pageSize: 7, ...(cursor ? { cursor } : {}) });
      walked.push(...ids(page.items));
      cursor = page.next;
    } while (cursor);
    expect(walked).toEqual(ids(whole.items));
  });

  // 3 km: a few 0.1° cells; 12 and 40 km: a few 1° cells; 300 km: too many 1° cells for that, all
  // of them; each case in one scan, with one word and with three.
  it.each([
    { radiusKm: 3, q: 'sunny' },
    { radiusKm: 12, q: 'sunny' },
    { radiusKm: 40, q: 'sunny' },
    { radiusKm: 300, q: 'sunny' },
    { radiusKm: 12, q: 'sunny lisbon flat' },
    { radiusKm: 300, q: 'sunny lisbon flat' },
  ])('finds "$q" within $radiusKm km through the geo cells exactly as the distance alone decides', async ({ radiusKm, q }) => {
    const near = { ...base, lat: 38.8, lon: -9.1, radiusKm, pageSize: 2_000 };
    const title = q.includes('flat') ? /sunny flat/i : /sunny/i;
    const inRadius = (await reader.search(near)).items.filter((item) => title.test(item.title ?? ''));
    const found = await reader.search({ ...near, q });
    expect(inRadius.length).toBeGreaterThan(5);
    expect(new Set(ids(found.items))).toEqual(new Set(ids(inRadius)));
    expect(found.total).toBe(inRadius.length);
  });

  it('looks a frequent word up apart from its rare neighbours one typo away, and finds them all in the same order as one lookup', async () => {
    // "sunny" is in half the titles here (over OWN_SCAN_LISTINGS); "funny" and "sunn" in one each, far away.
    const far = { lat: 10, lon: 10, city: 'Far', country: 'XX', timeZone: 'UTC' };
    const neighbours = [doc('n-funny', { title: 'Funny loft', location: far }), doc('n-sunn', { title: 'Sunn flat', location: far })];
    await inTransaction(pool, (client) => writeListings(client, 'listings', neighbours));
    try {
      const resolved = await resolveWords(pool, 'listings_words', 'sunny', 'listings');
      expect(resolved[0]!.counts!.get('sunny')).toBeGreaterThanOrEqual(OWN_SCAN_LISTINGS);
      expect(wordScans(resolved)).toEqual(['sunny', '(funny | sunn)']);
      const all = await reader.search({ ...base, q: 'sunny', pageSize: 1_000 });
      const sunny = docs.filter((d) => /sunny/i.test(d.details.title ?? '')).length;
      expect(all.total).toBe(sunny + 2);
      // Exact title matches first, then the fuzzy ones; by rating within each.
      expect(ids(all.items).slice(-2).sort()).toEqual(['n-funny', 'n-sunn']);
      const paged = [];
      let cursor: string | undefined;
      do {
        const page = await reader.search({ ...base, q: 'sunny', pageSize: 100, cursor });
        paged.push(...page.items);
        cursor = page.next ?? undefined;
      } while (cursor);
      expect(ids(paged)).toEqual(ids(all.items));
    } finally {
      await inTransaction(pool, (client) =>
        writeListings(
          client,
          'listings',
          neighbours.map((d) => ({ ...d, status: 'draft' as const })),
        ),
      );
    }
  });

  it.each(['price', 'rating'] as const)('orders a radius by %s through its cells exactly as one sort of every match would', async (sort) => {
    const near = { ...base, lat: 38.8, lon: -9.1, radiusKm: 3, pageSize: 100 };
    const every = (await reader.search({ ...near, sort: 'distance' })).items;
    const key = (item: ListingSummary) => (sort === 'price' ? item.minPrice!.amount : -(item.rating ?? -1));
    const expected = [...every].sort((a, b) => key(a) - key(b) || (a.listingId < b.listingId ? -1 : 1));
    expect(every.length).toBeGreaterThan(10);
    for (const pageSize of [100, 5]) expect(ids((await reader.search({ ...near, sort, pageSize })).items)).toEqual(ids(expected).slice(0, pageSize));
    expect(ids((await reader.search({ ...near, sort, pageSize: 5, page: 3 })).items)).toEqual(ids(expected).slice(10, 15));
  });

  it('gives rows written before the cells were indexed their cells when migrated', async () => {
    const query = { ...base, q: 'sunny', lat: 38.8, lon: -9.1, radiusKm: 3 };
    const before = await reader.search(query);
    // As an older version wrote them: words without cells, and no note on the column.
    await pool.query(`UPDATE listings SET words = ts_delete(words, array(SELECT lexeme FROM unnest(words) WHERE lexeme LIKE 'g%\\_%'))`);
    await pool.query(`COMMENT ON COLUMN listings.words IS NULL`);
    expect((await reader.search(query)).total).toBe(0);
    await inTransaction(pool, (client) => listingSearchProjection.migrate(client, 'listings'));
    expect(await reader.search(query)).toEqual(before);
  });

  it('answers the same page by number (offset) as by cursor', async () => {
    const first = await reader.search({ ...base, sort: 'price', pageSize: 10 });
    const second = await reader.search({ ...base, sort: 'price', pageSize: 10, page: 2 });
    expect(ids((await reader.search({ ...base, sort: 'price', pageSize: 10, cursor: first.next! })).items)).toEqual(ids(second.items));
  });
});

describe('availability in the search read model', () => {
  let pool: Pool;
  let reader: PgListingReader;
  let store: PgAvailabilityStore;
  const NIGHTS = ['2030-06-28', '2030-06-29', '2030-06-30', '2030-07-01', '2030-07-02'];
  const hotels = Array.from({ length: 30 }, (_, l) =>
    doc(
      `h${String(l).padStart(2, '0')}`,
      {
        title: `Hotel ${l}`,
        unitTypes: Array.from({ length: int(1, 3) }, (_, u) => ({
          unitTypeId: `h${l}-u${u}`,
          name: 'Room',
          count: int(1, 4),
          capacity: int(1, 4),
          price: { amount: int(5, 30) * 1000, currency: 'EUR' },
        })),
      },
      { kind: 'hotel' },
    ),
  );
  const units = hotels.flatMap((h) => h.details.unitTypes!.map((u) => ({ ...u, listingId: h.listingId })));
  const used = new Map<string, number>();
  const events: RecordedEvent[] = [];

  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 8);
    await inTransaction(pool, (client) => listingSearchProjection.migrate(client, 'listings'));
    await inTransaction(pool, (client) => writeListings(client, 'listings', hotels));
    reader = new PgListingReader(pool);
    store = new PgAvailabilityStore(pool);
    await store.prepare('availability');
    // Holds over a month's end, some released again, some nights blocked by the host.
    for (const unit of units) {
      const revisions = new Map<string, number>();
      for (const night of NIGHTS) {
        const units = int(0, unit.count);
        if (units === 0) continue;
        const month = night.slice(0, 7);
        const revision = revisions.get(month) ?? 0;
        revisions.set(month, revision + 1);
        const type = pick(['HoldPlaced', 'NightsBlocked']);
        events.push(calendarEvent(unit.unitTypeId, month, revision, type, [night], units));
        used.set(`${unit.unitTypeId} ${night}`, units);
        if (next() < 0.2) {
          revisions.set(month, revision + 2);
          events.push(calendarEvent(unit.unitTypeId, month, revision + 1, type === 'HoldPlaced' ? 'HoldReleased' : 'NightsUnblocked', [night], units));
          used.delete(`${unit.unitTypeId} ${night}`);
        }
      }
    }
    for (const event of events) await apply(event);
    await store.apply('availability', events.map(availabilityUpdate));
  });
  afterAll(async () => {
    await pool?.end();
  });
  const apply = (event: RecordedEvent) => inTransaction(pool, (client) => applyEvents(client, listingSearchProjection, [event], 'listings'));

  /** What the search must answer, worked out night by night. */
  const expected = (query: ListingSearchQuery, nights: string[]) =>
    hotels
      .map((h) => ({
        id: h.listingId,
        free: units
          .filter(
            (u) =>
              u.listingId === h.listingId &&
              (query.minPrice === undefined || u.price.amount >= query.minPrice) &&
              (query.maxPrice === undefined || u.price.amount <= query.maxPrice),
          )
          .filter((u) => nights.every((n) => u.count - (used.get(`${u.unitTypeId} ${n}`) ?? 0) >= Math.ceil((query.guests ?? 1) / u.capacity)))
          .sort((a, b) => a.price.amount - b.price.amount || (a.unitTypeId < b.unitTypeId ? -1 : 1))
          .map((u) => u.unitTypeId),
      }))
      .filter((h) => h.free.length > 0)
      .sort((a, b) => (a.id < b.id ? -1 : 1));

  it.each([
    { checkIn: '2030-06-28', checkOut: '2030-06-29' },
    { checkIn: '2030-06-29', checkOut: '2030-07-02', guests: 2 },
    { checkIn: '2030-06-28', checkOut: '2030-07-03', guests: 3 },
    { checkIn: '2030-06-30', checkOut: '2030-07-02', guests: 2, minPrice: 10_000, maxPrice: 20_000 },
  ])('finds exactly the listings with a fitting unit type free on every night (across a month end): %j', async (dates) => {
    const query = { ...base, ...dates, pageSize: 100 };
    const nights = NIGHTS.filter((n) => n >= dates.checkIn && n < dates.checkOut);
    const result = await reader.search(query);
    const want = expected(query, nights);
    expect(result.items.map((i) => ({ id: i.listingId, free: i.availableUnitTypes })).sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(want);
    expect(result.total).toBe(want.length);
  });

  it('the dates matter in this data (else the comparison proves nothing)', async () => {
    const all = await reader.search({ ...base, pageSize: 100 });
    const dated = await reader.search({ ...base, checkIn: '2030-06-28', checkOut: '2030-07-03', guests: 2, pageSize: 100 });
    expect(dated.total).toBeGreaterThan(0);
    expect(dated.total).toBeLessThan(all.total);
  });

  it('gives the same calendar as the availability store', async () => {
    for (const listing of ['h00', 'h07', 'h21', 'h29']) {
      const fromStore = await new PgListingReader(pool, store).availability(listing, NIGHTS);
      expect(await reader.availability(listing, NIGHTS), listing).toEqual(fromStore);
    }
    expect(await reader.availability('nope', NIGHTS)).toBeUndefined();
  });

  it('counts a calendar event delivered twice once, and a listing event delivered twice once', async () => {
    const before = await reader.availability('h03', NIGHTS);
    for (const event of events.filter((e) => e.streamId.startsWith('calendar-h3-'))) await apply(event);
    expect(await reader.availability('h03', NIGHTS)).toEqual(before);
    const rows = async () => (await pool.query('SELECT listing_id, words, min_price, doc FROM listings ORDER BY listing_id')).rows;
    const listed = await rows();
    const created: RecordedEvent = {
      ...calendarEvent('x', '2030-06', 0, 'ListingCreated', [], 0),
      streamId: 'listing-h03',
      data: { listingId: 'h03', hostId: 'host', kind: 'hotel', details: {}, at },
    };
    await apply(created);
    expect(await rows()).toEqual(listed);
  });
});

describe('restaurant slots', () => {
  let pool: Pool;
  let reader: PgListingReader;
  // Lisbon, Fridays 18:00–23:00 in 90-minute slots: 18:00, 19:30, 21:00 (21:00 + 90 min = 22:30).
  const slots = { minutes: 90, openingHours: { '5': [{ open: '18:00', close: '23:00' }] } };
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 8);
    await inTransaction(pool, (client) => listingSearchProjection.migrate(client, 'listings'));
    await inTransaction(pool, (client) =>
      writeListings(client, 'listings', [
        doc(
          'tasca',
          {
            title: 'Tasca',
            slots,
            unitTypes: [{ unitTypeId: 'tasca.t2', name: 'Table for 2', count: 1, capacity: 2, price: { amount: 1000, currency: 'EUR' } }],
          },
          { kind: 'restaurant' },
        ),
      ]),
    );
    reader = new PgListingReader(pool);
  });
  afterAll(async () => {
    await pool?.end();
  });

  it("offers a slot only on its grid within opening hours, in the restaurant's time zone, and only with a table free", async () => {
    // Friday 2030-06-07: Lisbon is UTC+1 in summer.
    const found = async (slot: string) => ids((await reader.search({ ...base, kind: 'restaurant', slot, guests: 2 })).items);
    expect(await found('2030-06-07T19:30:00+01:00')).toEqual(['tasca']);
    expect(await found('2030-06-07T18:30:00Z')).toEqual(['tasca']);
    expect(await found('2030-06-07T20:00:00+01:00')).toEqual([]); // off the grid
    expect(await found('2030-06-07T22:30:00+01:00')).toEqual([]); // would end after closing
    expect(await found('2030-06-08T19:30:00+01:00')).toEqual([]); // closed on Saturdays
    await inTransaction(pool, (client) =>
      applyEvents(client, listingSearchProjection, [calendarEvent('tasca.t2', '2030-06', 0, 'HoldPlaced', ['2030-06-07T18:30:00.000Z'], 1)], 'listings'),
    );
    expect(await found('2030-06-07T19:30:00+01:00')).toEqual([]);
    expect(await found('2030-06-07T21:00:00+01:00')).toEqual(['tasca']);
  });
});
