/**
 * Product search at catalogue scale: `npm run bench:products` (see bench/README.md).
 *
 * Loads (once; later runs reuse it) `--products` products with attributes, stock and delivery
 * areas through the products projection's bulk path, then measures through the query API over HTTP
 * each query shape at 4 and 32 clients, a later page by its cursor, and recall@10 of typo queries.
 * Writes bench/results/products.json.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createPool, type Pool } from '@stayhub/event-sourcing';
import { registerProjections } from '@stayhub/projectors';
import { productSearchProjection } from '@stayhub/read-models';
import { params } from './shared/args.ts';
import { benchDatabase, benchServer, freshDatabase, serverCpuReader, serverSettings } from './shared/database.ts';
import { api } from './shared/http.ts';
import { runLoad } from './shared/load.ts';
import { cpuSecondsOf, memorySampler, startPlatform } from './shared/platform.ts';
import { catalogueProduct, loadCatalogue, productCategories } from './shared/products-data.ts';
import { record } from './shared/results.ts';
import { oneEdit, seeded, type Shape } from './shared/search-queries.ts';
import type { Random } from './shared/listings-data.ts';

const p = params('bench:products', {
  products: { default: 100_000, help: 'products in the catalogue (loaded once, then reused)' },
  seed: { default: 12, help: 'data seed' },
  clients: { default: '4,32', help: 'concurrent clients to measure each shape at' },
  requests: { default: 400, help: 'at most this many requests per shape and client count' },
  seconds: { default: 20, help: 'at most this long per shape and client count' },
  laterPage: { default: 20, help: 'the page asked by its cursor' },
  recall: { default: 200, help: 'typo queries for recall@10' },
  fresh: { default: false, help: 'load again even if the same catalogue is there' },
  shapes: { default: '', help: 'only these shapes, comma-separated (e.g. textAttribute); all and the later page by default' },
  bundle: { default: '', help: 'another build of the platform (a dist/bench/platform.js copied aside) to measure instead of this one' },
});

/** The catalogue's database (`stayhub_bench_products<n>`), loaded once and reused while its size and seed are the same. */
const catalogueDatabase = async (adminUrl: string): Promise<{ url: string; pool: Pool; reused: boolean }> => {
  const existing = benchDatabase(adminUrl, `products${p.products}`);
  const wanted = JSON.stringify({ products: p.products, seed: p.seed });
  if (!p.fresh) {
    const pool = createPool(existing.url, 8);
    const loaded = await pool
      .query<{ size: string }>('SELECT size FROM bench_products')
      .then((r) => r.rows[0]?.size)
      .catch(() => undefined);
    if (loaded === wanted) return { url: existing.url, pool, reused: true };
    await pool.end();
  }
  const db = await freshDatabase(adminUrl, `products${p.products}`);
  const pool = createPool(db.url, 8);
  const started = performance.now();
  let last = started;
  const { rowsDone } = await loadCatalogue(pool, {
    count: p.products,
    seed: p.seed,
    onProgress: (done) => {
      if (performance.now() - last < 15_000) return;
      last = performance.now();
      console.log(`loading: ${done}/${p.products} products, ${Math.round(done / ((last - started) / 1000))}/s`);
    },
  });
  const seconds = (at: number) => Math.round((at - started) / 100) / 10;
  await pool.query('CREATE TABLE bench_products (size text NOT NULL, load_seconds real NOT NULL, rows_seconds real NOT NULL)');
  await pool.query('INSERT INTO bench_products VALUES ($1, $2, $3)', [wanted, seconds(performance.now()), seconds(rowsDone)]);
  return { url: db.url, pool, reused: false };
};

/** A product of the catalogue, drawn at random. */
const someProduct = (r: Random) => catalogueProduct(p.seed, r.int(0, p.products - 1));
const typo = (r: Random, word: string) => (word.length >= 4 ? oneEdit(r, word) : word);
const nounOf = (name: string) => name.split(' ')[2]!.toLowerCase();

/** A shopper's sloppy query for a product's name: brand and noun, one typo in one of them, the model left out. */
const typoQuery = (r: Random, i: number) => {
  const product = catalogueProduct(p.seed, i);
  const [brand, , noun] = product.name.toLowerCase().split(' ');
  const words = r.next() < 0.5 ? [typo(r, brand!), noun!] : [brand!, typo(r, noun!)];
  return { productId: product.productId, name: product.name, q: words.join(' ') };
};

const shapes: Record<string, Shape> = {
  textTypo: (r) => `q=${encodeURIComponent(typoQuery(r, r.int(0, p.products - 1)).q)}`,
  textCategory: (r) => {
    const product = someProduct(r);
    return `q=${encodeURIComponent(nounOf(product.name))}&category=${product.category}`;
  },
  textAttribute: (r) => {
    const product = someProduct(r);
    const [name, value] = r.pick(Object.entries(product.attributes));
    return `q=${encodeURIComponent(nounOf(product.name))}&attr.${name}=${encodeURIComponent(String(value))}`;
  },
  // The same with a value that is text (a colour, a material, a size, a language): its words narrow the word index's matches.
  textAttributeWord: (r) => {
    let product = someProduct(r);
    while (!Object.values(product.attributes).some((value) => typeof value === 'string')) product = someProduct(r);
    const [name, value] = r.pick(Object.entries(product.attributes).filter(([, value]) => typeof value === 'string'));
    return `q=${encodeURIComponent(nounOf(product.name))}&attr.${name}=${encodeURIComponent(String(value))}`;
  },
  priceRangeSortPrice: (r) => {
    const min = r.int(10, 500) * 100;
    return `minPrice=${min}&maxPrice=${min + r.int(5, 50) * 100}&sort=price`;
  },
  deliverableTo: (r) => `deliverableTo=${String(r.int(0, 99_999)).padStart(5, '0')}`,
  page1: (r) => `category=${r.pick(productCategories).name}&sort=price`,
};

const loadBefore = loadavg();
const server = await benchServer();
const db = await catalogueDatabase(server.adminUrl);
// The live target registered and migrated as the projectors do it at start in production (a catalogue loaded by an
// older build gets what this one's tables add). Without `projection_targets` each search's target lookup failed, and
// node-postgres closes a pooled connection whose query failed: every search opened a new session on a server with
// cold caches (~12–20 ms of PostgreSQL CPU a search at 1M, measured 2 Dec).
await registerProjections(db.pool, [productSearchProjection]);
await db.pool.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
await db.pool.query(`SELECT pg_prewarm(c.oid) FROM pg_class c WHERE c.relname LIKE 'products%' AND c.relkind IN ('r', 'i')`);
const serverCpu = await serverCpuReader(db.url);
const platform = await startPlatform(db.url, { projectors: false, env: { SEARCH_CACHE_TTL_MS: '0' }, ...(p.bundle ? { bundle: p.bundle } : {}) });
const only = p.shapes ? new Set(p.shapes.split(',')) : undefined;
const query = api(platform.queryUrl);
const clients = p.clients.split(',').map(Number);
const figures: Record<string, any> = {};

const measure = async (concurrency: number, path: () => string, onBody?: (body: any) => void) => {
  await runLoad({ concurrency, durationMs: 10_000, maxRequests: 8, request: async () => (await query.get(path())).status });
  const cpu = () => ({ server: serverCpu() ?? Number.NaN, api: platform.pids.map(cpuSecondsOf).reduce((a, b) => a + b, 0) });
  const before = cpu();
  const result = await runLoad({
    concurrency,
    durationMs: p.seconds * 1000,
    maxRequests: p.requests,
    request: async () => {
      const reply = await query.get(path());
      if (reply.status === 200) onBody?.(reply.body);
      return reply.status;
    },
  });
  // CPU a search costs PostgreSQL and the query API: what the machine's load moves far less than latency.
  const after = cpu();
  const perSearch = (a: number, b: number) => Math.round(((b - a) * 1000 * 100) / Math.max(1, result.requests)) / 100;
  return { ...result, cpuMsPerSearch: { postgres: perSearch(before.server, after.server), queryApi: perSearch(before.api, after.api) } };
};

try {
  const sampler = memorySampler(platform.memory);
  const stored = (await db.pool.query('SELECT load_seconds, rows_seconds FROM bench_products')).rows[0];
  figures.data = {
    reused: db.reused,
    loadSeconds: stored.load_seconds,
    rowsSeconds: stored.rows_seconds,
    ...(
      await db.pool.query(`SELECT (SELECT count(*)::int FROM products) AS products, (SELECT count(*)::int FROM products_stock) AS "stockRows",
        (SELECT count(DISTINCT word)::int FROM products_words) AS "dictionaryWords"`)
    ).rows[0],
    sizesMb: Object.fromEntries(
      (
        await db.pool.query<{ name: string; mb: number }>(
          `SELECT relname AS name, round(pg_total_relation_size(oid) / 1048576.0)::int AS mb FROM pg_class
          WHERE relname IN ('products', 'products_stock', 'products_words') ORDER BY relname`,
        )
      ).rows.map((r) => [r.name, r.mb]),
    ),
  };
  console.log('data', figures.data);

  const products: Record<string, any> = {};
  const keep = (name: string, concurrency: number, result: Awaited<ReturnType<typeof measure>>, extra: Record<string, unknown> = {}) => {
    products[`${name}@${concurrency}`] = {
      latencyMs: result.latencyMs,
      perSecond: result.throughput,
      cpuMsPerSearch: result.cpuMsPerSearch,
      statuses: result.statuses,
      ...extra,
    };
    console.log(
      `${`${name} @${concurrency}`.padEnd(28)} p50 ${String(result.latencyMs.p50).padStart(8)} ms  p99 ${String(result.latencyMs.p99).padStart(8)} ms  ${String(result.throughput).padStart(7)}/s  CPU ms a search: postgres ${result.cpuMsPerSearch.postgres}, query API ${result.cpuMsPerSearch.queryApi}`,
    );
  };
  for (const [name, make] of Object.entries(shapes)) {
    if (only && !only.has(name)) continue;
    for (const concurrency of clients) {
      const r = seeded(p.seed + concurrency, name);
      const totals: number[] = [];
      const result = await measure(
        concurrency,
        () => `/products/search?${make(r)}`,
        (body) => totals.push(body.total),
      );
      totals.sort((a, b) => a - b);
      keep(name, concurrency, result, { medianTotal: totals[Math.floor(totals.length / 2)], example: `/products/search?${make(r)}` });
    }
  }

  // A later page: the cursor of page `laterPage - 1` of a few 'page 1' queries, asked again and again.
  const rl = seeded(p.seed, 'laterPage');
  const later: string[] = [];
  for (let k = 0; k < (only && !only.has(`page${p.laterPage}`) ? 0 : 6); k++) {
    const base = shapes.page1!(rl);
    let cursor: string | null = null;
    for (let page = 1; page < p.laterPage; page++) {
      const reply: { body: any } = await query.get(`/products/search?${base}${cursor ? `&cursor=${cursor}` : ''}`);
      cursor = reply.body?.next ?? null;
      if (!cursor) break;
    }
    if (cursor) later.push(`/products/search?${base}&cursor=${cursor}`);
  }
  for (const concurrency of later.length > 0 ? clients : []) {
    let n = 0;
    keep(`page${p.laterPage}`, concurrency, await measure(concurrency, () => later[n++ % later.length]!), { queries: later.length });
  }
  figures.products = products;

  // Recall@10 of typo queries: brand and noun with one edit in one of them (the model left out).
  const rr = seeded(p.seed, 'recall');
  const typos = Array.from({ length: only ? 0 : p.recall }, () => typoQuery(rr, rr.int(0, p.products - 1)));
  let found = 0;
  for (const t of typos) {
    const reply = await query.get(`/products/search?q=${encodeURIComponent(t.q)}&pageSize=10`);
    if (reply.body?.items?.some((item: { productId: string }) => item.productId === t.productId)) found++;
  }
  if (typos.length > 0) {
    figures.recallAt10 = { postgres: Math.round((found / typos.length) * 1000) / 1000, queries: typos.length, examples: typos.slice(0, 3) };
    console.log(`recall@10 ${figures.recallAt10.postgres} over ${typos.length} queries`);
  }
  figures.platformMemory = { peakRssMbSampled: sampler.stop(), ...platform.memory() };

  record(
    'products',
    { ...p, database: server.kind, postgres: await serverSettings(db.url) },
    figures,
    [
      "The catalogue is loaded once through the products projection's bulk path (each product's ProductCreated and StockReceived decided by the product and stock deciders, folded with bulk: COPY of new rows, the word dictionary counted, indexes built after) and reused while products/seed are unchanged.",
      'Shapes: through the query API over HTTP with its result cache off, each request drawing its own values; 8 warm-up requests, then up to `requests` or `seconds` per shape and client count.',
      'Recall@10: brand and product noun of a product name, one edit in one of them, model number left out; several products share brand and noun, so the asked product may rank below ten others that match as well.',
    ],
    loadBefore,
  );
} finally {
  await platform.stop();
  await db.pool.end();
  await server.stop();
}
