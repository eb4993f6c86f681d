import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { applyEvents, type Park } from '../projection.ts';
import { searchClient, type SearchFlavor } from '../listings/search-client.ts';
import { ElasticsearchProductReader } from './elasticsearch.ts';
import { productSearchElasticsearch } from './elasticsearch-projection.ts';
import { productSearchProjection } from './pg-projection.ts';
import type { ProductReader, ProductSearchQuery } from './port.ts';
import { PgProductReader } from './postgres.ts';
import { recordedEvents } from '../testing/recorded-events.ts';

/**
 * One product query set, one expected answer per query, every store: PostgreSQL always,
 * Elasticsearch when ELASTICSEARCH_URL is set (the test setup starts an OpenSearch; with CI=true a
 * skip fails the run). Both are fed the same events.
 */
const url = process.env.ELASTICSEARCH_URL;

const event = recordedEvents();

type Spec = {
  id: string;
  name: string;
  description?: string;
  category: string;
  attributes?: Record<string, string | number | boolean>;
  prefixes: string[];
  price: number;
  currency?: string;
  day: number;
  seller?: string;
};
const created = (s: Spec) =>
  event(`product-${s.id}`, 'ProductCreated', {
    productId: s.id,
    sellerId: s.seller ?? 'seller-1',
    sku: `SKU-${s.id}`,
    name: s.name,
    description: s.description ?? '',
    category: s.category,
    attributes: s.attributes ?? {},
    images: [`https://img.example/${s.id}.jpg`],
    shipping: { postalPrefixes: s.prefixes, deliveryDays: 2 },
    price: { amount: s.price, currency: s.currency ?? 'EUR' },
    at: `2030-01-${String(s.day).padStart(2, '0')}T10:00:00.000Z`,
  });
const stock = (id: string, type: string, data: Record<string, unknown>) =>
  event(`stock-SKU-${id}`, type, { sku: `SKU-${id}`, ...data, at: '2030-02-01T00:00:00.000Z' });

const products: Spec[] = [
  {
    id: 'tv',
    name: 'Lumen 55 inch OLED television',
    description: 'Deep blacks',
    category: 'TV',
    attributes: { size: 55, panel: 'OLED' },
    prefixes: ['10', '75 0'],
    price: 129_900,
    day: 1,
  },
  {
    id: 'tv2',
    name: 'Lumen 65 inch LED televisions',
    category: 'TV',
    attributes: { size: 65, panel: 'LED', hdr: true, warranty: 3, finish: 'Crème brûlée' },
    prefixes: ['10'],
    price: 99_900,
    day: 2,
  },
  // The word "television" only in its description: found, after the name matches.
  { id: 'bracket', name: 'Wall bracket', description: 'Holds any television up to 65 inch', category: 'Accessories', prefixes: ['1'], price: 4_900, day: 3 },
  {
    id: 'lamp',
    name: 'Desk lamp 11rab1',
    description: 'Warm light',
    category: 'Lighting',
    attributes: { colour: 'Brass' },
    prefixes: ['75'],
    price: 5_900,
    day: 4,
    seller: 'seller-2',
  },
  {
    id: 'kettle',
    name: 'Steel kettle',
    description: 'Light enough for a lap tray',
    category: 'Kitchen',
    prefixes: ['2'],
    price: 3_900,
    currency: 'GBP',
    day: 5,
  },
  { id: 'old', name: 'Lumen 42 inch television', category: 'TV', prefixes: ['10'], price: 59_900, day: 6 },
];

// The lamp's stock arrives before the lamp itself (another stream: no order between them).
const early = [stock('lamp', 'StockReceived', { receiptId: 'r0', quantity: 4 })];
const events = [
  ...products.map(created),
  stock('tv', 'StockReceived', { receiptId: 'r1', quantity: 5 }),
  stock('tv', 'StockHeld', { holdId: 'o1', quantity: 2, expiresAt: '2030-02-01T00:15:00.000Z' }),
  stock('tv2', 'StockReceived', { receiptId: 'r2', quantity: 1 }),
  stock('tv2', 'StockHeld', { holdId: 'o2', quantity: 1, expiresAt: '2030-02-01T00:15:00.000Z' }),
  stock('lamp', 'StockHeld', { holdId: 'o3', quantity: 1, expiresAt: '2030-02-01T00:15:00.000Z' }),
  event('product-kettle', 'ProductPriceChanged', {
    productId: 'kettle',
    previous: { amount: 3_900, currency: 'GBP' },
    price: { amount: 3_500, currency: 'GBP' },
    at: '2030-02-02T00:00:00.000Z',
  }),
  event('product-old', 'ProductDiscontinued', { productId: 'old', at: '2030-02-02T00:00:00.000Z' }),
];
const history = [...early, ...events];

const base: ProductSearchQuery = { sort: 'relevance', page: 1, pageSize: 20 };
/** Each query with its answer: the ids in order. Newest first by default; a discontinued product is never found. */
const querySet: { name: string; query: Partial<ProductSearchQuery>; ids: string[] }[] = [
  { name: 'everything on sale, newest first', query: {}, ids: ['kettle', 'lamp', 'bracket', 'tv2', 'tv'] },
  { name: 'a typo per word, words in another order', query: { q: 'televsion oeld lumen' }, ids: ['tv'] },
  { name: 'a word left out and a typo: still found', query: { q: 'lamp 11rab1' }, ids: ['lamp'] },
  { name: 'a letter dropped from a 4-letter word is one typo, even when the shorter word exists', query: { q: 'lap 11rab1' }, ids: ['lamp'] },
  { name: 'a word no product has is left out', query: { q: 'desk zzyzx lamp' }, ids: ['lamp'] },
  { name: 'exact name match, then one typo away, then description only', query: { q: 'television' }, ids: ['tv', 'tv2', 'bracket'] },
  { name: 'tiers first, then the asked order', query: { q: 'television', sort: 'price' }, ids: ['tv', 'tv2', 'bracket'] },
  { name: 'a typo: every name match is fuzzy, so newest first among them', query: { q: 'lumin' }, ids: ['tv2', 'tv'] },
  { name: 'a swap of neighbours is one typo', query: { q: 'televisoin' }, ids: ['tv', 'bracket'] },
  { name: 'a 3-letter word: itself first, then the 4-letter words one letter longer', query: { q: 'led' }, ids: ['tv2', 'tv'] },
  { name: 'shorter words must match as typed', query: { q: '55' }, ids: ['tv'] },
  { name: 'an attribute value is a word', query: { q: 'brass' }, ids: ['lamp'] },
  { name: 'category, any case', query: { category: 'tv' }, ids: ['tv2', 'tv'] },
  { name: 'by price', query: { sort: 'price' }, ids: ['kettle', 'bracket', 'lamp', 'tv2', 'tv'] },
  { name: 'price range in a currency', query: { minPrice: 5_000, maxPrice: 100_000, currency: 'EUR', sort: 'price' }, ids: ['lamp', 'tv2'] },
  { name: 'attributes, compared as lower-case text', query: { attributes: { Panel: 'oled', size: '55' } }, ids: ['tv'] },
  { name: 'deliverable to a postal code: a covered prefix, spaces ignored', query: { deliverableTo: '75 012' }, ids: ['lamp', 'tv'] },
  { name: 'deliverable to another code', query: { deliverableTo: '2000' }, ids: ['kettle'] },
  { name: 'deliverable: every covered prefix of the code, of any length', query: { deliverableTo: '10115' }, ids: ['bracket', 'tv2', 'tv'] },
  { name: 'a code shorter than a covered prefix is not covered by it', query: { deliverableTo: '1' }, ids: ['bracket'] },
  { name: "in stock only (the lamp's stock came before the lamp)", query: { inStock: true }, ids: ['lamp', 'tv'] },
  { name: 'text and a text attribute value', query: { q: 'light', attributes: { colour: 'BRASS' } }, ids: ['lamp'] },
  // The kettle has both words in its text ("Light enough for a lap tray"), not as its colour.
  { name: "a word of a product's text is not its attribute value", query: { q: 'light', attributes: { colour: 'tray' } }, ids: [] },
  {
    name: 'text and numbers or true/false as attribute values (no words of them in the text)',
    query: { q: 'lumen', attributes: { hdr: 'TRUE', warranty: '3' } },
    ids: ['tv2'],
  },
  { name: 'text and an attribute value with accents, any case', query: { q: 'inch', attributes: { finish: 'CRÈME BRÛLÉE' } }, ids: ['tv2'] },
  { name: 'text with filters', query: { q: 'lumen', inStock: true, deliverableTo: '10115' }, ids: ['tv'] },
];

const runQuerySet = (reader: () => ProductReader) => {
  it.each(querySet)('$name', async ({ query, ids }) => {
    const result = await reader().search({ ...base, ...query });
    expect(result.items.map((i) => i.productId)).toEqual(ids);
    expect(result).toMatchObject({ total: ids.length, totalText: String(ids.length), next: null });
  });
  it('shows what is available of each SKU', async () => {
    const { items } = await reader().search({ ...base, category: 'tv' });
    expect(items.map(({ productId, available, price }) => ({ productId, available, price }))).toEqual([
      { productId: 'tv2', available: 0, price: { amount: 99_900, currency: 'EUR' } },
      { productId: 'tv', available: 3, price: { amount: 129_900, currency: 'EUR' } },
    ]);
  });
  it.each([
    { name: 'newest', query: {} },
    { name: 'price', query: { sort: 'price' as const } },
    { name: 'relevance tiers', query: { q: 'television' } },
  ])('pages by cursor ($name): the pages together are the whole answer', async ({ query }) => {
    const whole = (await reader().search({ ...base, ...query })).items.map((i) => i.productId);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let n = 0; n < 10; n++) {
      const page = await reader().search({ ...base, ...query, pageSize: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((i) => i.productId));
      if (!page.next) break;
      cursor = page.next;
    }
    expect(seen).toEqual(whole);
  });
  it('pages by number too', async () => {
    const second = await reader().search({ ...base, sort: 'price', page: 2, pageSize: 2 });
    expect(second.items.map((i) => i.productId)).toEqual(['lamp', 'tv2']);
    expect(second.total).toBe(5);
  });
  it("reads one product with its stock, several, and a seller's own", async () => {
    expect(await reader().get('tv')).toMatchObject({
      productId: 'tv',
      name: 'Lumen 55 inch OLED television',
      stock: { onHand: 5, reserved: 2, available: 3, inStock: true },
    });
    expect(await reader().get('old')).toMatchObject({ status: 'discontinued' });
    expect(await reader().get('nope')).toBeUndefined();
    expect((await reader().many(['kettle', 'nope', 'lamp'])).map((p) => [p.productId, p.price.amount, p.available]).sort()).toEqual([
      ['kettle', 3_500, 0],
      ['lamp', 5_900, 3],
    ]);
    const own = await reader().bySeller('seller-1', { page: 1, pageSize: 3 });
    expect(own.items.map((p) => p.productId)).toEqual(['old', 'kettle', 'bracket']);
    expect(own.hasMore).toBe(true);
  });
};

describe('product search parity: PostgreSQL', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 4);
    await inTransaction(pool, (client) => productSearchProjection.migrate(client, 'products'));
    for (const e of history) await inTransaction(pool, (client) => applyEvents(client, productSearchProjection, [e], 'products'));
  });
  afterAll(async () => {
    await pool?.end();
  });
  runQuerySet(() => new PgProductReader(pool));

  describe('with the statistics that make a page of common words come from the order index first', () => {
    beforeAll(async () => {
      await pool.query('ANALYZE products');
      const { rows } = await pool.query(`SELECT reltuples FROM pg_class WHERE oid = 'products'::regclass`);
      expect(rows[0].reltuples).toBeGreaterThan(0);
    });
    runQuerySet(() => new PgProductReader(pool));
    it.each(['lumen', 'television', 'lumen televison', 'lamp'])('pages "%s" one product at a time, by cursor and by number, as the whole answer', async (q) => {
      const reader = new PgProductReader(pool);
      const whole = (await reader.search({ ...base, q })).items.map((i) => i.productId);
      const byCursor: string[] = [];
      const byNumber: string[] = [];
      let cursor: string | undefined;
      for (let n = 1; n <= 10; n++) {
        const page = await reader.search({ ...base, q, pageSize: 1, ...(cursor ? { cursor } : {}) });
        byCursor.push(...page.items.map((i) => i.productId));
        byNumber.push(...(await reader.search({ ...base, q, pageSize: 1, page: n })).items.map((i) => i.productId));
        if (!page.next) break;
        cursor = page.next;
      }
      expect(byCursor).toEqual(whole);
      expect(byNumber).toEqual(whole);
    });
  });
});

describe.skipIf(!url)(
  `product search parity: Elasticsearch${url ? '' : ` (skipped: ${process.env.ELASTICSEARCH_URL_MISSING ?? 'set ELASTICSEARCH_URL'})`}`,
  () => {
    const client = searchClient(url ?? 'http://127.0.0.1:9200', process.env.ELASTICSEARCH_FLAVOR as SearchFlavor | undefined);
    const alias = `parity-${randomUUID().slice(0, 8)}-products`;
    const projection = productSearchElasticsearch(client, alias, { settings: { replicas: 0 } });
    const park: Park = async (_event, error) => {
      throw error;
    };
    const reader = new ElasticsearchProductReader(client, alias);
    const versions = async () => {
      const { hits } = await client.search({ index: alias, size: 100, seq_no_primary_term: true, query: { match_all: {} } });
      return Object.fromEntries(hits.hits.map((h) => [h._id, h._seq_no]));
    };
    beforeAll(async () => {
      await projection.prepare('products');
      await projection.applyBatch(early, 'products', park);
      // Half the history in one batch, the rest event by event.
      const half = Math.floor(events.length / 2);
      await projection.applyBatch(events.slice(0, half), 'products', park);
      for (const e of events.slice(half)) await projection.applyBatch([e], 'products', park);
    });
    afterAll(async () => {
      await client.indices.delete({ index: projection.index('products') }, { ignore: [404] });
      await client.indices.deleteIndexTemplate({ name: `${alias}-template` }, { ignore: [404] });
      await client.close();
    });
    runQuerySet(() => reader);
    it('writes nothing when the same events come again, in one batch or one by one', async () => {
      const before = await versions();
      await projection.applyBatch(history, 'products', park);
      for (const e of history) await projection.applyBatch([e], 'products', park);
      expect(await versions()).toEqual(before);
    });
  },
);
