/**
 * Figure 4: search latency through the query API at growing numbers of listings (100k and 500k by
 * default): text, radius, dates, price and their combination, and availability over many units.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createPool } from '@stayhub/infra';
import { migrateProjector, pgProjections } from '@stayhub/projectors';
import { numbers, params } from './shared/args.ts';
import { benchServer, freshDatabase, serverSettings } from './shared/database.ts';
import { api } from './shared/http.ts';
import { adjectives, cities, places, random, type Random } from './shared/listings-data.ts';
import { runLoad } from './shared/load.ts';
import { memorySampler, startPlatform } from './shared/platform.ts';
import { record } from './shared/results.ts';
import { nightsOf, seedListings, withoutSecondaryIndexes, type Window } from './shared/seed-listings.ts';
import { summarise } from './shared/stats.ts';

const p = params('bench:search', {
  sizes: { default: '20000,100000', help: 'numbers of listings to measure at (loaded incrementally)' },
  requests: { default: 150, help: 'requests per query kind and size' },
  concurrency: { default: 4, help: 'concurrent searches' },
  maxSeconds: { default: 60, help: 'at most this long per query kind and size' },
  workers: { default: 3, help: 'parallel loaders' },
  seed: { default: 7, help: 'data seed' },
  keep: { default: false, help: 'keep the database (stayhub_bench_search) for bench:memory -- --reuse' },
});

const window: Window = { first: new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10), nights: 14 };
const nights = nightsOf(window);

const typo = (r: Random, word: string) => (r.next() < 0.5 && word.length > 4 ? word.slice(0, 2) + word.slice(3) : word);
const near = (r: Random) => {
  const [, , lat, lon] = r.pick(cities);
  return `lat=${(lat + (r.next() - 0.5) * 0.2).toFixed(4)}&lon=${(lon + (r.next() - 0.5) * 0.2).toFixed(4)}`;
};
const stay = (r: Random, length = 3) => {
  const start = r.int(0, nights.length - length);
  return `checkIn=${nights[start]}&checkOut=${new Date(Date.parse(`${nights[start]}T00:00:00Z`) + length * 86_400_000).toISOString().slice(0, 10)}`;
};
const price = (r: Random) => {
  const min = r.int(40, 300) * 100;
  return `minPrice=${min}&maxPrice=${min + r.int(20, 100) * 100}`;
};

/** Query kinds; each request draws its own values. */
const kinds: Record<string, (r: Random) => string> = {
  text: (r) => `q=${encodeURIComponent(`${typo(r, r.pick(adjectives))} ${r.pick(places)}`)}`,
  radius: (r) => `${near(r)}&radiusKm=10&sort=distance`,
  radiusDates: (r) => `${near(r)}&radiusKm=10&${stay(r)}&guests=2`,
  price: (r) => `${price(r)}&sort=price`,
  combined: (r) => `q=${encodeURIComponent(typo(r, r.pick(places)))}&${near(r)}&radiusKm=25&${stay(r)}&guests=2&${price(r)}`,
  availabilityManyUnits: (r) => `kind=hotel&city=${encodeURIComponent(r.pick(cities)[0])}&${stay(r, 5)}&guests=3`,
};

const loadBefore = loadavg();
const server = await benchServer();
const db = await freshDatabase(server.adminUrl, 'search');
const pool = createPool(db.url, p.workers + 2);
await migrateProjector(pool, pgProjections);
const platform = await startPlatform(db.url);
const query = api(platform.queryUrl);
const figures: Record<string, unknown> = {};
try {
  let loaded = 0;
  for (const size of numbers(p.sizes)) {
    const started = performance.now();
    let last = 0;
    await withoutSecondaryIndexes(pool, () =>
      seedListings(pool, {
        from: loaded,
        to: size,
        seed: p.seed,
        window,
        workers: p.workers,
        onProgress: (done) => {
          if (performance.now() - last > 10_000) {
            last = performance.now();
            console.log(`loading: ${loaded + done}/${size} listings, ${Math.round(done / ((performance.now() - started) / 1000))}/s`);
          }
        },
      }),
    );
    const loadSeconds = (performance.now() - started) / 1000;
    await pool.query('ANALYZE');
    const counts = (await pool.query<{ listings: number; units: number; held: number }>(
      'SELECT (SELECT count(*) FROM listings) AS listings, (SELECT count(*) FROM listings_unit_types) AS units, (SELECT count(*) FROM availability) AS held',
    )).rows[0]!;
    console.log(`${size} listings loaded (${Math.round((size - loaded) / loadSeconds)}/s); ${counts.units} unit types, ${counts.held} held nights`);
    loaded = size;

    platform.resetPeak();
    const sampler = memorySampler(platform.memory);
    const atSize: Record<string, unknown> = { loaded: counts, loadSeconds: Math.round(loadSeconds) };
    for (const [kind, make] of Object.entries(kinds)) {
      const r = random(p.seed + kind.length);
      const hits: number[] = [];
      await runLoad({ concurrency: p.concurrency, durationMs: 3_600_000, maxRequests: 10, request: async () => (await query.get(`/listings/search?${make(r)}`)).status });
      const result = await runLoad({
        concurrency: p.concurrency,
        durationMs: p.maxSeconds * 1000,
        maxRequests: p.requests,
        request: async () => {
          const reply = await query.get(`/listings/search?${make(r)}`);
          if (reply.status === 200) hits.push(reply.body.total);
          return reply.status;
        },
      });
      atSize[kind] = { latencyMs: result.latencyMs, perSecond: result.throughput, statuses: result.statuses, totalHits: summarise(hits), example: `/listings/search?${make(r)}` };
      console.log(`${size} ${kind}: p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, median hits ${summarise(hits).p50}`);
    }
    atSize.platformMemory = { peakRssMbSampled: sampler.stop(), ...platform.memory() };
    figures[`listings${size}`] = atSize;
  }
  record('search', { ...p, window, database: server.kind, postgres: await serverSettings(db.url) }, figures, [
    'Listings are bulk-loaded by the search and availability projections\' own apply (ListingCreated + ListingPublished decided by the listing decider, HoldPlaced on ~40% of unit types over the 14-night window), not through the event store.',
    'Each query kind: 10 warm-up requests, then `requests` at `concurrency`, through the query API (HTTP) of the all-in-one process; latency includes the total-count query.',
  ], loadBefore);
} finally {
  await platform.stop();
  await pool.end();
  if (!p.keep) await db.drop();
  await server.stop();
}
