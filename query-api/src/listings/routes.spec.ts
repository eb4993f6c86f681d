import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AvailabilityDay, ListingView } from '@stayhub/read-models';
import { expectRefusedRead, position, queryApiSpec, type QueryApiSpec, type RefusedRead } from '../testing/http-spec.ts';
import { inProcessSearchCache } from '../shared/search-cache.ts';

const listing = (listingId: string, status: string): ListingView =>
  ({ listingId, hostId: 'host-1', kind: 'rental', status, details: { title: 'Flat', location: { timeZone: 'Europe/Lisbon' } } }) as unknown as ListingView;

describe('listing query routes', () => {
  // given: the listings read model holds a published listing and a draft of host-1
  const documents = [listing('l-pub', 'published'), listing('l-draft', 'draft')];
  const searched: unknown[] = [];
  const reads: { id: string; fresh: boolean }[] = [];
  const calendarReads: { id: string; fresh: boolean }[] = [];
  let api: QueryApiSpec;
  let host: string;
  let guest: string;
  beforeAll(async () => {
    api = await queryApiSpec({
      listings: {
        get: async (id, options) => {
          reads.push({ id, fresh: options?.fresh === true });
          return documents.find((l) => l.listingId === id);
        },
        searchJson: async (query) => {
          searched.push(query);
          return JSON.stringify({ items: [documents[0]!], total: 1, page: 1, pageSize: 20 });
        },
        availability: async (id, keys, options) => {
          calendarReads.push({ id, fresh: options?.fresh === true });
          return keys.map((key) => ({ date: key, unitTypes: [{ unitTypeId: 'l-pub.flat', free: 1 }] }) as unknown as AvailabilityDay);
        },
      },
    });
    host = await api.tokenFor('host', 'host-1');
    guest = await api.tokenFor('guest', 'guest-1');
  });
  afterAll(() => api?.close());

  it('searches, handing the parsed query to the read model', async () => {
    const reply = await api.get('/listings/search?q=flat&guests=2&checkIn=2030-04-10&checkOut=2030-04-12&sort=price');
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ items: [{ listingId: 'l-pub' }], total: 1, stale: false });
    expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(searched.at(-1)).toMatchObject({ q: 'flat', guests: 2, checkIn: '2030-04-10', checkOut: '2030-04-12', sort: 'price' });
  });

  it('shows a published listing to anyone, a draft only to its host', async () => {
    expect((await api.get('/listings/l-pub')).status).toBe(200);
    expect((await api.get('/listings/l-draft', host)).status).toBe(200);
    expect((await api.get('/listings/l-draft', guest)).status).toBe(404);
    expect((await api.get('/listings/l-draft')).status).toBe(404);
  });

  it('answers free units per night from from to to (exclusive)', async () => {
    const reply = await api.get('/listings/l-pub/availability?from=2030-04-10&to=2030-04-12');
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.days.map((d: { date: string }) => d.date)).toEqual(['2030-04-10', '2030-04-11']);
  });

  it('revalidates: an unchanged listing asked with its ETag is a 304 without a body', async () => {
    const first = await api.get('/listings/l-pub');
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    // As a browser revalidates (fetch would otherwise add `Cache-Control: no-cache`, an end-to-end reload).
    const again = await api.get('/listings/l-pub', undefined, { 'if-none-match': etag!, 'cache-control': 'max-age=0' });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    expect((await api.get('/listings/l-pub', undefined, { 'if-none-match': 'W/"something-else"', 'cache-control': 'max-age=0' })).status).toBe(200);
  });

  it('lets any cache keep an anonymous read of a published listing, only the host its draft, both revalidated', async () => {
    expect((await api.get('/listings/l-pub')).headers.get('cache-control')).toBe('public, no-cache');
    expect((await api.get('/listings/l-pub/availability?from=2030-04-10&to=2030-04-12')).headers.get('cache-control')).toBe('public, no-cache');
    expect((await api.get('/listings/l-pub', guest)).headers.get('cache-control')).toBe('private, no-cache');
    expect((await api.get('/listings/l-draft', host)).headers.get('cache-control')).toBe('private, no-cache');
  });

  it('reads past the views and calendars kept in process when the read carries a consistency token', async () => {
    await api.get('/listings/l-pub');
    expect(reads.at(-1)).toEqual({ id: 'l-pub', fresh: false });
    await api.get(`/listings/l-pub?after=${position(5)}`);
    expect(reads.at(-1)).toEqual({ id: 'l-pub', fresh: true });
    await api.get('/listings/l-pub/availability?from=2030-04-10&to=2030-04-12');
    expect(calendarReads.at(-1)).toEqual({ id: 'l-pub', fresh: false });
    await api.get('/listings/l-pub/availability?from=2030-04-10&to=2030-04-12', undefined, { 'x-consistency-token': position(5) });
    expect(reads.at(-1)).toEqual({ id: 'l-pub', fresh: true });
    expect(calendarReads.at(-1)).toEqual({ id: 'l-pub', fresh: true });
  });

  it('answers a listing not yet projected after a consistency token with 503 to retry', async () => {
    api.consistency.head = position(40);
    expect((await api.get(`/listings/l-new?after=${position(35)}`)).status).toBe(503);
  });

  describe('refusals', () => {
    const cases: RefusedRead[] = [
      { name: 'checkIn without checkOut', path: '/listings/search?checkIn=2030-04-10', status: 400, fields: ['checkOut'] },
      { name: 'more than 60 nights', path: '/listings/search?checkIn=2030-04-10&checkOut=2030-07-10', status: 400, fields: ['checkOut'] },
      { name: 'lat without lon', path: '/listings/search?lat=38.7', status: 400, fields: ['lat'] },
      { name: 'minPrice above maxPrice', path: '/listings/search?minPrice=500&maxPrice=100', status: 400, fields: ['minPrice'] },
      { name: 'sort by distance without a point', path: '/listings/search?sort=distance', status: 400, fields: ['sort'] },
      { name: 'an unknown search parameter', path: '/listings/search?colour=blue', status: 400, fields: ['colour'] },
      { name: 'a listing that does not exist', path: '/listings/l-none', status: 404 },
      { name: 'availability with to before from', path: '/listings/l-pub/availability?from=2030-04-12&to=2030-04-10', status: 400 },
      { name: 'availability of a draft to a stranger', path: '/listings/l-draft/availability?from=2030-04-10&to=2030-04-12', status: 404 },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefusedRead(api, refusal));
  });
});

describe('cached searches and announced changes', () => {
  // given: a search cache with a long TTL, and versions of what the projectors announced as changed
  const versions = new Map<string, number>();
  let computed = 0;
  let api: QueryApiSpec;
  beforeAll(async () => {
    api = await queryApiSpec(
      {
        listings: {
          searchJson: async () => {
            computed += 1;
            return JSON.stringify({ items: [], total: computed, page: 1, pageSize: 20 });
          },
          searchDependsOn: (query) => (query.checkIn ? ['listings', 'listings.calendar'] : ['listings']),
        },
      },
      { searchCache: inProcessSearchCache(60_000), changesVersion: (names) => names.map((name) => versions.get(name) ?? 0).join('/') },
    );
  });
  afterAll(() => api?.close());
  const total = async (path: string) => (await api.get(path)).body.total;

  it('answers a repeated search from the cache until what it reads was announced as changed', async () => {
    const plain = '/listings/search?q=flat';
    const dated = '/listings/search?q=flat&checkIn=2030-04-10&checkOut=2030-04-12';
    const first = { plain: await total(plain), dated: await total(dated) };
    expect(await total(plain)).toBe(first.plain);
    expect(await total(dated)).toBe(first.dated);
    // when: a booking changed the calendars: only the dated search is computed again
    versions.set('listings.calendar', 1);
    expect(await total(plain)).toBe(first.plain);
    const redated = await total(dated);
    expect(redated).toBeGreaterThan(first.dated);
    // when: a listing changed: both are
    versions.set('listings', 1);
    expect(await total(plain)).toBeGreaterThan(first.plain);
    expect(await total(dated)).toBeGreaterThan(redated);
  });
});
