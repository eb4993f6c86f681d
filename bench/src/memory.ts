/**
 * Figure 6: memory of the all-in-one platform process (command API, workflows, projectors, query
 * API): peak RSS under the booking load of figure 1, and with many listings loaded, serving searches.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createPool } from '@stayhub/event-sourcing';
import { migrateProjector, pgProjections } from '@stayhub/projectors';
import { params } from './shared/args.ts';
import { bookingScenario } from './shared/bookings.ts';
import { benchDatabase, benchServer, freshDatabase, serverSettings } from './shared/database.ts';
import { api } from './shared/http.ts';
import { runLoad } from './shared/load.ts';
import { memorySampler, startPlatform, type Platform } from './shared/platform.ts';
import { record } from './shared/results.ts';
import { seedListings, withoutSecondaryIndexes } from './shared/seed-listings.ts';

const p = params('bench:memory', {
  concurrency: { default: 32, help: 'booking clients (figure 1, spread)' },
  duration: { default: 20, help: 'seconds of booking load' },
  listings: { default: 100_000, help: 'listings loaded for the second measurement' },
  reuse: { default: false, help: 'use the listings an earlier bench:memory left (stayhub_bench_search) if it has enough' },
  searches: { default: 300, help: 'searches served with the listings loaded' },
  workers: { default: 3, help: 'parallel loaders' },
});

const window = { first: new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10), nights: 14 };
const measure = async (platform: Platform, work: () => Promise<unknown>) => {
  const before = platform.memory();
  const peakReset = platform.resetPeak();
  const sampler = memorySampler(platform.memory, 100);
  await work();
  return { rssMbBefore: before.rssMb, peakRssMbSampled: sampler.stop(), ...platform.memory(), peakReset };
};

const loadBefore = loadavg();
const server = await benchServer();
const figures: Record<string, unknown> = {};
try {
  // Under booking load.
  const db = await freshDatabase(server.adminUrl, 'memory');
  let platform = await startPlatform(db.url);
  const idle = platform.memory();
  const scenario = await bookingScenario(platform, { listings: 300, guests: 32, hotelRooms: 1 });
  let load: unknown;
  figures.underBookingLoad = {
    idleRssMb: idle.rssMb,
    ...(await measure(platform, async () => {
      load = await runLoad({ concurrency: p.concurrency, durationMs: p.duration * 1000, request: scenario.spread });
    })),
    load,
  };
  console.log(`under booking load: ${JSON.stringify(figures.underBookingLoad)}`);
  await platform.stop();
  await db.drop();

  // With many listings.
  const kept = benchDatabase(server.adminUrl, 'search');
  const reusable =
    p.reuse &&
    (await (async () => {
      const client = new pg.Client(kept.url);
      try {
        await client.connect();
        return Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM listings')).rows[0]!.n) >= p.listings;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => undefined);
      }
    })());
  // The search database was kept for this: it goes once measured, as a fresh one would.
  const listingsDb = reusable ? kept : await freshDatabase(server.adminUrl, 'memory_listings');
  let loadSeconds: number | undefined;
  if (!reusable) {
    const pool = createPool(listingsDb.url, p.workers + 2);
    await migrateProjector(pool, pgProjections);
    const started = performance.now();
    await withoutSecondaryIndexes(pool, () => seedListings(pool, { from: 0, to: p.listings, seed: 7, window, workers: p.workers }));
    loadSeconds = Math.round((performance.now() - started) / 1000);
    await pool.query('ANALYZE');
    await pool.end();
  }
  platform = await startPlatform(listingsDb.url);
  const query = api(platform.queryUrl);
  const started = platform.memory();
  const kinds = [
    'q=sunny%20loft',
    'lat=38.72&lon=-9.14&radiusKm=10&sort=distance',
    `city=Paris&kind=hotel&checkIn=${window.first}&checkOut=${new Date(Date.parse(window.first) + 3 * 86_400_000).toISOString().slice(0, 10)}&guests=2`,
    'minPrice=10000&maxPrice=12000&sort=price',
  ];
  figures.withListings = {
    listings: p.listings,
    loadedBy: reusable ? 'bench:search (kept database)' : `this run, in ${loadSeconds} s`,
    idleRssMb: started.rssMb,
    ...(await measure(platform, () =>
      runLoad({
        concurrency: 4,
        durationMs: 600_000,
        maxRequests: p.searches,
        request: async (n) => (await query.get(`/listings/search?${kinds[n % kinds.length]}`)).status,
      }),
    )),
  };
  console.log(`with ${p.listings} listings: ${JSON.stringify(figures.withListings)}`);
  await platform.stop();
  await listingsDb.drop();

  record(
    'memory',
    { ...p, database: server.kind, postgres: await serverSettings(server.adminUrl) },
    figures,
    [
      'RSS of the platform process from /proc/<pid>/status: rssMb = VmRSS after the work, peakRssMb = VmHWM, reset to the current RSS just before the work (peakReset: true), so it is the peak during the work; peakRssMbSampled = highest VmRSS seen every 100 ms.',
      'The listings are loaded into the read models by the bench driver (see figure 4); the platform process is then started fresh and serves searches over them.',
    ],
    loadBefore,
  );
} finally {
  await server.stop();
}
