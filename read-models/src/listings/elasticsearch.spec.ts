import { createRequire } from 'node:module';
import { Client } from '@elastic/elasticsearch';
import Mock from '@elastic/elasticsearch-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildSearchRequest, knownWordsRequest, toSearchDocument, type ListingSource } from './elasticsearch-mapping.ts';
import { ElasticsearchListingReader, type AvailabilityUsage } from './elasticsearch.ts';
import type { ListingSearchQuery } from './port.ts';

const ALIAS = 'test-listings';

// The mock recognises errors of the CommonJS build it loads itself (the ESM build has its own classes).
const { errors } = createRequire(import.meta.url)('@elastic/elasticsearch') as typeof import('@elastic/elasticsearch');
const notFound = (body: Record<string, unknown>) => new errors.ResponseError({ body, statusCode: 404, headers: {}, warnings: null, meta: {} as never });

const listingOf = (listingId: string, units: { id: string; count: number; capacity: number; price: number }[], rating?: number): ListingSource => ({
  listingId,
  hostId: 'h1',
  kind: 'hotel',
  status: 'published',
  details: {
    title: `Hotel ${listingId}`,
    location: { lat: 52.37, lon: 4.89, city: 'Amsterdam', country: 'NL', timeZone: 'Europe/Amsterdam' },
    currency: 'EUR',
    photos: [`https://img.example/${listingId}.jpg`],
    unitTypes: units.map((u) => ({ unitTypeId: u.id, name: u.id, count: u.count, capacity: u.capacity, price: { amount: u.price, currency: 'EUR' } })),
  },
  minPrice: Math.min(...units.map((u) => u.price)),
  rating: rating === undefined ? { sum: 0, count: 0 } : { sum: rating, count: 1 },
  reviewedBookings: [],
  revision: 2,
  updatedAt: '2030-01-01T00:00:00.000Z',
});

const hitOf = (listing: ListingSource, sort: unknown[] = []) => ({
  _index: `${ALIAS}--listings`,
  _id: listing.listingId,
  _source: toSearchDocument(listing),
  sort,
});

type Recorded = { method: string; path: string; body: unknown; querystring: Record<string, string> };

const setup = (availability?: AvailabilityUsage) => {
  const mock = new Mock();
  const client = new Client({ node: 'http://localhost:9200', Connection: mock.getConnection() });
  const requests: Recorded[] = [];
  const reader = new ElasticsearchListingReader(client, { alias: ALIAS, availability, candidateCap: 50 });
  return { mock, requests, reader };
};

const base: ListingSearchQuery = { sort: 'price', page: 1, pageSize: 2 };

describe('ElasticsearchListingReader.search', () => {
  let env: ReturnType<typeof setup>;
  beforeEach(() => {
    env = setup();
  });

  it('looks the typed words up, sends the built request to the alias and maps hits and the total, exact below the bound', async () => {
    const query: ListingSearchQuery = { ...base, q: 'hotel zzz', city: 'amsterdam', page: 2 };
    env.mock.add({ method: 'POST', path: `/${ALIAS}/_search` }, (params) => {
      env.requests.push(params as Recorded);
      if ((params.body as { aggs?: unknown }).aggs) {
        return { hits: { hits: [] }, aggregations: { fuzzy0: { doc_count: 3 }, exact0: { doc_count: 3 }, fuzzy1: { doc_count: 0 }, exact1: { doc_count: 0 } } };
      }
      return {
        hits: { total: { value: 3, relation: 'eq' }, hits: [hitOf(listingOf('l3', [{ id: 'u3', count: 1, capacity: 2, price: 9_000 }]), [9_000, 'l3'])] },
      };
    });
    const result = await env.reader.search(query);
    expect(env.requests).toHaveLength(2);
    expect(env.requests[0]!.body).toEqual(JSON.parse(JSON.stringify(knownWordsRequest(['hotel', 'zzz']))));
    // The unknown word is left out of the search.
    expect(env.requests[1]!.body).toEqual(JSON.parse(JSON.stringify(buildSearchRequest(query, { words: [{ word: 'hotel', exact: true }] }))));
    expect(env.requests[1]!.body).toMatchObject({ from: 2, size: 2 });
    expect(result).toEqual({
      items: [
        {
          listingId: 'l3',
          kind: 'hotel',
          title: 'Hotel l3',
          city: 'Amsterdam',
          country: 'NL',
          location: { lat: 52.37, lon: 4.89 },
          minPrice: { amount: 9_000, currency: 'EUR' },
          rating: null,
          ratingCount: 0,
          stars: null,
          amenities: [],
          photo: 'https://img.example/l3.jpg',
        },
      ],
      total: 3,
      totalText: '3',
      next: null,
      page: 2,
      pageSize: 2,
    });
  });

  it('answers nothing, without searching, when no typed word is known', async () => {
    env.mock.add({ method: 'POST', path: `/${ALIAS}/_search` }, (params) => {
      env.requests.push(params as Recorded);
      return { hits: { hits: [] }, aggregations: { fuzzy0: { doc_count: 0 }, exact0: { doc_count: 0 } } };
    });
    expect(await env.reader.search({ ...base, q: 'zzzz' })).toMatchObject({ items: [], total: 0, totalText: '0', next: null });
    expect(env.requests).toHaveLength(1);
  });

  it('refuses a date search without an availability store rather than ignoring the dates', async () => {
    env.mock.add({ method: 'POST', path: `/${ALIAS}/_search` }, () => ({
      hits: { total: { value: 1, relation: 'eq' }, hits: [hitOf(listingOf('l1', [{ id: 'u1', count: 1, capacity: 2, price: 1 }]))] },
    }));
    await expect(env.reader.search({ ...base, checkIn: '2030-05-01', checkOut: '2030-05-02' })).rejects.toThrow(/availability store/);
  });
});

describe('ElasticsearchListingReader.search with dates', () => {
  const l1 = listingOf('l1', [{ id: 'l1-room', count: 1, capacity: 2, price: 10_000 }]);
  const l2 = listingOf('l2', [
    { id: 'l2-double', count: 2, capacity: 2, price: 12_000 },
    { id: 'l2-single', count: 4, capacity: 1, price: 11_000 },
  ]);
  const l3 = listingOf('l3', [{ id: 'l3-room', count: 1, capacity: 4, price: 13_000 }]);
  const l4 = listingOf('l4', [{ id: 'l4-room', count: 3, capacity: 2, price: 14_000 }]);
  const used = new Map([
    ['l1-room', new Map([['2030-05-02', 1]])],
    ['l2-double', new Map([['2030-05-01', 2]])],
    ['l4-room', new Map([['2030-05-01', 2]])],
  ]);
  const asked: { unitTypeIds: readonly string[]; keys: readonly string[] }[] = [];
  const availability: AvailabilityUsage = {
    async used(unitTypeIds, keys) {
      asked.push({ unitTypeIds, keys });
      return used;
    },
  };

  it('over-fetches candidates, keeps listings with a free fitting unit type on every night, and paginates them', async () => {
    const env = setup(availability);
    env.mock.add({ method: 'POST', path: `/${ALIAS}/_search` }, (params) => {
      env.requests.push(params as Recorded);
      return { hits: { total: { value: 4, relation: 'eq' }, hits: [l1, l2, l3, l4].map((l) => hitOf(l, [l.minPrice, l.listingId])) } };
    });
    const query: ListingSearchQuery = { ...base, checkIn: '2030-05-01', checkOut: '2030-05-03', guests: 2, page: 1, pageSize: 2 };
    const first = await env.reader.search(query);
    expect(env.requests[0]!.body).toMatchObject({ from: 0, size: 50 });
    expect(asked.at(-1)).toEqual({ unitTypeIds: ['l1-room', 'l2-double', 'l2-single', 'l3-room', 'l4-room'], keys: ['2030-05-01', '2030-05-02'] });
    // l1 is full on the 2nd; l2's doubles are taken on the 1st but two singles hold the party.
    expect(first.items.map((i) => [i.listingId, i.availableUnitTypes])).toEqual([
      ['l2', ['l2-single']],
      ['l3', ['l3-room']],
    ]);
    expect(first.total).toBe(3);
    const second = await env.reader.search({ ...query, page: 2 });
    expect(second.items.map((i) => [i.listingId, i.availableUnitTypes])).toEqual([['l4', ['l4-room']]]);
    expect(second.total).toBe(3);
  });

  it('asks for the one slot instant of a restaurant search, each restaurant a wall-clock time on its own clock', async () => {
    const env = setup(availability);
    const restaurant = (l: ListingSource, timeZone: string): ListingSource => ({
      ...l,
      kind: 'restaurant',
      details: {
        ...l.details,
        location: { ...l.details.location!, timeZone },
        slots: { minutes: 60, openingHours: { '3': [{ open: '18:00', close: '22:00' }] } },
      },
    });
    const requests: Recorded[] = [];
    env.mock.add({ method: 'POST', path: `/${ALIAS}/_search` }, (params) => {
      requests.push(params as Recorded);
      return { hits: { total: { value: 2, relation: 'eq' }, hits: [hitOf(restaurant(l3, 'Europe/Amsterdam')), hitOf(restaurant(l1, 'Europe/London'))] } };
    });
    const result = await env.reader.search({ ...base, slot: '2030-05-01T19:00:00+02:00', guests: 1 });
    expect(requests[0]!.body).toMatchObject({ query: { bool: { filter: expect.arrayContaining([{ term: { kind: 'restaurant' } }]) } } });
    // 19:00 in Amsterdam is 18:00 in London: both serve it, at one instant
    expect(asked.at(-1)).toEqual({ unitTypeIds: ['l3-room', 'l1-room'], keys: ['2030-05-01T17:00:00.000Z'] });
    expect(result.items.map((i) => i.listingId)).toEqual(['l3', 'l1']);
    const local = await env.reader.search({ ...base, slot: '2030-05-01T19:00', guests: 1 });
    // each at 19:00 on its own clock: one instant per zone
    expect(asked.at(-1)).toEqual({ unitTypeIds: ['l3-room', 'l1-room'], keys: ['2030-05-01T17:00:00.000Z', '2030-05-01T18:00:00.000Z'] });
    expect(local.items.map((i) => i.listingId)).toEqual(['l3', 'l1']);
  });
});

describe('ElasticsearchListingReader.get and availability', () => {
  const listing = listingOf(
    'l1',
    [
      { id: 'b-room', count: 2, capacity: 2, price: 10_000 },
      { id: 'a-room', count: 1, capacity: 2, price: 9_000 },
    ],
    4,
  );

  it('reads the stored model by id through the alias', async () => {
    const env = setup();
    env.mock.add({ method: 'GET', path: `/${ALIAS}/_doc/:id` }, (params) => {
      env.requests.push(params as Recorded);
      return { _index: `${ALIAS}--listings`, _id: 'l1', found: true, _seq_no: 3, _primary_term: 1, _source: { doc: listing } };
    });
    expect(await env.reader.get('l1')).toEqual({
      listingId: 'l1',
      hostId: 'h1',
      kind: 'hotel',
      status: 'published',
      details: listing.details,
      rating: 4,
      ratingCount: 1,
      updatedAt: '2030-01-01T00:00:00.000Z',
    });
    expect(env.requests[0]!.querystring).toEqual({ _source_includes: 'doc' });
  });

  it('answers undefined for an unknown listing or a missing index', async () => {
    const env = setup();
    env.mock.add({ method: 'GET', path: `/${ALIAS}/_doc/nope` }, () => notFound({ _index: `${ALIAS}--listings`, _id: 'nope', found: false }));
    env.mock.add({ method: 'GET', path: `/${ALIAS}/_doc/gone` }, () => notFound({ error: { type: 'index_not_found_exception' }, status: 404 }));
    expect(await env.reader.get('nope')).toBeUndefined();
    expect(await env.reader.get('gone')).toBeUndefined();
  });

  it('builds the calendar from the unit types in the index and the availability store', async () => {
    const env = setup({
      async used(unitTypeIds, keys) {
        expect(unitTypeIds).toEqual(['a-room', 'b-room']);
        expect(keys).toEqual(['2030-05-01', '2030-05-02']);
        return new Map([['b-room', new Map([['2030-05-02', 3]])]]);
      },
    });
    env.mock.add({ method: 'GET', path: `/${ALIAS}/_doc/l1` }, (params) => {
      env.requests.push(params as Recorded);
      return { _id: 'l1', found: true, _source: { unitTypes: toSearchDocument(listing).unitTypes } };
    });
    expect(await env.reader.availability('l1', ['2030-05-01', '2030-05-02'])).toEqual([
      {
        key: '2030-05-01',
        unitTypes: [
          { unitTypeId: 'a-room', count: 1, free: 1 },
          { unitTypeId: 'b-room', count: 2, free: 2 },
        ],
      },
      {
        key: '2030-05-02',
        unitTypes: [
          { unitTypeId: 'a-room', count: 1, free: 1 },
          { unitTypeId: 'b-room', count: 2, free: 0 },
        ],
      },
    ]);
    expect(env.requests[0]!.querystring).toEqual({ _source_includes: 'unitTypes' });
  });

  it('has no calendar for an unknown listing', async () => {
    const env = setup({ used: async () => new Map() });
    env.mock.add({ method: 'GET', path: `/${ALIAS}/_doc/:id` }, () => notFound({ _id: 'x', found: false }));
    expect(await env.reader.availability('x', ['2030-05-01'])).toBeUndefined();
  });
});
