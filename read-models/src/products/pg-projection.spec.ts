import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { productSearchProjection, productTables } from './pg-projection.ts';
import { applyEvents } from '../projection.ts';
import { describeProjection, recorded as specRecorded } from '../testing/projection-spec.ts';

const at = '2030-01-01T10:00:00.000Z';
let position = 0;
const recorded = (streamId: string, streamRevision: number, type: string, data: Record<string, unknown>): RecordedEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 1,
  streamId,
  streamRevision,
  globalPosition: String(++position).padStart(20, '0'),
  occurredAt: at,
  data: { ...data, at },
  metadata: {},
});

const product = (revision: number, type: string, data: Record<string, unknown>) => recorded('product-p1', revision, type, { productId: 'p1', ...data });
const stock = (revision: number, type: string, data: Record<string, unknown>) => recorded('stock-TV-55', revision, type, { sku: 'TV-55', ...data });

const created = product(0, 'ProductCreated', {
  sellerId: 's1',
  sku: 'TV-55',
  name: 'Lumen 55" OLED television',
  description: 'Deep blacks',
  category: 'TV',
  attributes: { size: 55, panel: 'OLED' },
  images: ['https://img.example.com/tv.jpg'],
  shipping: { postalPrefixes: ['10', '75 0'], deliveryDays: 3 },
  price: { amount: 129_900, currency: 'EUR' },
});

describe('product search projection', () => {
  let pool: Pool;
  const target = 'products';
  const t = productTables(target);
  const rows = async () => ({
    product: (await pool.query(`SELECT * FROM ${t.products} WHERE product_id = 'p1'`)).rows,
    stock: (await pool.query(`SELECT * FROM ${t.stock} WHERE sku = 'TV-55'`)).rows,
  });
  const words = async () =>
    (await pool.query<{ word: string; products: number }>(`SELECT DISTINCT word, products FROM ${t.words} ORDER BY word`)).rows.map((r) => [
      r.word,
      r.products,
    ]);
  const apply = (event: RecordedEvent) => inTransaction(pool, (client) => applyEvents(client, productSearchProjection, [event], target));

  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 4);
    await inTransaction(pool, (client) => productSearchProjection.migrate(client, target));
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('gets the same rows when every event is delivered twice', async () => {
    const history = [
      created,
      product(1, 'ProductPriceChanged', { previous: { amount: 129_900, currency: 'EUR' }, price: { amount: 119_900, currency: 'EUR' } }),
      product(2, 'ProductUpdated', { changes: { name: 'Lumen 55" OLED TV', attributes: { size: 55, panel: 'OLED', hdr: true } } }),
      stock(0, 'StockReceived', { receiptId: 'r1', quantity: 10 }),
      stock(1, 'StockHeld', { holdId: 'o1', quantity: 3, expiresAt: at }),
      stock(2, 'StockHeld', { holdId: 'o2', quantity: 2, expiresAt: at }),
      stock(3, 'StockHoldConfirmed', { holdId: 'o1', quantity: 3 }),
      stock(4, 'StockReleased', { holdId: 'o2', quantity: 2, reason: 'expired' }),
    ];
    for (const event of history) {
      await apply(event);
      const once = await rows();
      await apply(event);
      expect(await rows()).toEqual(once);
    }
    const {
      product: [row],
      stock: [level],
    } = await rows();
    expect(row).toMatchObject({
      sku: 'TV-55',
      status: 'active',
      name: 'Lumen 55" OLED TV',
      category: 'tv',
      price: 119_900,
      currency: 'EUR',
      attributes: { size: '55', panel: 'oled', hdr: 'true' },
      postal_prefixes: ['10', '750'],
    });
    expect(row.doc.revision).toBe(2);
    expect(level).toMatchObject({ on_hand: 7, reserved: 0 });
    // The dictionary counts each word of a product on sale once, however often its events came.
    expect(await words()).toEqual([
      ['55', 1],
      ['blacks', 1],
      ['deep', 1],
      ['lumen', 1],
      ['oled', 1],
      ['tv', 1],
    ]);
  });

  it('ignores an event older than what the row already shows', async () => {
    await apply(product(3, 'ProductDiscontinued', {}));
    await apply(product(1, 'ProductPriceChanged', { previous: { amount: 119_900, currency: 'EUR' }, price: { amount: 1, currency: 'EUR' } }));
    const {
      product: [row],
    } = await rows();
    expect(row).toMatchObject({ status: 'discontinued', price: 119_900 });
    // Off sale, its words leave the dictionary: a typed word only they had is left out of a search.
    expect(await words()).toEqual([]);
  });
});

describe('product search projection, on tables made before products were found by words', () => {
  it('gives each row its word vector and the dictionary its words once, from the stored document', async () => {
    const pool = createPool(await testDatabaseUrl(), 2);
    try {
      const target = 'products_before_words';
      const t = productTables(target);
      const doc = { ...(created.data as Record<string, unknown>), status: 'active', revision: 0, createdAt: at, updatedAt: at };
      await pool.query(`CREATE TABLE ${t.products} (product_id text PRIMARY KEY, seller_id text NOT NULL, sku text NOT NULL, status text NOT NULL, name text NOT NULL,
        category text NOT NULL, currency text NOT NULL, price bigint NOT NULL, attributes jsonb NOT NULL DEFAULT '{}', postal_prefixes text[] NOT NULL DEFAULT '{}',
        delivery_days int NOT NULL, search_text text NOT NULL DEFAULT '', doc jsonb NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`);
      await pool.query(`INSERT INTO ${t.products} VALUES ('p1', 's1', 'TV-55', 'active', 'x', 'tv', 'EUR', 129900, '{}', '{}', 3, 'x', $1, $2, $2)`, [
        JSON.stringify(doc),
        at,
      ]);
      await inTransaction(pool, (client) => productSearchProjection.migrate(client, target));
      const { rows } = await pool.query(`SELECT words::text AS words FROM ${t.products}`);
      expect(rows[0].words).toContain(`'lumen':1A`);
      const { rows: words } = await pool.query(`SELECT DISTINCT word FROM ${t.words} ORDER BY word`);
      expect(words.map((r) => r.word)).toEqual(['55', 'blacks', 'deep', 'lumen', 'oled', 'television', 'tv']);
      // The facet counts too, from the rows.
      expect((await pool.query(`SELECT facet, products FROM ${t.facets}`)).rows).toEqual([{ facet: 'category:tv', products: 1 }]);
      // Migrating again changes nothing.
      await inTransaction(pool, (client) => productSearchProjection.migrate(client, target));
      expect((await pool.query(`SELECT facet, products FROM ${t.facets}`)).rows).toEqual([{ facet: 'category:tv', products: 1 }]);
      expect((await pool.query(`SELECT count(*)::int AS n FROM ${t.words} WHERE word = 'lumen'`)).rows[0].n).toBe(deletionVariantsOf('lumen'));
    } finally {
      await pool.end();
    }
  });
});

describe('product search projection, a bulk load staging its words', () => {
  it('sums the staged counts into a dictionary that already has words, as one by one', async () => {
    const pool = createPool(await testDatabaseUrl(), 2);
    const run = randomUUID().slice(0, 6);
    const [bulk, oneByOne] = [`products_staged_${run}`, `products_one_${run}`];
    const lamp = recorded('product-p2', 0, 'ProductCreated', {
      ...(created.data as Record<string, unknown>),
      productId: 'p2',
      sku: 'L-1',
      name: 'Lumen desk lamp',
    });
    const history = [
      lamp,
      created,
      recorded('product-p2', 1, 'ProductDiscontinued', { productId: 'p2' }),
      recorded('product-p1', 1, 'ProductUpdated', { productId: 'p1', changes: { name: 'Nova OLED panel' } }),
    ];
    const dictionary = async (target: string) =>
      (await pool.query(`SELECT variant, word, products FROM ${productTables(target).words} ORDER BY variant, word`)).rows;
    try {
      await inTransaction(pool, async (client) => {
        await productSearchProjection.migrate(client, oneByOne);
        await productSearchProjection.migrate(client, bulk, { indexes: false });
      });
      for (const event of history) await inTransaction(pool, (client) => applyEvents(client, productSearchProjection, [event], oneByOne));
      // The first event written live (a rebuild begun before words were staged), the rest staged.
      await inTransaction(pool, (client) => applyEvents(client, productSearchProjection, [history[0]!], bulk));
      for (const page of [history.slice(1, 2), history.slice(2)])
        await inTransaction(pool, await productSearchProjection.fold(pool, page, bulk, { bulk: true }));
      await inTransaction(pool, (client) => productSearchProjection.index(client, bulk));
      const words = await dictionary(bulk);
      expect(words).toEqual(await dictionary(oneByOne));
      expect(words.map((r) => r.word)).toContain('nova');
      expect(words.map((r) => r.word)).not.toContain('desk');
      expect((await pool.query(`SELECT to_regclass($1) AS staged`, [productTables(bulk).stagedWords])).rows[0].staged).toBeNull();
    } finally {
      await inTransaction(pool, async (client) => {
        await productSearchProjection.drop(client, bulk);
        await productSearchProjection.drop(client, oneByOne);
      });
      await pool.end();
    }
  });
});

const deletionVariantsOf = (word: string) => new Set([word, ...[...word].map((_, i) => word.slice(0, i) + word.slice(i + 1))]).size;

const tv = created.data as Record<string, unknown>;
const sku = (events: { type: string; data: Record<string, unknown> }[], from = 0) =>
  specRecorded(
    'stock-LAMP',
    events.map((e) => ({ type: e.type, data: { sku: 'LAMP', ...e.data, at } })),
    from,
  );

describeProjection('product search projection, batched', {
  projection: productSearchProjection,
  tables: (target) => {
    const t = productTables(target);
    return [t.products, t.stock, t.words, t.facets];
  },
  guardedByRevision: true,
  cases: [
    {
      name: 'a product and its stock, received and held in one batch',
      when: [
        ...specRecorded('product-p9', [{ type: 'ProductCreated', data: { ...tv, productId: 'p9', sku: 'LAMP', at } }]),
        ...sku([
          { type: 'StockReceived', data: { quantity: 5 } },
          { type: 'StockHeld', data: { orderId: 'o1', quantity: 2 } },
        ]),
      ],
      then: (rows, [products, stockTable]) => {
        expect(rows[products!]![0]).toMatchObject({ product_id: 'p9', sku: 'LAMP', price: 129_900 });
        expect(rows[stockTable!]![0]).toMatchObject({ sku: 'LAMP', on_hand: 5, reserved: 2 });
      },
    },
    {
      // A bulk load counts words per page and sums them after the load: a word a later page takes
      // off (renamed, off sale) must leave the dictionary as it does one by one.
      name: 'products renamed and taken off sale in a later page than they were created in',
      given: [
        ...specRecorded('product-p7', [{ type: 'ProductCreated', data: { ...tv, productId: 'p7', sku: 'P7', at } }]),
        ...specRecorded('product-p8', [{ type: 'ProductCreated', data: { ...tv, productId: 'p8', sku: 'P8', name: 'Lumen radio', at } }]),
      ],
      when: [
        ...specRecorded('product-p7', [{ type: 'ProductUpdated', data: { productId: 'p7', changes: { name: 'Nova 55" OLED panel' }, at } }], 1),
        ...specRecorded('product-p8', [{ type: 'ProductDiscontinued', data: { productId: 'p8', at } }], 1),
      ],
      then: (rows, [, , words]) => {
        const counts = Object.fromEntries((rows[words!] as { word: string; products: number }[]).map((r) => [r.word, r.products]));
        // 'lumen' and 'radio' only p8 (off sale) and p7's old name had; 'television' only p7's old name.
        expect(counts).toMatchObject({ nova: 1, panel: 1, oled: 1, p7: 1 });
        expect(Object.keys(counts)).not.toContain('lumen');
        expect(Object.keys(counts)).not.toContain('radio');
        expect(Object.keys(counts)).not.toContain('television');
        expect(Object.keys(counts)).not.toContain('p8');
      },
    },
    {
      // Counted per facet as the words are: what a search of one category or one delivery area bounds its total by.
      name: 'products counted under their category and covered postal prefixes while on sale',
      given: [
        ...specRecorded('product-p5', [{ type: 'ProductCreated', data: { ...tv, productId: 'p5', sku: 'P5', at } }]),
        ...specRecorded('product-p6', [
          { type: 'ProductCreated', data: { ...tv, productId: 'p6', sku: 'P6', shipping: { postalPrefixes: ['75', '75'], deliveryDays: 1 }, at } },
        ]),
      ],
      when: [
        ...specRecorded('product-p5', [{ type: 'ProductUpdated', data: { productId: 'p5', changes: { category: 'Audio' }, at } }], 1),
        ...specRecorded('product-p6', [{ type: 'ProductDiscontinued', data: { productId: 'p6', at } }], 1),
        ...specRecorded('product-p4', [
          { type: 'ProductCreated', data: { ...tv, productId: 'p4', sku: 'P4', shipping: { postalPrefixes: ['75 0', '10'], deliveryDays: 1 }, at } },
        ]),
      ],
      then: (rows, [, , , facets]) => {
        const counts = Object.fromEntries((rows[facets!] as { facet: string; products: number }[]).map((r) => [r.facet, r.products]));
        // p6 off sale, p5 moved to audio; a prefix listed twice counts its product once.
        expect(counts).toEqual({ 'category:audio': 1, 'category:tv': 1, 'postal:10': 2, 'postal:750': 2 });
      },
    },
  ],
});
