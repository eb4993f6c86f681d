/**
 * Search at marketplace scale: `npm run bench:search` (see bench/README.md).
 *
 * Loads (once; later runs reuse it) 500k listings with 1M unit types, ~10M rooms and tables and
 * 90 nights of calendar into the search read model through its bulk writer, then measures through
 * the query API over HTTP every query shape at 4 and 32 clients, page 50 by its cursor, recall@10
 * of typo queries, `GET /listings/:id` and `/availability`, and the same shapes and recall on
 * `@orama/orama` holding the same listings in memory. Writes bench/results/search.json.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createSearchIndexes, createSearchTables } from '@stayhub/read-models';
import { inTransaction } from '@stayhub/event-sourcing';
import { params } from './shared/args.ts';
import { topOfStoppedProfile } from './shared/cpu-profile.ts';
import { benchServer, serverCpuReader, serverSettings } from './shared/database.ts';
import { api } from './shared/http.ts';
import { runLoad, type LoadResult } from './shared/load.ts';
import { marketplaceDatabase } from './shared/marketplace-db.ts';
import { buildOrama, oramaSearch } from './shared/orama-peer.ts';
import { pgCounters } from './shared/pg-stats.ts';
import { cpuSecondsOf, memorySampler, startPlatform, type Platform } from './shared/platform.ts';
import { record } from './shared/results.ts';
import { listingShapes, seeded, stayOf, typoQuery } from './shared/search-queries.ts';
import { summarise } from './shared/stats.ts';

const p = params('bench:search', {
  listings: { default: 500_000, help: 'listings in the marketplace (loaded once, then reused)' },
  seed: { default: 12, help: 'data seed' },
  first: { default: '2027-03-01', help: 'first of the 90 nights with a calendar' },
  clients: { default: '4,32', help: 'concurrent clients to measure each shape at' },
  requests: { default: 400, help: 'at most this many requests per shape and client count' },
  seconds: { default: 20, help: 'at most this long per shape and client count' },
  recall: { default: 300, help: 'typo queries for recall@10' },
  peer: { default: true, help: 'run @orama/orama on the same listings and queries' },
  peerListings: { default: 100_000, help: 'listings the peer holds (0: all; 500k need ~7 GB of heap and ~10 min to index here)' },
  peerRecall: { default: 100, help: "typo queries for the peer's recall@10 (each takes up to seconds)" },
  shapes: { default: '', help: 'only these listing shapes (comma-separated; empty: all)' },
  extras: { default: true, help: 'page 50, recall@10 and the reads by id after the shapes' },
  bundle: {
    default: '',
    help: 'another build of the platform (a dist/bench/platform.js copied aside) measured as `before`, alternating shape by shape and round by round',
  },
  bundleWithout: {
    default: '',
    help: "indexes (comma-separated) that `--bundle` runs without: dropped before each of its windows, built again (as the read model defines them) before each of this build's",
  },
  rounds: { default: 1, help: 'rounds per shape and client count (each build once per round; medians over them)' },
  profile: { default: '', help: "CPU-profile this build's query API on these shapes (comma-separated) in the last round at the highest client count" },
});

const loadBefore = loadavg();
const server = await benchServer();
const db = await marketplaceDatabase(server.adminUrl, { listings: p.listings, seed: p.seed, first: p.first });
const env = { SEARCH_CACHE_TTL_MS: '0' };
const platform = await startPlatform(db.url, { projectors: false, env });
const builds: { name: string; platform: Platform }[] = [{ name: 'after', platform }];
if (p.bundle) builds.push({ name: 'before', platform: await startPlatform(db.url, { projectors: false, env, bundle: p.bundle }) });
const query = api(platform.queryUrl);
const serverCpu = await serverCpuReader(db.url);
let stopped = false;
const stopPlatform = async () => {
  if (stopped) return;
  stopped = true;
  for (const build of builds) await build.platform.stop();
};
const clients = p.clients.split(',').map(Number);
const only = p.shapes ? p.shapes.split(',') : undefined;
const shapes = Object.fromEntries(Object.entries(listingShapes(p.seed, p.first, p.listings)).filter(([name]) => !only || only.includes(name)));
const profiled = p.profile ? p.profile.split(',') : [];
const figures: Record<string, any> = {};
const line = (label: string, result: Pick<LoadResult, 'latencyMs' | 'throughput'>, extra = '') =>
  console.log(
    `${label.padEnd(44)} p50 ${String(result.latencyMs.p50).padStart(8)} ms  p99 ${String(result.latencyMs.p99).padStart(8)} ms  ${String(result.throughput).padStart(7)}/s ${extra}`,
  );

type Sample = {
  p50: number;
  p99: number;
  perSecond: number;
  searches: number;
  apiCpuMs: number;
  serverCpuMs: number | null;
  clientCpuMs: number;
  statements: number | null;
  non200: number;
};
const round2 = (x: number) => Math.round(x * 100) / 100;
const median = (xs: number[]) => summarise(xs).p50;

/** The indexes `--bundleWithout` names: dropped for the build before, built again (outside the measured windows) for this one. */
const indexesFor = async (build: string) => {
  if (!p.bundleWithout) return;
  if (build === 'before')
    await db.pool.query(
      p.bundleWithout
        .split(',')
        .map((index) => `DROP INDEX IF EXISTS ${index};`)
        .join('\n'),
    );
  else
    await inTransaction(db.pool, async (client) => {
      await createSearchTables(client, 'listings');
      await createSearchIndexes(client, 'listings');
    });
};

/** One shape's window on one build: latency, throughput, and per search the CPU of each process and the statements; a profile of the query API if asked. */
const measureCpu = async (build: Platform, concurrency: number, path: () => string, profile: boolean, onBody: (body: any) => void) => {
  const client = api(build.queryUrl);
  await runLoad({ concurrency, durationMs: 10_000, maxRequests: 8, request: async () => (await client.get(path())).status });
  const stopProfile = profile ? await build.profile() : undefined;
  const [api0, server0, pg0] = [cpuSecondsOf(build.pid), serverCpu(), await pgCounters(db.url)];
  const own0 = process.cpuUsage();
  const result = await runLoad({
    concurrency,
    durationMs: p.seconds * 1000,
    maxRequests: p.requests,
    request: async () => {
      const reply = await client.get(path());
      if (reply.status === 200) onBody(reply.body);
      return reply.status;
    },
  });
  const own = process.cpuUsage(own0);
  const [api1, server1, pg1] = [cpuSecondsOf(build.pid), serverCpu(), await pgCounters(db.url)];
  const top = stopProfile ? await topOfStoppedProfile(stopProfile, 'search') : undefined;
  const n = Math.max(1, result.requests);
  const sample: Sample = {
    p50: result.latencyMs.p50,
    p99: result.latencyMs.p99,
    perSecond: result.throughput,
    searches: result.requests,
    apiCpuMs: round2(((api1 - api0) * 1000) / n),
    serverCpuMs: server0 === undefined || server1 === undefined ? null : round2(((server1 - server0) * 1000) / n),
    clientCpuMs: round2((own.user + own.system) / 1000 / n),
    // The counters' own reads are a few statements: negligible over hundreds of searches.
    statements: pg0.statements === null || pg1.statements === null ? null : round2((pg1.statements - pg0.statements) / n),
    non200: result.requests - (result.statuses['200'] ?? 0),
  };
  return { sample, top };
};

/** Medians over the rounds of one build, shape and client count. */
const summaryOf = (runs: Sample[]) => ({
  latencyMs: { p50: median(runs.map((s) => s.p50)), p99: median(runs.map((s) => s.p99)) },
  perSecond: median(runs.map((s) => s.perSecond)),
  cpuMsPerSearch: {
    api: median(runs.map((s) => s.apiCpuMs)),
    postgres: runs[0]!.serverCpuMs === null ? null : median(runs.map((s) => s.serverCpuMs!)),
    loadGenerator: median(runs.map((s) => s.clientCpuMs)),
  },
  statementsPerSearch: runs[0]!.statements === null ? null : median(runs.map((s) => s.statements!)),
  non200: runs.reduce((sum, s) => sum + s.non200, 0),
  ...(runs.length > 1 ? { rounds: runs } : {}),
});

const measure = async (label: string, concurrency: number, path: () => string, onBody?: (body: any) => void, options: { byTime?: boolean } = {}) => {
  // By time (reads by id): every client's connection opened first, then the whole window counted, not the first few hundred requests.
  await runLoad({
    concurrency,
    durationMs: options.byTime ? 1500 : 10_000,
    maxRequests: options.byTime ? undefined : 8,
    request: async () => (await query.get(path())).status,
  });
  const result = await runLoad({
    concurrency,
    durationMs: p.seconds * 1000,
    maxRequests: options.byTime ? undefined : p.requests,
    request: async () => {
      const reply = await query.get(path());
      if (reply.status === 200) onBody?.(reply.body);
      return reply.status;
    },
  });
  return result;
};

try {
  const sampler = memorySampler(platform.memory);
  figures.data = {
    reused: db.reused,
    loadSeconds: db.loadSeconds,
    ...(
      await db.pool.query(`SELECT (SELECT count(*)::int FROM listings) AS listings, (SELECT count(*)::int FROM listings_unit_types) AS "unitTypes",
        (SELECT sum(count)::int FROM listings_unit_types) AS units, (SELECT count(*)::int FROM listings_calendar) AS "calendarRows",
        (SELECT count(DISTINCT word)::int FROM listings_words) AS "dictionaryWords", (SELECT load_seconds FROM bench_marketplace) AS "firstLoadSeconds",
        (SELECT rows_seconds FROM bench_marketplace) AS "rowsSeconds"`)
    ).rows[0],
    sizesMb: Object.fromEntries(
      (
        await db.pool.query<{ name: string; mb: number }>(
          `SELECT relname AS name, round(pg_total_relation_size(oid) / 1048576.0)::int AS mb FROM pg_class
          WHERE relname IN ('listings', 'listings_unit_types', 'listings_calendar', 'listings_words') ORDER BY relname`,
        )
      ).rows.map((r) => [r.name, r.mb]),
    ),
  };
  console.log('data', figures.data);

  // Every shape at each client count, uncached (the platform runs with the search cache off); with
  // `--bundle`, each build in turn on the same values, which goes first alternating round by round.
  // Per search: the CPU of the query API's process, of the whole PostgreSQL server and of this load
  // generator over the window, and the statements (pg_stat_statements) it ran.
  const listingsFigures: Record<string, any> = {};
  const beforeFigures: Record<string, any> = {};
  const profiles: Record<string, unknown> = {};
  for (const [name, make] of Object.entries(shapes)) {
    for (const concurrency of clients) {
      const runs: Record<string, Sample[]> = {};
      const totals: number[] = [];
      for (let round = 1; round <= p.rounds; round++) {
        const order = round % 2 === 1 ? builds : [...builds].reverse();
        for (const build of order) {
          await indexesFor(build.name);
          const profile = build.name === 'after' && profiled.includes(name) && round === p.rounds && concurrency === Math.max(...clients);
          const r = seeded(p.seed + concurrency + (round - 1) * 100, name);
          const { sample, top } = await measureCpu(
            build.platform,
            concurrency,
            () => `/listings/search?${make(r)}`,
            profile,
            (body) => {
              if (build.name === 'after') totals.push(body.total);
            },
          );
          runs[build.name] = [...(runs[build.name] ?? []), sample];
          if (top) profiles[`${name}@${concurrency}`] = top;
          line(
            `${builds.length > 1 ? `${build.name} ` : ''}${name} @${concurrency}${p.rounds > 1 ? ` #${round}` : ''}`,
            { latencyMs: { p50: sample.p50, p99: sample.p99 } as LoadResult['latencyMs'], throughput: sample.perSecond },
            `CPU ms a search: API ${sample.apiCpuMs}, PostgreSQL ${sample.serverCpuMs}, load generator ${sample.clientCpuMs}; statements ${sample.statements}; load ${loadavg()[0]!.toFixed(1)}`,
          );
        }
      }
      const r = seeded(p.seed + concurrency, name);
      listingsFigures[`${name}@${concurrency}`] = { ...summaryOf(runs.after!), medianTotal: summarise(totals).p50, example: `/listings/search?${make(r)}` };
      if (runs.before) beforeFigures[`${name}@${concurrency}`] = summaryOf(runs.before);
    }
  }
  await indexesFor('after');
  if (p.bundle) {
    figures.before = beforeFigures;
    figures.afterOverBefore = Object.fromEntries(
      Object.entries(beforeFigures).map(([key, b]) => {
        const a = listingsFigures[key];
        const ratio = (x: number | null, y: number | null) => (x === null || y === null ? null : Math.round((x / Math.max(1e-9, y)) * 100) / 100);
        return [
          key,
          {
            p50: ratio(a.latencyMs.p50, b.latencyMs.p50),
            p99: ratio(a.latencyMs.p99, b.latencyMs.p99),
            perSecond: ratio(a.perSecond, b.perSecond),
            apiCpuMs: ratio(a.cpuMsPerSearch.api, b.cpuMsPerSearch.api),
            serverCpuMs: ratio(a.cpuMsPerSearch.postgres, b.cpuMsPerSearch.postgres),
          },
        ];
      }),
    );
  }
  if (Object.keys(profiles).length > 0) figures.profile = profiles;
  figures.listings = listingsFigures;
  if (p.extras) {
    // Page 50: walk 49 pages of a few 'page 1' queries by their cursors, then ask for page 50.
    const r50 = seeded(p.seed, 'page50');
    const page50: string[] = [];
    for (let k = 0; k < 6; k++) {
      const base = shapes.page1!(r50);
      let cursor: string | null = null;
      for (let page = 1; page < 50; page++) {
        const reply: { status: number; body: any } = await query.get(`/listings/search?${base}${cursor ? `&cursor=${cursor}` : ''}`);
        cursor = reply.body?.next ?? null;
        if (!cursor) break;
      }
      if (cursor) page50.push(`/listings/search?${base}&cursor=${cursor}`);
    }
    for (const concurrency of clients) {
      let n = 0;
      const result = await measure('page50', concurrency, () => page50[n++ % page50.length]!);
      listingsFigures[`page50@${concurrency}`] = {
        latencyMs: result.latencyMs,
        perSecond: result.throughput,
        statuses: result.statuses,
        queries: page50.length,
      };
      line(`page50 (cursor) @${concurrency}`, result);
    }

    // Recall@10 of typo queries: one typo per word of 4+ letters, one word left out, words reordered.
    const rr = seeded(p.seed, 'recall');
    const typos = Array.from({ length: p.recall }, () => typoQuery(p.seed, rr, rr.int(0, p.listings - 1)));
    let found = 0;
    for (const t of typos) {
      const reply = await query.get(`/listings/search?q=${encodeURIComponent(t.q)}&pageSize=10`);
      if (reply.body?.items?.some((item: { listingId: string }) => item.listingId === t.listingId)) found++;
    }
    figures.recallAt10 = { postgres: Math.round((found / typos.length) * 1000) / 1000, queries: typos.length, examples: typos.slice(0, 5) };
    console.log(`recall@10 postgres ${figures.recallAt10.postgres} over ${typos.length} queries`);

    // A listing and its calendar, by id.
    const rid = seeded(p.seed, 'byId');
    const byId: Record<string, any> = {};
    for (const concurrency of [32]) {
      const get = await measure('get', concurrency, () => `/listings/l${rid.int(0, p.listings - 1)}`, undefined, { byTime: true });
      const availability = await measure(
        'availability',
        concurrency,
        () => {
          const [, from, to] = /checkIn=(.*)&checkOut=(.*)/.exec(stayOf(rid, p.first, 7))!;
          return `/listings/l${rid.int(0, p.listings - 1)}/availability?from=${from}&to=${to}`;
        },
        undefined,
        { byTime: true },
      );
      byId[`get@${concurrency}`] = { latencyMs: get.latencyMs, perSecond: get.throughput, statuses: get.statuses };
      byId[`availability@${concurrency}`] = { latencyMs: availability.latencyMs, perSecond: availability.throughput, statuses: availability.statuses };
      line(`GET /listings/:id @${concurrency}`, get);
      line(`GET /listings/:id/availability @${concurrency}`, availability);
    }
    figures.byId = byId;
  }
  figures.platformMemory = { peakRssMbSampled: sampler.stop(), ...platform.memory() };
  await stopPlatform();
  if (p.peer) await peerRun();
  console.log(markdownTable(figures));
  record(
    'search',
    { ...p, database: server.kind, postgres: await serverSettings(db.url) },
    figures,
    [
      "The marketplace is loaded once through the search read model's bulk writer (each listing's ListingCreated/ListingPublished decided by the listing decider and its reviews folded into its document; calendar rows as folding its holds gives them) and reused while listings/seed/first are unchanged.",
      'Listing shapes: through the query API over HTTP with its result cache off, each request drawing its own values; 8 warm-up requests, then up to `requests` or `seconds` per shape and client count. With `rounds` > 1 or `bundle`, latency, throughput and CPU are medians over the rounds, each build in turn on the same values (`before`: the bundle).',
      'cpuMsPerSearch: over each window, the CPU of the query API process (the all-in-one platform process, projectors off and the command API idle), of the whole PostgreSQL server (/proc of its processes) and of the load generator (this process: Node fetch and JSON parsing), divided by the searches; statementsPerSearch from pg_stat_statements (top level).',
      'page50: the cursor of page 49 of six broad queries, asked again and again (keyset: the cost does not grow with the page number).',
      'The peer runs in this process without HTTP, one search at a time (it is synchronous): its latency has no network, parsing or database hop; dates, slots, unit prices and distance order have no equivalent there.',
    ],
    loadBefore,
  );
} finally {
  await stopPlatform();
  await db.pool.end();
  await server.stop();
}

async function peerRun() {
  {
    const peerListings = p.peerListings || p.listings;
    const rssBefore = process.memoryUsage().rss;
    const orama = await buildOrama(p.seed, peerListings, (done) => done % 100_000 === 0 && console.log(`orama: ${done}/${peerListings} inserted`));
    const peer: Record<string, any> = {
      listings: peerListings,
      buildSeconds: Math.round(orama.buildSeconds),
      heapMb: orama.heapMb,
      rssGrowthMb: Math.round((process.memoryUsage().rss - rssBefore) / 2 ** 20),
    };
    for (const [name, make] of Object.entries(shapes)) {
      const r = seeded(p.seed + 1, name);
      if (!oramaSearch(orama.db, make(r))) {
        peer[name] = 'no equivalent (no calendar, unit prices, distance order, cuisine or rating filter)';
        continue;
      }
      // In process and one at a time: a search holds the only thread, so more clients add no throughput.
      const result = await runLoad({
        concurrency: 1,
        durationMs: p.seconds * 1000,
        maxRequests: p.requests,
        request: async () => {
          await oramaSearch(orama.db, make(r))!();
          return 200;
        },
      });
      peer[name] = { latencyMs: result.latencyMs, perSecond: result.throughput };
      line(`orama ${name}`, result);
    }
    // The peer's recall on typo queries of the listings it holds (as many as ours, drawn the same way).
    const rp = seeded(p.seed, 'recall-peer');
    const peerTypos = Array.from({ length: Math.min(p.recall, p.peerRecall) }, () => typoQuery(p.seed, rp, rp.int(0, peerListings - 1)));
    let peerFound = 0;
    let peerAsked = 0;
    // Bounded in time too: one fuzzy Orama search over 100k listings can take many seconds here.
    const recallUntil = performance.now() + p.seconds * 4000;
    for (const t of peerTypos) {
      if (performance.now() > recallUntil) break;
      peerAsked++;
      const hits = (await oramaSearch(orama.db, `q=${encodeURIComponent(t.q)}&pageSize=10`)!()).hits;
      if (hits.some((h) => h.id === t.listingId)) peerFound++;
    }
    peer.recallAt10 = Math.round((peerFound / Math.max(1, peerAsked)) * 1000) / 1000;
    peer.recallQueries = peerAsked;
    console.log(`recall@10 orama ${peer.recallAt10}`);
    figures.peer = peer;
    figures.ratios = Object.fromEntries(
      Object.keys(shapes).flatMap((name) => {
        const ours = figures.listings[`${name}@4`];
        const theirs = peer[name];
        return ours && typeof theirs === 'object' ? [[name, { p50OursOverPeer: Math.round((ours.latencyMs.p50 / theirs.latencyMs.p50) * 100) / 100 }]] : [];
      }),
    );
  }
}

/** The README's table: per shape p50/p99 and throughput at each client count, and the peer beside it. */
function markdownTable(f: Record<string, any>): string {
  const rows = Object.keys(shapes)
    .concat('page50')
    .map((name) => {
      const at = (c: number) => f.listings?.[`${name}@${c}`];
      const peer = f.peer?.[name];
      const cells = clients.flatMap((c) => (at(c) ? [`${at(c).latencyMs.p50} / ${at(c).latencyMs.p99}`, `${at(c).perSecond}`] : ['–', '–']));
      return `| ${name} | ${cells.join(' | ')} | ${typeof peer === 'object' ? `${peer.latencyMs.p50} / ${peer.latencyMs.p99}` : 'n/a'} |`;
    });
  const head = `| shape | ${clients.map((c) => `p50 / p99 ms @${c} | searches/s @${c}`).join(' | ')} | Orama p50 / p99 ms (in process) |`;
  const rule = `| --- | ${clients.map(() => '--- | ---').join(' | ')} | --- |`;
  return [head, rule, ...rows].join('\n');
}
