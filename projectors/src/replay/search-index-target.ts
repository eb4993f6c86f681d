import type { Pool, PoolClient } from 'pg';
import type { Client } from '@elastic/elasticsearch';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import {
  createCheckpoint,
  readCheckpoint,
  resetCheckpoint,
  type ExternalProjection,
  type PgProjection,
  listingSearchProjection,
  productSearchProjection,
} from '@stayhub/read-models';
import { pgRebuildTarget } from './pg-target.ts';
import type { Comparison, RebuildAdapter, RebuildTarget, RowDifference } from './target.ts';
import { applyExternalBatch } from '../runner/external-runner.ts';
import type { RunnerLog } from '../runner/pg-runner.ts';

type Page = { id: string; source: string }[];

/** A search projection kept in Elasticsearch indexes behind an alias, one index per target. */
export type SearchIndexProjection = ExternalProjection & {
  index(target: string): string;
  /** Creates the target's index without moving the alias; `true` when it existed. */
  create(target: string): Promise<boolean>;
  /** Points the alias at the target's index. */
  swap(target: string): Promise<string[]>;
};

/** The PostgreSQL projection each search index stands in for (its bookkeeping), and the keyword its documents are unique and sorted by. */
const searchIndexes: Record<string, { pg: PgProjection; key: string }> = {
  listings: { pg: listingSearchProjection, key: 'listingId' },
  products: { pg: productSearchProjection, key: 'key' },
};

/** Every document of an index in `key` order, a page at a time (`search_after`). */
async function* documentsOf(client: Client, index: string, key: string): AsyncGenerator<Page> {
  let after: (string | number)[] | undefined;
  for (;;) {
    const response = await client.search<Record<string, unknown>>(
      { index, size: 1000, sort: [{ [key]: { order: 'asc' } }], query: { match_all: {} }, ...(after ? { search_after: after } : {}) },
      { ignore: [404] },
    );
    const hits = response.hits?.hits ?? [];
    if (hits.length === 0) return;
    yield hits.map((h) => ({ id: h._id!, source: JSON.stringify(h._source) }));
    after = hits[hits.length - 1]!.sort as (string | number)[];
  }
}

const all = async (client: Client, index: string, key: string): Promise<Map<string, string>> => {
  const found = new Map<string, string>();
  for await (const page of documentsOf(client, index, key)) for (const { id, source } of page) found.set(id, source);
  return found;
};

/**
 * A rebuild of a search projection (listings, products) into a fresh Elasticsearch index beside
 * the live one, behind the same alias: the index is filled from the events, then the alias swaps
 * to it in one request. Bookkeeping (checkpoint, live target, parked events, the fence on the old
 * target) stays in PostgreSQL, as for the table projections.
 */
const searchIndexRebuildTarget = (
  pool: Pool,
  client: Client,
  projection: SearchIndexProjection,
  target: string,
  log: RunnerLog = () => undefined,
): RebuildTarget => {
  const { pg, key } = searchIndexes[projection.name]!;
  // Events the rebuild parks are its own until the swap (the live ones are the old target's).
  const building = { ...projection, name: target };
  const bookkeeping = pgRebuildTarget(pool, pg, target, log);
  return {
    projection: projection.name,
    target,
    async create(from: string) {
      const created = await createCheckpoint(pool, target, from);
      const existed = await projection.create(target);
      if (created && existed) {
        // A fresh rebuild must not inherit documents (and their revision guards) left in this index.
        await projection.drop(target);
        await projection.create(target);
      } else if (!created && !existed) {
        // Resuming, but the index is gone: start over.
        await resetCheckpoint(pool, target);
      }
    },
    apply: (events: RecordedEvent[]) => applyExternalBatch(pool, building, target, events, log),
    checkpoint: () => readCheckpoint(pool, target),
    async swap(tx: PoolClient) {
      const previous = await bookkeeping.swap(tx);
      // Last before the commit: readers move to the rebuilt index with the live target.
      await projection.swap(target);
      return previous;
    },
    async drop(old: string) {
      await projection.drop(old);
      await pgRebuildTarget(pool, pg, old, log).drop(old);
    },
    async compare(live: string, sampleLimit: number): Promise<Comparison> {
      const [rebuiltAt, liveAt] = [await readCheckpoint(pool, target), await readCheckpoint(pool, live)];
      const [rebuilt, current] = [await all(client, projection.index(target), key), await all(client, projection.index(live), key)];
      const samples: RowDifference[] = [];
      let differences = 0;
      for (const id of new Set([...rebuilt.keys(), ...current.keys()])) {
        const [r, l] = [rebuilt.get(id), current.get(id)];
        if (r === l) continue;
        differences++;
        if (samples.length < sampleLimit)
          samples.push({ table: projection.index(target), key: { _id: id }, rebuilt: r && JSON.parse(r), live: l && JSON.parse(l) });
      }
      return { rebuiltAt, liveAt, tables: [{ table: '(index)', rebuiltRows: rebuilt.size, liveRows: current.size, differences }], samples };
    },
  };
};

/** The replay adapter with the search projections rebuilt as Elasticsearch indexes (SEARCH=elasticsearch) and every other projection as `adapter` does. */
export const withSearchIndexes = (
  adapter: RebuildAdapter,
  pool: Pool,
  search: { client: Client; projections: readonly SearchIndexProjection[] } | undefined,
  log?: RunnerLog,
): RebuildAdapter => {
  if (!search) return adapter;
  for (const projection of search.projections) if (!searchIndexes[projection.name]) throw new Error(`No search index rebuild for ${projection.name}`);
  return {
    projections: adapter.projections,
    open: (name, target) => {
      const projection = search.projections.find((p) => p.name === name);
      return projection ? searchIndexRebuildTarget(pool, search.client, projection, target, log) : adapter.open(name, target);
    },
  };
};
