import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostListing } from '@stayhub/read-models';
import { expectRefusedRead, queryApiSpec, type QueryApiSpec, type RefusedRead } from '../testing/http-spec.ts';

describe("host's listing query routes", () => {
  // given: the host listings read model holds one draft of host-1 at revision 3
  const draft = {
    listingId: 'l-1',
    hostId: 'host-1',
    kind: 'rental',
    status: 'draft',
    title: 'Flat',
    city: null,
    photo: null,
    unitTypes: 0,
    minPrice: null,
    currency: null,
    missing: ['description', 'photos'],
    complete: false,
    details: { title: 'Flat' },
    revision: 3,
    updatedAt: '2030-03-01T09:00:00.000Z',
  } as unknown as HostListing;
  const asked: unknown[] = [];
  let api: QueryApiSpec;
  let host: string;
  beforeAll(async () => {
    api = await queryApiSpec({
      hostListings: {
        byHost: async (hostId, query) => {
          asked.push(query);
          return { items: hostId === 'host-1' ? [draft] : [], page: query.page, pageSize: query.pageSize, hasMore: false };
        },
        get: async (hostId, id) => (hostId === 'host-1' && id === 'l-1' ? draft : undefined),
      },
    });
    host = await api.tokenFor('host', 'host-1');
  });
  afterAll(() => api?.close());

  it("lists the caller's own listings, drafts included, filtered by status", async () => {
    const reply = await api.get('/host/listings?status=draft', host);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.items).toHaveLength(1);
    expect(asked.at(-1)).toMatchObject({ status: 'draft', page: 1, pageSize: 20 });
  });

  it('shows one of them with its revision as the ETag an edit sends back', async () => {
    const reply = await api.get('/host/listings/l-1', host);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.headers.get('etag')).toBe('"3"');
    expect(reply.body).toMatchObject({ missing: ['description', 'photos'], stale: false });
  });

  describe('refusals', () => {
    let other: string;
    let guest: string;
    beforeAll(async () => {
      other = await api.tokenFor('host', 'host-2');
      guest = await api.tokenFor('guest', 'guest-1');
    });
    const cases: RefusedRead[] = [
      { name: 'no token', path: '/host/listings', token: () => undefined, status: 401 },
      { name: 'a guest', path: '/host/listings', token: () => guest, status: 403 },
      { name: 'an unknown status', path: '/host/listings?status=archived', status: 400, fields: ['status'] },
      { name: "another host's listing looks missing", path: '/host/listings/l-1', token: () => other, status: 404 },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefusedRead(api, refusal, host));
  });
});
