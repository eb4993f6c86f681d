import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusedRead, queryApiSpec, type QueryApiSpec, type RefusedRead } from '../testing/http-spec.ts';

describe('review query routes', () => {
  // given: the reviews read model holds one review of listing l-1 and one of guest g-1 by host h-1, who had a request from g-1
  const listingPage = {
    items: [{ rating: 4, comment: 'Nice', stayMonth: '2030-02', guestFirstName: 'Gil' }],
    page: 1,
    pageSize: 20,
    hasMore: false,
    rating: { average: 4, count: 1 },
  };
  const guestPage = {
    items: [{ rating: 5, comment: 'Tidy', stayMonth: '2030-02', hostFirstName: 'Hana' }],
    page: 1,
    pageSize: 20,
    hasMore: false,
    rating: { average: 5, count: 1 },
  };
  let api: QueryApiSpec;
  let guest: string;
  let host: string;
  let otherHost: string;
  beforeAll(async () => {
    api = await queryApiSpec({
      reviews: {
        ofListing: async (id) => (id === 'l-1' ? listingPage : { ...listingPage, items: [], rating: { average: null, count: 0 } }) as never,
        ofGuest: async () => guestPage as never,
        hasRequestFrom: async (hostId, guestId) => hostId === 'h-1' && guestId === 'g-1',
      },
    });
    guest = await api.tokenFor('guest', 'g-1');
    host = await api.tokenFor('host', 'h-1');
    otherHost = await api.tokenFor('host', 'h-2');
  });
  afterAll(() => api?.close());

  it("shows a listing's reviews to anyone", async () => {
    const reply = await api.get('/listings/l-1/reviews');
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ ...listingPage, stale: false });
  });

  it('shows what hosts wrote about a guest to the guest and to a host who had a request from them', async () => {
    for (const token of [guest, host]) {
      const reply = await api.get('/users/g-1/reviews', token);
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      expect(reply.body.items).toEqual(guestPage.items);
    }
  });

  describe('refusals', () => {
    const cases: RefusedRead[] = [
      { name: "a guest's reviews without a token", path: '/users/g-1/reviews', status: 401 },
      { name: "a guest's reviews to a host they never asked", path: '/users/g-1/reviews', token: () => otherHost, status: 403 },
      { name: 'a page size of zero', path: '/listings/l-1/reviews?pageSize=0', status: 400, fields: ['pageSize'] },
      { name: 'an unknown query parameter', path: '/listings/l-1/reviews?sort=best', status: 400, fields: ['sort'] },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefusedRead(api, refusal));
  });
});
