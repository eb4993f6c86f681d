/**
 * Search quality on the same listings in one run: `npm run bench:search-quality` (see bench/README.md).
 *
 * Loads the benchmark marketplace's first `listings` listings into the PostgreSQL search read model
 * (its bulk writer), into an Elasticsearch/OpenSearch index (`ELASTICSEARCH_URL`, or an OpenSearch
 * this script starts) and into `@orama/orama`, then asks each the same typo queries (one typo per
 * word of 4+ letters, one title word left out, words shuffled) and records recall@10, the latency
 * of those searches, whether each answer is in relevance order (every word exactly in the title,
 * then in the title with typos, then elsewhere; ties by rating) and how far the stores' top tens
 * agree. Writes bench/results/search-quality.json.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { inTransaction, createPool } from '@stayhub/event-sourcing';
import { startOpenSearch } from '@stayhub/platform/testing';
import {
  createIndex,
  swapAlias,
  toSearchDocument,
  ElasticsearchListingReader,
  evolveListingDocument,
  type ListingDocument,
  typedMatches,
  PgListingReader,
  searchClient,
  type SearchFlavor,
  createSearchIndexes,
  createSearchTables,
  dropSearchIndexes,
  deletionVariants,
  listingWordGroups,
  oneLetterLonger,
  typedWords,
} from '@stayhub/read-models';
import { params } from './shared/args.ts';
import { benchServer, freshDatabase } from './shared/database.ts';
import { loadMarketplace, marketplaceEvents } from './shared/load-marketplace.ts';
import { buildOrama, oramaSearch } from './shared/orama-peer.ts';
import { record } from './shared/results.ts';
import { seeded, typoQuery } from './shared/search-queries.ts';
import { summarise } from './shared/stats.ts';

const p = params('bench:search-quality', {
  listings: { default: 20_000, help: "listings (the marketplace's first n) held by every store" },
  seed: { default: 12, help: 'data seed (the marketplace of bench:search)' },
  queries: { default: 300, help: 'typo queries asked of every store' },
  peer: { default: true, help: 'ask @orama/orama too' },
});

const loadBefore = loadavg();
const now = new Date().toISOString();
const docs: ListingDocument[] = Array.from(
  { length: p.listings },
  (_, i) => marketplaceEvents(p.seed, i, now).reduce<ListingDocument | undefined>(evolveListingDocument, undefined)!,
);
const byId = new Map(docs.map((d) => [d.listingId, d]));

// The dictionary of the reference order: every word listings have, by its one-deletion variants.
const variants = new Map<string, Set<string>>();
const titleWords = new Map<string, Set<string>>();
for (const doc of docs) {
  const groups = listingWordGroups(doc.details, doc.kind);
  titleWords.set(doc.listingId, new Set(groups.title));
  for (const word of new Set([...groups.title, ...groups.place, ...groups.description])) {
    for (const v of deletionVariants(word)) (variants.get(v) ?? variants.set(v, new Set()).get(v)!).add(word);
  }
}
const near = (typed: string): string[] =>
  [...new Set([...deletionVariants(typed), ...oneLetterLonger(typed)].flatMap((v) => [...(variants.get(v) ?? [])]))].filter((w) => typedMatches(typed, w));
/** The tier our relevance order gives a listing for a query: 0 every known word exactly in the title, 1 each in the title with a typo allowed, 2 elsewhere. */
const tierOf = (q: string, listingId: string): number => {
  const known = typedWords(q)
    .map((typed) => ({ typed, words: near(typed) }))
    .filter((k) => k.words.length > 0);
  const title = titleWords.get(listingId) ?? new Set<string>();
  if (known.every((k) => k.words.includes(k.typed)) && known.every((k) => title.has(k.typed))) return 0;
  return known.every((k) => k.words.some((w) => title.has(w))) ? 1 : 2;
};
const ratingOf = (id: string) => {
  const r = byId.get(id)?.rating;
  return r && r.count > 0 ? r.sum / r.count : -1;
};
/** In relevance order: tiers never go back up, and within a tier ratings never go up. */
const inOrder = (q: string, ids: string[]): boolean =>
  ids.every((id, i) => {
    if (i === 0) return true;
    const [a, b] = [tierOf(q, ids[i - 1]!), tierOf(q, id)];
    return a < b || (a === b && ratingOf(ids[i - 1]!) >= ratingOf(id) - 1e-9);
  });

const rq = seeded(p.seed, 'quality');
const queries = Array.from({ length: p.queries }, () => typoQuery(p.seed, rq, rq.int(0, p.listings - 1)));
type Answer = { ids: string[]; ms: number };
const ask = async (search: (q: string) => Promise<string[]>): Promise<Answer[]> => {
  const answers: Answer[] = [];
  for (const { q } of queries) {
    const started = performance.now();
    const ids = await search(q);
    answers.push({ ids, ms: performance.now() - started });
  }
  return answers;
};
const figuresOf = (answers: Answer[]) => ({
  // The first few queries whose listing is not in the first ten, with where it came (0: not found at all).
  missed: answers
    .map((a, i) => ({ ...queries[i]!, rank: a.ids.indexOf(queries[i]!.listingId) + 1, found: a.ids.length }))
    .filter((m) => m.rank === 0 || m.rank > 10)
    .slice(0, 8),
  recallAt10: Math.round((answers.filter((a, i) => a.ids.slice(0, 10).includes(queries[i]!.listingId)).length / answers.length) * 1000) / 1000,
  inRelevanceOrder: Math.round((answers.filter((a, i) => inOrder(queries[i]!.q, a.ids)).length / answers.length) * 1000) / 1000,
  latencyMs: summarise(answers.map((a) => Math.round(a.ms * 10) / 10)),
});
const agreement = (a: Answer[], b: Answer[]) =>
  Math.round(
    (a.reduce((n, x, i) => n + x.ids.filter((id) => b[i]!.ids.includes(id)).length / Math.max(1, Math.max(x.ids.length, b[i]!.ids.length)), 0) / a.length) *
      1000,
  ) / 1000;

const figures: Record<string, any> = { listings: p.listings, queries: queries.length, examples: queries.slice(0, 5) };

// PostgreSQL: the read model's own bulk writer, then its indexes.
const server = await benchServer();
const db = await freshDatabase(server.adminUrl, `quality${p.listings}`);
const pool = createPool(db.url, 4);
let engine: { stop: () => Promise<void> } | undefined;
try {
  let started = performance.now();
  await inTransaction(pool, (client) => createSearchTables(client, 'listings'));
  await inTransaction(pool, (client) => dropSearchIndexes(client, 'listings'));
  await loadMarketplace(pool, { from: 0, to: p.listings, seed: p.seed, first: '2027-03-01' });
  await inTransaction(pool, (client) => createSearchIndexes(client, 'listings'));
  await pool.query('VACUUM ANALYZE');
  figures.postgresLoadSeconds = Math.round((performance.now() - started) / 100) / 10;
  const pg = new PgListingReader(pool);
  const pgAnswers = await ask(async (q) => (await pg.search({ q, sort: 'relevance', page: 1, pageSize: 10 })).items.map((i) => i.listingId));
  figures.postgres = figuresOf(pgAnswers);
  console.log('postgres', figures.postgres);

  // Elasticsearch (or OpenSearch): the projection's documents, bulk-indexed.
  let url = process.env.ELASTICSEARCH_URL;
  let flavor = process.env.ELASTICSEARCH_FLAVOR as SearchFlavor | undefined;
  if (!url) {
    const started = await startOpenSearch(join(tmpdir(), `stayhub-quality-${process.pid}`));
    engine = started;
    url = started.env.ELASTICSEARCH_URL;
    flavor = 'opensearch';
  }
  const client = searchClient(url!, flavor);
  const alias = `quality-${process.pid}-listings`;
  started = performance.now();
  const index = await createIndex(client, alias, 'listings', { replicas: 0 });
  await swapAlias(client, alias, index);
  for (let i = 0; i < docs.length; i += 1000) {
    const operations = docs.slice(i, i + 1000).flatMap((doc) => [{ index: { _index: index, _id: doc.listingId } }, toSearchDocument(doc)]);
    const response = await client.bulk({ operations, refresh: false });
    if (response.errors) throw new Error(`bulk refused documents: ${JSON.stringify(response.items.find((item) => item.index?.error))}`);
  }
  await client.indices.refresh({ index });
  figures.elasticsearchLoadSeconds = Math.round((performance.now() - started) / 100) / 10;
  figures.elasticsearchServer = (await client.info()).version;
  const es = new ElasticsearchListingReader(client, { alias });
  const esAnswers = await ask(async (q) => (await es.search({ q, sort: 'relevance', page: 1, pageSize: 10 })).items.map((i) => i.listingId));
  figures.elasticsearch = figuresOf(esAnswers);
  figures.topTenAgreementPostgresElasticsearch = agreement(pgAnswers, esAnswers);
  console.log('elasticsearch', figures.elasticsearch, 'agreement with postgres', figures.topTenAgreementPostgresElasticsearch);
  await client.indices.delete({ index }, { ignore: [404] });
  await client.indices.deleteIndexTemplate({ name: `${alias}-template` }, { ignore: [404] });
  await client.close();

  if (p.peer) {
    const orama = await buildOrama(p.seed, p.listings);
    figures.orama = { buildSeconds: Math.round(orama.buildSeconds), heapMb: orama.heapMb };
    const oramaAnswers = await ask(async (q) => (await oramaSearch(orama.db, `q=${encodeURIComponent(q)}&pageSize=10`)!()).hits.map((h) => h.id));
    figures.orama = { ...figures.orama, ...figuresOf(oramaAnswers) };
    console.log('orama', figures.orama);
  }
  record(
    'search-quality',
    { ...p },
    figures,
    [
      'Every store holds the same first `listings` listings of the bench:search marketplace and is asked the same typo queries, one at a time, in process (no HTTP).',
      'inRelevanceOrder: the share of answers whose items never go back to a better tier (0 every known word exactly in the title, 1 each in the title with one typo allowed, 2 elsewhere), nor up in rating within a tier; Orama ranks by BM25 instead, so its figure says how far that is from this order.',
      "topTenAgreement: the mean share of ids two stores have in common in the same query's first ten.",
    ],
    loadBefore,
  );
} finally {
  await pool.end();
  await db.drop();
  await server.stop();
  await engine?.stop();
}
