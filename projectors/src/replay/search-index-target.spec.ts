import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, PostgresEventStore, type EventToAppend, type Pool } from '@stayhub/infra';
import { testDatabaseUrl } from '@stayhub/infra/testing/database';
import { searchClient, type SearchFlavor } from '@stayhub/read-models/listings/search-client';
import { aliasedIndexes } from '@stayhub/read-models/listings/elasticsearch-projection';
import { productSearchElasticsearch } from '@stayhub/read-models/products/elasticsearch-projection';
import { ElasticsearchProductReader } from '@stayhub/read-models/products/elasticsearch';
import { pgProjections } from '../projections.ts';
import { pgRebuildAdapter } from './pg-target.ts';
import { silentProgress } from './progress.ts';
import { rebuild } from './replay.ts';
import { pgEventSource } from './sources.ts';
import { migrateExternalProjections, runExternalProjection } from '../runner/external-runner.ts';
import { liveTarget } from '../runner/pg-runner.ts';
import { withProductIndex } from './search-index-target.ts';

const url = process.env.ELASTICSEARCH_URL;

const product = (productId: string, name: string, price: number): EventToAppend => ({
  eventId: randomUUID(),
  type: 'ProductCreated',
  data: {
    productId, sellerId: 's1', sku: `SKU-${productId}`, name, description: '', category: 'tv', attributes: {}, images: [],
    shipping: { postalPrefixes: ['10'], deliveryDays: 2 }, price: { amount: price, currency: 'EUR' }, at: '2030-01-01T00:00:00.000Z',
  },
});
const received = (productId: string, quantity: number): EventToAppend => ({ eventId: randomUUID(), type: 'StockReceived', data: { sku: `SKU-${productId}`, receiptId: randomUUID(), quantity, at: '2030-01-02T00:00:00.000Z' } });

describe.skipIf(!url)(`replay of product search into a fresh Elasticsearch index${url ? '' : ` (skipped: ${process.env.ELASTICSEARCH_URL_MISSING ?? 'set ELASTICSEARCH_URL'})`}`, () => {
  const client = searchClient(url ?? 'http://127.0.0.1:9200', process.env.ELASTICSEARCH_FLAVOR as SearchFlavor | undefined);
  const alias = `replay-${randomUUID().slice(0, 8)}-products`;
  const projection = productSearchElasticsearch(client, alias, { settings: { replicas: 0 } });
  const reader = new ElasticsearchProductReader(client, alias);
  let pool: Pool;
  let events: PostgresEventStore;
  let live: { stop: AbortController; done: Promise<void> };
  let last = '';
  const append = async (streamId: string, batch: EventToAppend[], expected: 'no_stream' | number) => {
    last = (await events.append(streamId, batch, expected)).position;
  };
  const caughtUp = async () => {
    for (let i = 0; i < 400; i++) {
      const target = await liveTarget(pool, 'products');
      const { rows } = await pool.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1', [target]);
      if ((rows[0]?.position ?? '') >= last) return target;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the live projection did not catch up');
  };
  const replay = (options: { swap?: boolean; verify?: boolean }) =>
    rebuild(
      { pool, events: pgEventSource(pool, events), adapter: withProductIndex(pgRebuildAdapter(pool, pgProjections), pool, { client, projection }), print: () => undefined, progress: () => silentProgress },
      { names: ['products'], batchSize: 2, dropAfterMs: 50, verifyWaitMs: 5_000, ...options },
    );

  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 8);
    events = await PostgresEventStore.create(pool, { pollIntervalMs: 20 });
    await migrateExternalProjections(pool, [projection]);
    const stop = new AbortController();
    live = { stop, done: runExternalProjection(pool, events, projection, stop.signal) };
    await append('stock-SKU-p2', [received('p2', 3)], 'no_stream');
    await append('product-p1', [product('p1', 'Lumen OLED television', 129_900)], 'no_stream');
    await append('product-p2', [product('p2', 'Lumen LED television', 99_900)], 'no_stream');
    await append('stock-SKU-p1', [received('p1', 5)], 'no_stream');
    await caughtUp();
  });
  afterAll(async () => {
    live?.stop.abort();
    await live?.done;
    await client.indices.delete({ index: `${alias}*` }, { ignore: [404] });
    await client.indices.deleteIndexTemplate({ name: `${alias}-template` }, { ignore: [404] });
    await client.close();
    await events?.close();
    await pool?.end();
  });

  it('rebuilds into a new index that verifies equal, swaps the alias to it, drops the old one, and the live projection follows it', async () => {
    const before = await reader.search({ q: 'televison', sort: 'price', page: 1, pageSize: 10 });
    expect(before.items.map((i) => [i.productId, i.available])).toEqual([['p2', 3], ['p1', 5]]);
    const outcome = await replay({ verify: true, swap: true });
    expect(outcome.status).toBe('swapped');
    expect(outcome.comparisons.products!.tables).toEqual([{ table: '(index)', rebuiltRows: 4, liveRows: 4, differences: 0 }]);
    const target = outcome.targets[0]!.target;
    expect(await liveTarget(pool, 'products')).toBe(target);
    expect(await aliasedIndexes(client, alias)).toEqual([projection.index(target)]);
    expect(await reader.search({ q: 'televison', sort: 'price', page: 1, pageSize: 10 })).toEqual(before);
    await new Promise((r) => setTimeout(r, 300)); // the old index goes after the readers' grace
    expect(await client.indices.exists({ index: projection.index('products') })).toBe(false);

    await append('stock-SKU-p1', [received('p1', 1)], 0);
    expect(await caughtUp()).toBe(target);
    expect(await reader.get('p1')).toMatchObject({ stock: { onHand: 6, available: 6 } });
  });
});
