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
import { params } from './shared/args.ts';
import { benchServer, serverSettings } from './shared/database.ts';
import { api } from './shared/http.ts';
import { runLoad, type LoadResult } from './shared/load.ts';
import { marketplaceDatabase } from './shared/marketplace-db.ts';
import { buildOrama, oramaSearch } from './shared/orama-peer.ts';
import { memorySampler, startPlatform } from './shared/platform.ts';
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
});

const loadBefore = loadavg();
const server = await benchServer();
const db = await marketplaceDatabase(server.adminUrl, { listings: p.listings, seed: p.seed, first: p.first });
const platform = await startPlatform(db.url, { projectors: false, env: { SEARCH_CACHE_TTL_MS: '0' } });
const query = api(platform.queryUrl);
let stopped = false;
const stopPlatform = async () => {
  if (stopped) return;
  stopped = true;
  await platform.stop();
};
const clients = p.clients.split(',').map(Number);
const shapes = listingShapes(p.seed, p.first, p.listings);
const figures: Record<string, any> = {};
const line = (label: string, result: Pick<LoadResult, 'latencyMs' | 'throughput'>, extra = '') =>
  console.log(
    `${label.padEnd(44)} p50 ${String(result.latencyMs.p50).padStart(8)} ms  p99 ${String(result.latencyMs.p99).padStart(8)} ms  ${String(result.throughput).padStart(7)}/s ${extra}`,
  );

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

  // Every shape at each client count, uncached (the platform runs with the search cache off).
  const listingsFigures: Record<string, any> = {};
  for (const [name, make] of Object.entries(shapes)) {
    for (const concurrency of clients) {
      const r = seeded(p.seed + concurrency, name);
      const totals: number[] = [];
      const result = await measure(
        name,
        concurrency,
        () => `/listings/search?${make(r)}`,
        (body) => totals.push(body.total),
      );
      listingsFigures[`${name}@${concurrency}`] = {
        latencyMs: result.latencyMs,
        perSecond: result.throughput,
        statuses: result.statuses,
        medianTotal: summarise(totals).p50,
        example: `/listings/search?${make(r)}`,
      };
      line(`${name} @${concurrency}`, result, `median total ${summarise(totals).p50}`);
    }
  }

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
    listingsFigures[`page50@${concurrency}`] = { latencyMs: result.latencyMs, perSecond: result.throughput, statuses: result.statuses, queries: page50.length };
    line(`page50 (cursor) @${concurrency}`, result);
  }
  figures.listings = listingsFigures;

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
  figures.platformMemory = { peakRssMbSampled: sampler.stop(), ...platform.memory() };
  await stopPlatform();

  if (p.peer) {
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
        const ours = listingsFigures[`${name}@4`];
        const theirs = peer[name];
        return ours && typeof theirs === 'object' ? [[name, { p50OursOverPeer: Math.round((ours.latencyMs.p50 / theirs.latencyMs.p50) * 100) / 100 }]] : [];
      }),
    );
  }

  console.log(markdownTable(figures));
  record(
    'search',
    { ...p, database: server.kind, postgres: await serverSettings(db.url) },
    figures,
    [
      "The marketplace is loaded once through the search read model's bulk writer (each listing's ListingCreated/ListingPublished decided by the listing decider and its reviews folded into its document; calendar rows as folding its holds gives them) and reused while listings/seed/first are unchanged.",
      'Listing shapes: through the query API over HTTP with its result cache off, each request drawing its own values; 8 warm-up requests, then up to `requests` or `seconds` per shape and client count.',
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
