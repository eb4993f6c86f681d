/**
 * Where search time goes: `npm run bench:search-explain -w bench` (after `bench:search-data`).
 *
 * Runs each listing query shape of `bench:search` straight against the search read model (no
 * HTTP, one at a time), prints p50/p99/max per shape, and the `EXPLAIN (ANALYZE, BUFFERS)` of the
 * statements of each shape's slowest query, so that the shape that dominates p99 shows its plan.
 * `--before <git revision>` also runs that revision's search statements on the same queries,
 * alternating with this one's query by query (so both see the same machine load), and records
 * both and their ratio in bench/results/search-explain.json.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { type ListingSearchQuery, searchListings, listingTables } from '@stayhub/read-models';
import { record } from './shared/results.ts';
import { params } from './shared/args.ts';
import { benchServer, serverCpuReader } from './shared/database.ts';
import { marketplaceDatabase } from './shared/marketplace-db.ts';
import { listingShapes, seeded } from './shared/search-queries.ts';
import { summarise } from './shared/stats.ts';

const p = params('bench:search-explain', {
  listings: { default: 500_000, help: 'listings in the marketplace (as loaded by bench:search-data)' },
  seed: { default: 12, help: 'data seed' },
  first: { default: '2027-03-01', help: 'first of the 90 nights with a calendar' },
  queries: { default: 40, help: 'queries per shape' },
  shapes: { default: '', help: 'comma-separated shape names (default: all)' },
  explain: { default: 'yes', help: "yes: print the plans of each shape's slowest query; no: timings only" },
  before: { default: '', help: 'a git revision whose search statements to time on the same queries, interleaved (default: none)' },
  beforeWithout: {
    default: '',
    help: 'indexes (comma-separated) that `--before` runs without: dropped in a transaction around each of its searches, rolled back after',
  },
  query: { default: '', help: 'one query string of GET /listings/search to run (as the shape `query`) instead of the shapes' },
});

/** The search statements of another revision, loaded beside this one's (same imports), or undefined. */
const searchOf = async (revision: string): Promise<typeof searchListings | undefined> => {
  if (!revision) return undefined;
  const source = execFileSync('git', ['show', `${revision}:read-models/src/listings/pg-search.ts`], { encoding: 'utf8' });
  // Beside this revision's `listings/pg-search.ts` (the package's entry is its `src/index.ts`), so that its relative imports resolve.
  const file = join(dirname(fileURLToPath(import.meta.resolve('@stayhub/read-models'))), 'listings', 'pg-search.before.tmp.ts');
  writeFileSync(file, source);
  try {
    return ((await import(file)) as { searchListings: typeof searchListings }).searchListings;
  } finally {
    rmSync(file);
  }
};

/** A query string of `GET /listings/search` as the route parses it. */
export const searchQueryOf = (qs: string): ListingSearchQuery => {
  const s = new URLSearchParams(qs);
  const num = (name: string) => (s.has(name) ? Number(s.get(name)) : undefined);
  const text = (name: string) => s.get(name) ?? undefined;
  return {
    q: text('q'),
    lat: num('lat'),
    lon: num('lon'),
    radiusKm: num('radiusKm'),
    checkIn: text('checkIn'),
    checkOut: text('checkOut'),
    guests: num('guests'),
    minPrice: num('minPrice'),
    maxPrice: num('maxPrice'),
    amenities: s.get('amenities')?.split(','),
    kind: text('kind') as ListingSearchQuery['kind'],
    cuisine: s.get('cuisine')?.split(','),
    minRating: num('minRating'),
    stars: s.get('stars')?.split(',').map(Number),
    roomType: text('roomType'),
    sort: (text('sort') ?? 'relevance') as ListingSearchQuery['sort'],
    page: 1,
    pageSize: 20,
  };
};

const server = await benchServer();
const db = await marketplaceDatabase(server.adminUrl, { listings: p.listings, seed: p.seed, first: p.first });
const tables = listingTables('listings');
const wanted = p.shapes ? p.shapes.split(',') : undefined;
const before = await searchOf(p.before);
/** `before`'s search, on one connection without the `--beforeWithout` indexes when some are named (their drop rolled back after). */
const runBefore = async <T>(
  search: typeof searchListings,
  run: (search: typeof searchListings, on?: Pick<typeof db.pool, 'query'>) => Promise<T>,
): Promise<T> => {
  if (!p.beforeWithout) return run(search);
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    for (const index of p.beforeWithout.split(',')) await client.query(`DROP INDEX ${index}`);
    return await run(search, client);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
};

const serverCpu = await serverCpuReader(db.url);
const figures: Record<string, unknown> = {};
try {
  const shapes: ReturnType<typeof listingShapes> = p.query ? { query: () => p.query } : listingShapes(p.seed, p.first, p.listings);
  for (const [name, make] of Object.entries(shapes)) {
    if (wanted && !wanted.includes(name)) continue;
    const r = seeded(p.seed + 99, name);
    type Timed = { ms: number; total: string; statementMs: number; statements: number; serverCpuMs: number | undefined };
    const timed: (Timed & { qs: string })[] = [];
    const timedBefore: Timed[] = [];
    for (let k = 0; k < p.queries; k++) {
      const qs = make(r);
      const run = async (search: typeof searchListings, on: Pick<typeof db.pool, 'query'> = db.pool) => {
        // Each statement timed on its own: their sum is the database work of a search, which
        // statements run side by side hide from its latency and which decides throughput at saturation.
        let statementMs = 0;
        let statements = 0;
        const timing = Object.create(db.pool) as typeof db.pool;
        timing.query = (async (...args: Parameters<typeof db.pool.query>) => {
          const began = performance.now();
          try {
            return await (on.query as (...a: unknown[]) => Promise<unknown>).apply(on, args);
          } finally {
            statementMs += performance.now() - began;
            statements++;
          }
        }) as typeof db.pool.query;
        // The server's CPU over the search (its statements run one search at a time): what load does not inflate.
        const cpu = serverCpu();
        const started = performance.now();
        const result = await search(timing, tables, searchQueryOf(qs));
        const ms = performance.now() - started;
        const cpuAfter = serverCpu();
        const serverCpuMs = cpu === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpu) * 1000;
        return { ms, total: result.totalText, statementMs, statements, serverCpuMs };
      };
      // Which goes first alternates, so that neither always finds the other's pages cached.
      if (before && k % 2 === 0) timedBefore.push(await runBefore(before, run));
      timed.push({ ...(await run(searchListings)), qs });
      if (before && k % 2 === 1) timedBefore.push(await runBefore(before, run));
    }
    const latency = summarise(timed.map((t) => t.ms));
    const mean = (xs: readonly number[]) => Math.round((xs.reduce((sum, x) => sum + x, 0) / xs.length) * 100) / 100;
    const work = (runs: readonly Timed[]) => ({
      statementMsPerSearch: summarise(runs.map((t) => t.statementMs)),
      statementsPerSearch: mean(runs.map((t) => t.statements)),
      ...(runs.every((t) => t.serverCpuMs !== undefined) ? { serverCpuMsPerSearch: mean(runs.map((t) => t.serverCpuMs!)) } : {}),
    });
    const slowest = timed.reduce((a, b) => (b.ms > a.ms ? b : a));
    console.log(`\n## ${name}: p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms; slowest ${slowest.qs} (total ${slowest.total})`);
    if (before) {
      const was = summarise(timedBefore.map((t) => t.ms));
      const [now, then] = [work(timed), work(timedBefore)];
      figures[name] = {
        latencyMs: latency,
        beforeLatencyMs: was,
        p50AfterOverBefore: Math.round((latency.p50 / was.p50) * 100) / 100,
        p99AfterOverBefore: Math.round((latency.p99 / was.p99) * 100) / 100,
        ...now,
        before: then,
        statementMsMedianAfterOverBefore: Math.round((now.statementMsPerSearch.p50 / then.statementMsPerSearch.p50) * 100) / 100,
        ...(now.serverCpuMsPerSearch && then.serverCpuMsPerSearch
          ? { serverCpuAfterOverBefore: Math.round((now.serverCpuMsPerSearch / then.serverCpuMsPerSearch) * 100) / 100 }
          : {}),
        slowest: slowest.qs,
      };
      console.log(`   ${p.before}: p50 ${was.p50} ms, p99 ${was.p99} ms, max ${was.max} ms`);
      console.log(
        `   statement ms a search (median): ${now.statementMsPerSearch.p50} (${now.statementsPerSearch} statements), ${p.before}: ${then.statementMsPerSearch.p50} (${then.statementsPerSearch})`,
      );
      console.log(`   PostgreSQL CPU ms a search (mean): ${now.serverCpuMsPerSearch ?? '?'}, ${p.before}: ${then.serverCpuMsPerSearch ?? '?'}`);
    }
    if (p.explain !== 'yes') continue;
    // The slowest query again, each statement explained (the plans run the statements for real).
    const explaining = Object.create(db.pool) as typeof db.pool;
    explaining.query = (async (statement: string | { text: string; values: unknown[] }, params?: unknown[]) => {
      // A named (prepared) statement is explained by its text and values.
      const [sql, values] = typeof statement === 'string' ? [statement, params] : [statement.text, statement.values];
      if (/^\s*(SELECT|WITH)/.test(sql) && /FROM listings l|FROM \(SELECT/.test(sql)) {
        const started = performance.now();
        const plan = await db.pool.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, values);
        console.log(`-- ${Math.round(performance.now() - started)} ms\n${plan.rows.map((row) => row['QUERY PLAN']).join('\n')}`);
      }
      return db.pool.query(sql, values);
    }) as unknown as typeof db.pool.query;
    await searchListings(explaining, tables, searchQueryOf(slowest.qs));
  }
  if (before) {
    record('search-explain', { ...p, database: 'embedded' }, figures, [
      "Each shape's queries run straight on the search read model (no HTTP), one at a time, by this revision and by `before`, alternating query by query on the same database.",
    ]);
  }
} finally {
  await db.pool.end();
  await server.stop();
}
