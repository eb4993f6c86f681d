import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, PostgresEventStore, type EventToAppend, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import {
  searchClient,
  type SearchFlavor,
  aliasedIndexes,
  listingSearchElasticsearch,
  ElasticsearchListingReader,
  productSearchElasticsearch,
  ElasticsearchProductReader,
} from '@stayhub/read-models';
import { pgProjections } from '../projections.ts';
import { pgRebuildAdapter } from './pg-target.ts';
import { silentProgress } from './progress.ts';
import { rebuild } from './replay.ts';
import { pgEventSource } from './sources.ts';
import { migrateExternalProjections, runExternalProjection } from '../runner/external-runner.ts';
import { liveTarget } from '../runner/pg-runner.ts';
import { withSearchIndexes } from './search-index-target.ts';

const url = process.env.ELASTICSEARCH_URL;

const product = (productId: string, name: string, price: number): EventToAppend => ({
  eventId: randomUUID(),
  type: 'ProductCreated',
  data: {
    productId,
    sellerId: 's1',
    sku: `SKU-${productId}`,
    name,
    description: '',
    category: 'tv',
    attributes: {},
    images: [],
    shipping: { postalPrefixes: ['10'], deliveryDays: 2 },
    price: { amount: price, currency: 'EUR' },
    at: '2030-01-01T00:00:00.000Z',
  },
});
const details = {
  title: 'Canal house',
  description: 'By the water',
  photos: [],
  location: { lat: 52.37, lon: 4.89, city: 'Amsterdam', country: 'NL', timeZone: 'Europe/Amsterdam' },
  amenities: [],
  currency: 'EUR',
  unitTypes: [{ unitTypeId: 'u1', name: 'Room', count: 1, capacity: 2, price: { amount: 10_000, currency: 'EUR' } }],
};
const listing = (type: 'ListingCreated' | 'ListingPublished'): EventToAppend => ({
  eventId: randomUUID(),
  type,
  data: { listingId: 'l1', hostId: 'h1', kind: 'rental', details, at: '2030-01-01T00:00:00.000Z' },
});
const received = (productId: string, quantity: number): EventToAppend => ({
  eventId: randomUUID(),
  type: 'StockReceived',
  data: { sku: `SKU-${productId}`, receiptId: randomUUID(), quantity, at: '2030-01-02T00:00:00.000Z' },
});

describe.skipIf(!url)(
  `replay of listing and product search into fresh Elasticsearch indexes${url ? '' : ` (skipped: ${process.env.ELASTICSEARCH_URL_MISSING ?? 'set ELASTICSEARCH_URL'})`}`,
  () => {
    const client = searchClient(url ?? 'http://127.0.0.1:9200', process.env.ELASTICSEARCH_FLAVOR as SearchFlavor | undefined);
    const alias = `replay-${randomUUID().slice(0, 8)}-products`;
    const listingsAlias = alias.replace(/products$/, 'listings');
    const projection = productSearchElasticsearch(client, alias, { settings: { replicas: 0 } });
    const listings = listingSearchElasticsearch(client, listingsAlias, { settings: { replicas: 0 } });
    const reader = new ElasticsearchProductReader(client, alias);
    const listingReader = new ElasticsearchListingReader(client, { alias: listingsAlias });
    let pool: Pool;
    let events: PostgresEventStore;
    let live: { stop: AbortController; done: Promise<void> };
    let last = '';
    const append = async (streamId: string, batch: EventToAppend[], expected: 'no_stream' | number) => {
      last = (await events.append(streamId, batch, expected)).position;
    };
    const caughtUp = async (name = 'products') => {
      for (let i = 0; i < 400; i++) {
        const target = await liveTarget(pool, name);
        const { rows } = await pool.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1', [target]);
        if ((rows[0]?.position ?? '') >= last) return target;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('the live projection did not catch up');
    };
    const replay = (options: { swap?: boolean; verify?: boolean; names?: string[] }) =>
      rebuild(
        {
          pool,
          events: pgEventSource(pool),
          adapter: withSearchIndexes(pgRebuildAdapter(pool, pgProjections), pool, { client, projections: [listings, projection] }),
          print: () => undefined,
          progress: () => silentProgress,
        },
        { names: ['products'], batchSize: 2, dropAfterMs: 50, verifyWaitMs: 5_000, ...options },
      );

    beforeAll(async () => {
      pool = createPool(await testDatabaseUrl(), 8);
      events = await PostgresEventStore.create(pool, { pollIntervalMs: 20 });
      await migrateExternalProjections(pool, [projection, listings]);
      const stop = new AbortController();
      const running = [runExternalProjection(pool, events, projection, stop.signal), runExternalProjection(pool, events, listings, stop.signal)];
      live = { stop, done: Promise.all(running).then(() => undefined) };
      await append('listing-l1', [listing('ListingCreated'), listing('ListingPublished')], 'no_stream');
      await append('stock-SKU-p2', [received('p2', 3)], 'no_stream');
      await append('product-p1', [product('p1', 'Lumen OLED television', 129_900)], 'no_stream');
      await append('product-p2', [product('p2', 'Lumen LED television', 99_900)], 'no_stream');
      await append('stock-SKU-p1', [received('p1', 5)], 'no_stream');
      await caughtUp();
      await caughtUp('listings');
    });
    afterAll(async () => {
      live?.stop.abort();
      await live?.done;
      for (const name of [alias, listingsAlias]) {
        await client.indices.delete({ index: `${name}*` }, { ignore: [404] });
        await client.indices.deleteIndexTemplate({ name: `${name}-template` }, { ignore: [404] });
      }
      await client.close();
      await events?.close();
      await pool?.end();
    });

    it('rebuilds into a new index that verifies equal, swaps the alias to it, drops the old one, and the live projection follows it', async () => {
      const before = await reader.search({ q: 'televison', sort: 'price', page: 1, pageSize: 10 });
      expect(before.items.map((i) => [i.productId, i.available])).toEqual([
        ['p2', 3],
        ['p1', 5],
      ]);
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

    it('rebuilds the listing index the same way', async () => {
      const before = await listingReader.search({ q: 'canl', sort: 'relevance', page: 1, pageSize: 10 });
      expect(before.items.map((i) => i.listingId)).toEqual(['l1']);
      const outcome = await replay({ verify: true, swap: true, names: ['listings'] });
      expect(outcome.status).toBe('swapped');
      expect(outcome.comparisons.listings!.tables).toEqual([{ table: '(index)', rebuiltRows: 1, liveRows: 1, differences: 0 }]);
      const target = outcome.targets[0]!.target;
      expect(await aliasedIndexes(client, listingsAlias)).toEqual([listings.index(target)]);
      expect(await listingReader.search({ q: 'canl', sort: 'relevance', page: 1, pageSize: 10 })).toEqual(before);
    });
  },
);
