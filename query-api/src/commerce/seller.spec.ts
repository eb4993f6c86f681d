import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusedRead, queryApiSpec, type QueryApiSpec, type RefusedRead } from '../testing/http-spec.ts';

describe("seller's query routes", () => {
  // given: seller-1 sells one product and has one confirmed order to ship
  const order = {
    orderId: 'o-1',
    status: 'confirmed',
    lines: [{ productId: 'p-mug', sku: 'MUG-1', name: 'Mug', quantity: 2 }],
    wholeOrder: true,
    shippingPostalCode: '10115',
    placedAt: '2030-03-01T09:00:00.000Z',
    updatedAt: '2030-03-01T09:00:00.000Z',
  };
  const asked: unknown[] = [];
  let api: QueryApiSpec;
  let seller: string;
  beforeAll(async () => {
    api = await queryApiSpec({
      products: {
        bySeller: async (_sellerId, query) => ({ items: [{ productId: 'p-mug' }], page: query.page, pageSize: query.pageSize, hasMore: false }) as never,
      },
      sellerOrders: {
        bySeller: async (sellerId, query) => {
          asked.push(query);
          return { items: sellerId === 'seller-1' ? [order] : [], page: query.page, pageSize: query.pageSize, hasMore: false } as never;
        },
      },
    });
    seller = await api.tokenFor('host', 'seller-1');
  });
  afterAll(() => api?.close());

  it("lists the seller's products and the orders to ship", async () => {
    expect((await api.get('/seller/products', seller)).body).toMatchObject({ items: [{ productId: 'p-mug' }], stale: false });
    const reply = await api.get('/seller/orders?status=confirmed', seller);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.items).toEqual([order]);
    expect(asked.at(-1)).toMatchObject({ status: 'confirmed' });
  });

  describe('refusals', () => {
    let guest: string;
    beforeAll(async () => {
      guest = await api.tokenFor('guest', 'guest-1');
    });
    const cases: RefusedRead[] = [
      { name: 'no token', path: '/seller/orders', token: () => undefined, status: 401 },
      { name: 'a guest', path: '/seller/products', token: () => guest, status: 403 },
      { name: 'an unknown status', path: '/seller/orders?status=lost', status: 400, fields: ['status'] },
      { name: 'an unknown query parameter', path: '/seller/products?sort=name', status: 400, fields: ['sort'] },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefusedRead(api, refusal, seller));
  });
});
