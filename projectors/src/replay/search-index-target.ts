import type { Pool, PoolClient } from 'pg';
import type { Client } from '@elastic/elasticsearch';
import type { RecordedEvent } from '@stayhub/infra';
import { createCheckpoint, readCheckpoint, resetCheckpoint } from '@stayhub/read-models';
import { productSearchProjection, PRODUCTS } from '@stayhub/read-models/products/pg-projection';
import type { ProductSearchElasticsearch } from '@stayhub/read-models/products/elasticsearch-projection';
import { pgRebuildTarget } from './pg-target.ts';
import type { Comparison, RebuildAdapter, RebuildTarget, RowDifference } from './target.ts';
import { applyExternalBatch } from '../runner/external-runner.ts';
import type { RunnerLog } from '../runner/pg-runner.ts';

type Page = { id: string; source: string }[];

/** Every document of an index in `key` order, a page at a time (`search_after`). */
async function* documentsOf(client: Client, index: string): AsyncGenerator<Page> {
  let after: (string | number)[] | undefined;
  for (;;) {
    const response = await client.search<Record<string, unknown>>(
      { index, size: 1000, sort: [{ key: { order: 'asc' } }], query: { match_all: {} }, ...(after ? { search_after: after } : {}) },
      { ignore: [404] },
    );
    const hits = response.hits?.hits ?? [];
    if (hits.length === 0) return;
    yield hits.map((h) => ({ id: h._id!, source: JSON.stringify(h._source) }));
    after = hits[hits.length - 1]!.sort as (string | number)[];
  }
}

const all = async (client: Client, index: string): Promise<Map<string, string>> => {
  const found = new Map<string, string>();
  for await (const page of documentsOf(client, index)) for (const { id, source } of page) found.set(id, source);
  return found;
};

/**
 * A rebuild of product search into a fresh Elasticsearch index beside the live one, behind the
 * same alias: the index is filled from the events, then the alias swaps to it in one request.
 * Bookkeeping (checkpoint, live target, parked events, the fence on the old target) stays in
 * PostgreSQL, as for the table projections.
 */
export const productIndexRebuildTarget = (pool: Pool, client: Client, projection: ProductSearchElasticsearch, target: string, log: RunnerLog = () => undefined): RebuildTarget => {
  // Events the rebuild parks are its own until the swap (the live ones are the old target's).
  const building = { ...projection, name: target };
  const bookkeeping = pgRebuildTarget(pool, productSearchProjection, target, log);
  return {
    projection: PRODUCTS,
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
      await pgRebuildTarget(pool, productSearchProjection, old, log).drop(old);
    },
    async compare(live: string, sampleLimit: number): Promise<Comparison> {
      const [rebuiltAt, liveAt] = [await readCheckpoint(pool, target), await readCheckpoint(pool, live)];
      const [rebuilt, current] = [await all(client, projection.index(target)), await all(client, projection.index(live))];
      const samples: RowDifference[] = [];
      let differences = 0;
      for (const id of new Set([...rebuilt.keys(), ...current.keys()])) {
        const [r, l] = [rebuilt.get(id), current.get(id)];
        if (r === l) continue;
        differences++;
        if (samples.length < sampleLimit) samples.push({ table: projection.index(target), key: { _id: id }, rebuilt: r && JSON.parse(r), live: l && JSON.parse(l) });
      }
      return { rebuiltAt, liveAt, tables: [{ table: '(index)', rebuiltRows: rebuilt.size, liveRows: current.size, differences }], samples };
    },
  };
};

/** The replay adapter with product search rebuilt as an Elasticsearch index (SEARCH=elasticsearch) and every other projection as `adapter` does. */
export const withProductIndex = (adapter: RebuildAdapter, pool: Pool, search: { client: Client; projection: ProductSearchElasticsearch } | undefined, log?: RunnerLog): RebuildAdapter =>
  search
    ? {
        projections: adapter.projections,
        open: (name, target) => (name === PRODUCTS ? productIndexRebuildTarget(pool, search.client, search.projection, target, log) : adapter.open(name, target)),
      }
    : adapter;
