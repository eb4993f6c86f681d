import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeOrderCursor, type OrderListQuery, type OrderView } from '@stayhub/read-models';
import { expectRefusedRead, queryApiSpec, type QueryApiSpec, type RefusedRead } from '../testing/http-spec.ts';

describe('order query routes', () => {
  // given: the order history read model holds one order of buyer-1
  const order = {
    orderId: 'o-1',
    userId: 'buyer-1',
    status: 'confirmed',
    total: { amount: 2_000, currency: 'EUR' },
    placedAt: '2030-03-01T09:00:00.000Z',
    timeline: [],
  } as unknown as OrderView;
  const asked: OrderListQuery[] = [];
  let api: QueryApiSpec;
  let buyer: string;
  let stranger: string;
  let admin: string;
  beforeAll(async () => {
    api = await queryApiSpec({
      orders: {
        get: async (id) => (id === order.orderId ? order : undefined),
        byUser: async (userId, query) => {
          asked.push(query);
          return { items: userId === order.userId ? [order] : [], page: query.page, pageSize: query.pageSize, hasMore: false, nextCursor: null };
        },
      },
    });
    buyer = await api.tokenFor('guest', 'buyer-1');
    stranger = await api.tokenFor('guest', 'buyer-2');
    admin = await api.tokenFor('admin', 'ops-1');
  });
  afterAll(() => api?.close());

  it('shows an order to its buyer and to an operator', async () => {
    for (const token of [buyer, admin]) {
      const reply = await api.get('/orders/o-1', token);
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      expect(reply.body).toMatchObject({ orderId: 'o-1', status: 'confirmed', stale: false });
    }
  });

  it("lists the caller's orders, handing a cursor from a previous page to the read model", async () => {
    const cursor = encodeOrderCursor({ placedAt: '2030-03-02T00:00:00.000Z', orderId: 'o-9' });
    const reply = await api.get(`/me/orders?before=${cursor}&pageSize=10`, buyer);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.items).toHaveLength(1);
    expect(asked.at(-1)).toMatchObject({ pageSize: 10, before: { orderId: 'o-9' } });
  });

  describe('refusals', () => {
    const cases: RefusedRead[] = [
      { name: 'no token', path: '/orders/o-1', token: () => undefined, status: 401 },
      { name: "someone else's order looks missing", path: '/orders/o-1', token: () => stranger, status: 404 },
      { name: 'a cursor that is none', path: '/me/orders?before=not-a-cursor', status: 400, fields: ['before'] },
      {
        name: 'a cursor and a page at once',
        path: `/me/orders?page=2&before=${encodeOrderCursor({ placedAt: '2030-03-02T00:00:00.000Z', orderId: 'o-9' })}`,
        status: 400,
        fields: ['page'],
      },
      { name: 'page zero', path: '/me/orders?page=0', status: 400, fields: ['page'] },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefusedRead(api, refusal, buyer));
  });
});
