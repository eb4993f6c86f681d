import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusedRead, queryApiSpec, type QueryApiSpec, type RefusedRead } from '../testing/http-spec.ts';

describe('earnings and payout query routes', () => {
  // given: the host earnings read model holds one month of one listing, and one payout sent
  const sums = { currency: 'EUR', gross: 20_000, fee: 3_000, net: 17_000, pending: 0, paid: 17_000 };
  const payout = {
    payoutId: 'po-1',
    amount: { amount: 17_000, currency: 'EUR' },
    status: 'sent',
    entries: 1,
    startedAt: '2030-02-01T00:00:00.000Z',
    sentAt: '2030-02-01T00:01:00.000Z',
    gatewayPayoutId: 'gw-1',
    issue: null,
  };
  const asked: unknown[] = [];
  let api: QueryApiSpec;
  let host: string;
  beforeAll(async () => {
    api = await queryApiSpec({
      earnings: {
        earnings: async (_hostId, query) => {
          asked.push(query);
          return { rows: [{ listingId: 'l-1', month: '2030-01', ...sums }], totals: [sums] } as never;
        },
        payouts: async (_hostId, query) => ({ items: [payout], page: query.page, pageSize: query.pageSize, hasMore: false, pending: [] }) as never,
      },
    });
    host = await api.tokenFor('host', 'host-1');
  });
  afterAll(() => api?.close());

  it("answers the host's earnings over a range of months, echoing the range", async () => {
    const reply = await api.get('/host/earnings?from=2030-01&to=2030-02', host);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ from: '2030-01', to: '2030-02', totals: [sums], stale: false });
    expect(asked.at(-1)).toMatchObject({ from: '2030-01', to: '2030-02' });
  });

  it("answers the host's payouts, newest first", async () => {
    const reply = await api.get('/host/payouts', host);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.items).toEqual([payout]);
  });

  describe('refusals', () => {
    let guest: string;
    beforeAll(async () => {
      guest = await api.tokenFor('guest', 'guest-1');
    });
    const cases: RefusedRead[] = [
      { name: 'a guest', path: '/host/earnings', token: () => guest, status: 403 },
      { name: 'no token', path: '/host/payouts', token: () => undefined, status: 401 },
      { name: 'a month that is none', path: '/host/earnings?from=2030-13', status: 400, fields: ['from'] },
      { name: 'from after to', path: '/host/earnings?from=2030-05&to=2030-01', status: 400, fields: ['from'] },
      { name: 'an unknown query parameter', path: '/host/payouts?status=sent', status: 400, fields: ['status'] },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefusedRead(api, refusal, host));
  });
});
