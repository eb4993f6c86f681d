import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { recordedEvents } from '../testing/recorded-events.ts';
import { productSearchProjection, productTables } from './pg-projection.ts';
import type { ProductSearchQuery } from './port.ts';
import { PgProductReader } from './postgres.ts';

/**
 * Totals past the bound (1,000): a search of one category, one delivery area or one word is told
 * "1,000+" by the counts the projection keeps, text with filters by its words as typed first; each
 * total is what counting every match gives (`expected`), on either side of the bound.
 */
const event = recordedEvents();
const product = (id: string, name: string, category: string, prefixes: string[], colour: string) =>
  event(`product-${id}`, 'ProductCreated', {
    productId: id,
    sellerId: 'seller-1',
    sku: `SKU-${id}`,
    name,
    description: '',
    category,
    attributes: { colour },
    images: [],
    shipping: { postalPrefixes: prefixes, deliveryDays: 2 },
    price: { amount: 1_000, currency: 'EUR' },
    at: '2030-01-01T10:00:00.000Z',
  });

// 1,050 desk lamps (the bound passed), and a few garden lamps and lambs ("lamb" is one typo from "lamp").
const history = [
  ...Array.from({ length: 1_050 }, (_, i) => product(`lamp-${i}`, 'Nova desk lamp', 'Lighting', ['75'], 'Brass')),
  ...Array.from({ length: 4 }, (_, i) => product(`garden-${i}`, 'Garden lamp', 'Garden', ['12'], 'Green')),
  ...Array.from({ length: 2 }, (_, i) => product(`lamb-${i}`, 'Garden lamb', 'Garden', ['12 3'], 'Green')),
];

describe('product search on PostgreSQL, totals past the bound', () => {
  let pool: Pool;
  const t = productTables('products');
  const base: ProductSearchQuery = { sort: 'relevance', page: 1, pageSize: 20 };

  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 4);
    // Loaded as a rebuild loads (the facets counted in `index`), then analysed: the dictionary's shares need the table's size.
    await inTransaction(pool, (client) => productSearchProjection.migrate(client, 'products', { indexes: false }));
    await inTransaction(pool, await productSearchProjection.fold(pool, history, 'products', { bulk: true }));
    await inTransaction(pool, (client) => productSearchProjection.index(client, 'products'));
    await pool.query('ANALYZE');
  });
  afterAll(async () => {
    await pool?.end();
  });

  const expected = async (where: string) => {
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.products} p WHERE p.status = 'active' AND ${where}`);
    const n = rows[0]!.n;
    return n > 1_000 ? { total: 1_000, totalText: '1,000+' } : { total: n, totalText: String(n) };
  };

  it.each([
    { name: 'one category past the bound', query: { category: 'LIGHTING' }, where: `category = 'lighting'`, text: '1,000+' },
    { name: 'one category under it', query: { category: 'garden' }, where: `category = 'garden'`, text: '6' },
    { name: 'one delivery area past the bound', query: { deliverableTo: '75011' }, where: `postal_prefixes && '{75}'`, text: '1,000+' },
    { name: 'one delivery area under it, prefixes of any length', query: { deliverableTo: '12 345' }, where: `postal_prefixes && '{12,123}'`, text: '6' },
    { name: 'one word', query: { q: 'lamp' }, where: `words @@ 'lamp | lamb'`, text: '1,000+' },
    {
      name: 'a word and a category, past the bound as typed',
      query: { q: 'lamp', category: 'lighting' },
      where: `words @@ 'lamp | lamb' AND category = 'lighting'`,
      text: '1,000+',
    },
    // As typed, 4 garden lamps: every match counted then, the lambs too.
    { name: 'a word and a category, under it', query: { q: 'lamp', category: 'garden' }, where: `words @@ 'lamp | lamb' AND category = 'garden'`, text: '6' },
    {
      name: 'a word and a text value',
      query: { q: 'lamp', attributes: { colour: 'brass' } },
      where: `words @@ 'lamp | lamb' AND attributes @> '{"colour":"brass"}'`,
      text: '1,000+',
    },
  ])('$name: $text', async ({ query, where, text }) => {
    const result = await new PgProductReader(pool).search({ ...base, ...query });
    expect(result).toMatchObject(await expected(where));
    expect(result.totalText).toBe(text);
    expect(result.items).toHaveLength(Math.min(20, result.total));
  });

  it('counts each product on sale once under its category and each covered prefix, after a bulk load', async () => {
    const { rows } = await pool.query(`SELECT facet, products FROM ${t.facets} ORDER BY facet`);
    expect(rows).toEqual([
      { facet: 'category:garden', products: 6 },
      { facet: 'category:lighting', products: 1_050 },
      { facet: 'postal:12', products: 4 },
      { facet: 'postal:123', products: 2 },
      { facet: 'postal:75', products: 1_050 },
    ]);
  });
});
