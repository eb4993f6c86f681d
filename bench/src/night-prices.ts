/**
 * The price filter over asked nights: `npm run bench:night-prices`.
 *
 * Loads N listings twice into one database through the search read model's bulk writer: target
 * `plain` without per-date prices, target `priced` with a per-date price on every one of 90 nights
 * for a share of the unit types. Then runs the same dated searches, one client, interleaved on both
 * (with a price range, and without one as the baseline), and records medians and their ratios.
 * Writes bench/results/night-prices.json.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createPool, inTransaction } from '@stayhub/event-sourcing';
import { searchListings, createSearchIndexes, createSearchTables, listingTables, type ListingSearchQuery } from '@stayhub/read-models';
import { params } from './shared/args.ts';
import { benchServer, freshDatabase } from './shared/database.ts';
import { random } from './shared/listings-data.ts';
import { loadMarketplace } from './shared/load-marketplace.ts';
import { pickCity } from './shared/marketplace-data.ts';
import { record } from './shared/results.ts';
import { summarise } from './shared/stats.ts';

const p = params('bench:night-prices', {
  listings: { default: 10_000, help: 'listings per target' },
  seed: { default: 12, help: 'data seed' },
  first: { default: '2027-03-01', help: 'first of the 90 nights with a calendar and prices' },
  pricedPercent: { default: 30, help: 'share of unit types with a per-date price on every night' },
  rounds: { default: 150, help: 'searches per shape and target' },
});

const loadBefore = loadavg();
const server = await benchServer();
const db = await freshDatabase(server.adminUrl, 'night_prices');
const pool = createPool(db.url, 4);
const started = performance.now();
for (const target of ['plain', 'priced']) {
  await inTransaction(pool, (client) => createSearchTables(client, target));
  await loadMarketplace(pool, { from: 0, to: p.listings, seed: p.seed, first: p.first, target });
  await inTransaction(pool, (client) => createSearchIndexes(client, target));
}
// 50 % to 150 % of the base price, on every night of the window, for the chosen share of unit types
const priced = listingTables('priced');
await pool.query(
  `INSERT INTO ${priced.nightPrices} (unit_type_id, night, listing_id, price)
   SELECT u.unit_type_id, d::date, u.listing_id, greatest(1, u.price * (50 + abs(hashtext(u.unit_type_id || d::text)) % 101) / 100)
     FROM ${priced.unitTypes} u CROSS JOIN generate_series($1::date, $1::date + 89, interval '1 day') d
    WHERE abs(hashtext(u.unit_type_id)) % 100 < $2`,
  [p.first, p.pricedPercent],
);
await pool.query('ANALYZE');
const {
  rows: [counts],
} = await pool.query<{ nights: string; units: string }>(
  `SELECT count(*)::text AS nights, count(DISTINCT unit_type_id)::text AS units FROM ${priced.nightPrices}`,
);
const loadSeconds = Math.round((performance.now() - started) / 100) / 10;

const r = random(p.seed);
const day = (offset: number) => new Date(Date.parse(`${p.first}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
const base: ListingSearchQuery = { sort: 'relevance', page: 1, pageSize: 20 };
const shapes: Record<string, () => Partial<ListingSearchQuery>> = {
  cityDatesPrice: () => {
    const start = r.int(0, 80);
    const min = r.int(40, 200) * 100;
    return { city: pickCity(r).name, checkIn: day(start), checkOut: day(start + r.int(2, 7)), guests: 2, minPrice: min, maxPrice: min + r.int(50, 200) * 100 };
  },
  radiusDatesMaxPrice: () => {
    const city = pickCity(r);
    const start = r.int(0, 80);
    return { lat: city.lat, lon: city.lon, radiusKm: 15, checkIn: day(start), checkOut: day(start + 3), guests: 2, maxPrice: r.int(60, 150) * 100 };
  },
  cityDatesNoPrice: () => {
    const start = r.int(0, 80);
    return { city: pickCity(r).name, checkIn: day(start), checkOut: day(start + 3), guests: 2 };
  },
};

const figures: Record<string, unknown> = {
  listingsPerTarget: p.listings,
  pricedNights: Number(counts!.nights),
  pricedUnitTypes: Number(counts!.units),
  loadSeconds,
};
for (const [shape, next] of Object.entries(shapes)) {
  const ms: Record<string, number[]> = { plain: [], priced: [] };
  const found: Record<string, number> = { plain: 0, priced: 0 };
  for (let round = 0; round < p.rounds; round++) {
    const query = { ...base, ...next() };
    // the same query on both targets, in alternating order, so that drift in the machine's load hits both
    for (const target of round % 2 === 0 ? ['plain', 'priced'] : ['priced', 'plain']) {
      const t0 = performance.now();
      const result = await searchListings(pool, listingTables(target), query);
      ms[target]!.push(performance.now() - t0);
      found[target]! += result.items.length;
    }
  }
  const plain = summarise(ms.plain!);
  const withPrices = summarise(ms.priced!);
  figures[shape] = {
    plain,
    priced: withPrices,
    medianRatio: Math.round((withPrices.p50 / plain.p50) * 100) / 100,
    itemsPerQuery: { plain: found.plain! / p.rounds, priced: found.priced! / p.rounds },
  };
  console.log(`${shape.padEnd(22)} p50 plain ${plain.p50} ms, priced ${withPrices.p50} ms (×${(withPrices.p50 / plain.p50).toFixed(2)})`);
}

await pool.end();
await db.drop();
await server.stop();
record(
  'night-prices',
  p,
  figures,
  [
    'one client, PostgreSQL search read model, queries interleaved on both targets; ratio = priced p50 / plain p50',
    `load average at start ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (2 cores, shared with other engineers' test runs)`,
  ],
  loadBefore,
);
