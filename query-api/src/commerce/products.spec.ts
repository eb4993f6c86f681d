import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusedRead, queryApiSpec, type QueryApiSpec, type RefusedRead } from '../testing/http-spec.ts';

describe('product query routes', () => {
  // given: the products read model holds one mug on sale
  const mug = {
    productId: 'p-mug',
    sku: 'MUG-1',
    name: 'Blue mug',
    status: 'active',
    price: { amount: 1_200, currency: 'EUR' },
    stock: { onHand: 5, held: 1, available: 4 },
  };
  const searched: unknown[] = [];
  let api: QueryApiSpec;
  beforeAll(async () => {
    api = await queryApiSpec({
      products: {
        get: async (id) => (id === mug.productId ? (mug as never) : undefined),
        search: async (query) => {
          searched.push(query);
          return { items: [mug], total: 1, page: 1, pageSize: 20 } as never;
        },
      },
    });
  });
  afterAll(() => api?.close());

  it('searches with the parsed filters, attributes given as attr.<name>', async () => {
    const reply = await api.get('/products/search?q=mug&minPrice=100&maxPrice=5000&inStock=true&attr.colour=blue&sort=price');
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ total: 1, stale: false });
    expect(searched.at(-1)).toMatchObject({ q: 'mug', minPrice: 100, maxPrice: 5_000, inStock: true, sort: 'price', attributes: { colour: 'blue' } });
  });

  it('shows a product to anyone', async () => {
    const reply = await api.get('/products/p-mug');
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ ...mug, stale: false });
  });

  describe('refusals', () => {
    const cases: RefusedRead[] = [
      { name: 'a product that does not exist', path: '/products/p-none', status: 404 },
      { name: 'minPrice above maxPrice', path: '/products/search?minPrice=500&maxPrice=100', status: 400, fields: ['minPrice'] },
      { name: 'a negative price', path: '/products/search?minPrice=-1', status: 400, fields: ['minPrice'] },
      { name: 'an unknown sort', path: '/products/search?sort=cheapest', status: 400, fields: ['sort'] },
      { name: 'an unknown parameter (not attr.)', path: '/products/search?colour=blue', status: 400, fields: ['colour'] },
      { name: 'an attribute name with a slash', path: '/products/search?attr.a%2Fb=x', status: 400 },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefusedRead(api, refusal));
  });
});
