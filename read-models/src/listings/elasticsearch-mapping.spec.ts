import { describe, expect, it } from 'vitest';
import {
  buildSearchRequest,
  fittingUnitTypes,
  freeUnitTypes,
  knownWordsOf,
  knownWordsRequest,
  listingIndexName,
  listingIndexTemplate,
  SUMMARY_FIELDS,
  toSearchDocument,
  toSummary,
  totalOf,
  type ListingSource,
} from './elasticsearch-mapping.ts';
import type { ListingSearchQuery } from './port.ts';

const listing: ListingSource = {
  listingId: 'l1',
  hostId: 'h1',
  kind: 'hotel',
  status: 'published',
  details: {
    title: 'Canal House',
    description: 'A quiet hotel by the canal',
    photos: ['https://img.example/1.jpg', 'https://img.example/2.jpg'],
    location: { lat: 52.37, lon: 4.89, city: 'Amsterdam', country: 'NL', timeZone: 'Europe/Amsterdam' },
    amenities: ['WiFi', 'Breakfast'],
    cuisine: ['Dutch'],
    currency: 'EUR',
    unitTypes: [
      { unitTypeId: 'double', name: 'Double', count: 3, capacity: 2, price: { amount: 12_000, currency: 'EUR' } },
      { unitTypeId: 'single', name: 'Single', count: 5, capacity: 1, price: { amount: 8_000, currency: 'EUR' } },
    ],
  },
  minPrice: 8_000,
  rating: { sum: 14, count: 3 },
  reviewedBookings: ['b1', 'b2', 'b3'],
  revision: 4,
  updatedAt: '2030-01-02T10:00:00.000Z',
};

const base: ListingSearchQuery = { sort: 'relevance', page: 1, pageSize: 20 };
const published = { term: { status: 'published' } };
const anyUnit = { nested: { path: 'unitTypes', query: { bool: { filter: [{ range: { 'unitTypes.maxGuests': { gte: 1 } } }] } } } };
const byId = { listingId: { order: 'asc' } };
const ratingDesc = { rating: { order: 'desc', missing: '_last' } };
const fuzzyOne = (value: string) => ({ value, fuzziness: 1, transpositions: true, max_expansions: 64 });

describe('listing index template', () => {
  it('matches every index of the alias and maps geo, fuzzy text, keyword facets, numeric prices and nested unit types', () => {
    const template = listingIndexTemplate('stayhub-listings', { replicas: 0 });
    expect(template.name).toBe('stayhub-listings-template');
    expect(template.index_patterns).toEqual(['stayhub-listings--*']);
    expect(listingIndexName('stayhub-listings', 'listings_r2')).toBe('stayhub-listings--listings_r2');
    expect(template.template?.settings).toMatchObject({ number_of_shards: 1, number_of_replicas: 0, max_result_window: 1_000_000 });
    const properties = template.template?.mappings?.properties ?? {};
    expect(properties.location).toEqual({ type: 'geo_point' });
    for (const field of ['titleWords', 'words'])
      expect(properties[field]).toEqual({ type: 'text', analyzer: 'whitespace', norms: false, index_options: 'docs' });
    expect(properties.amenities).toEqual({ type: 'keyword' });
    expect(properties.city).toEqual({ type: 'keyword', normalizer: 'lowercase' });
    expect(properties.minPrice).toEqual({ type: 'long' });
    expect(properties.unitTypes).toMatchObject({ type: 'nested', properties: { price: { type: 'long' }, maxGuests: { type: 'integer' } } });
    expect(properties.doc).toEqual({ type: 'object', enabled: false });
    expect(template.template?.mappings?.dynamic).toBe('strict');
  });
});

describe('toSearchDocument', () => {
  it('flattens the read model into indexed fields and keeps the model itself unindexed', () => {
    const doc = toSearchDocument(listing);
    expect(doc).toMatchObject({
      listingId: 'l1',
      hostId: 'h1',
      kind: 'hotel',
      status: 'published',
      title: 'Canal House',
      city: 'Amsterdam',
      country: 'NL',
      location: { lat: 52.37, lon: 4.89 },
      amenities: ['wifi', 'breakfast', 'dutch'],
      currency: 'EUR',
      minPrice: 8_000,
      ratingCount: 3,
      stars: null,
      cuisine: ['dutch'],
      photo: 'https://img.example/1.jpg',
      titleWords: 'canal house',
      words: 'canal house amsterdam nl hotel wifi breakfast dutch a quiet by the',
      revision: 4,
      updatedAt: '2030-01-02T10:00:00.000Z',
      doc: listing,
    });
    expect(doc.rating).toBeCloseTo(14 / 3);
    expect(doc.unitTypes).toEqual([
      { unitTypeId: 'double', name: 'Double', nameWords: ['double'], count: 3, capacity: 2, maxGuests: 6, price: 12_000, currency: 'EUR' },
      { unitTypeId: 'single', name: 'Single', nameWords: ['single'], count: 5, capacity: 1, maxGuests: 5, price: 8_000, currency: 'EUR' },
    ]);
  });

  it('leaves absent values null so that Elasticsearch treats them as missing', () => {
    const doc = toSearchDocument({ ...listing, status: 'draft', details: {}, minPrice: null, rating: { sum: 0, count: 0 } });
    expect(doc).toMatchObject({
      title: null,
      city: null,
      location: null,
      rating: null,
      minPrice: null,
      photo: null,
      amenities: [],
      unitTypes: [],
      titleWords: '',
      words: 'hotel',
    });
  });
});

describe('buildSearchRequest', () => {
  it('asks only for published listings that have a unit type for the party, by rating then id, one page', () => {
    expect(buildSearchRequest(base)).toEqual({
      query: { bool: { filter: [published, anyUnit] } },
      sort: [ratingDesc, byId],
      from: 0,
      size: 20,
      track_total_hits: 1001,
      _source: SUMMARY_FIELDS,
    });
  });

  it('translates every filter the PostgreSQL search has', () => {
    const request = buildSearchRequest({
      ...base,
      q: 'Canal* by',
      lat: 52.37,
      lon: 4.89,
      radiusKm: 5,
      kind: 'hotel',
      city: 'Amsterdam',
      amenities: ['WiFi', 'pool'],
      guests: 3,
      minPrice: 5_000,
      maxPrice: 15_000,
      page: 3,
      pageSize: 10,
    });
    expect(request.query).toEqual({
      bool: {
        filter: [
          published,
          { fuzzy: { words: fuzzyOne('canal') } },
          { term: { words: 'by' } },
          { geo_distance: { distance: '5km', location: { lat: 52.37, lon: 4.89 } } },
          { term: { kind: 'hotel' } },
          { term: { city: 'Amsterdam' } },
          { term: { amenities: 'wifi' } },
          { term: { amenities: 'pool' } },
          {
            nested: {
              path: 'unitTypes',
              query: {
                bool: {
                  filter: [
                    { range: { 'unitTypes.maxGuests': { gte: 3 } } },
                    { range: { 'unitTypes.price': { gte: 5_000 } } },
                    { range: { 'unitTypes.price': { lte: 15_000 } } },
                  ],
                },
              },
            },
          },
        ],
        should: [
          { constant_score: { filter: { bool: { filter: [{ fuzzy: { titleWords: fuzzyOne('canal') } }, { term: { titleWords: 'by' } }] } }, boost: 1 } },
          { constant_score: { filter: { bool: { filter: [{ term: { titleWords: 'canal' } }, { term: { titleWords: 'by' } }] } }, boost: 2 } },
        ],
      },
    });
    const distance = { _geo_distance: { location: { lat: 52.37, lon: 4.89 }, order: 'asc', unit: 'm', distance_type: 'arc' } };
    expect(request.sort).toEqual([{ _score: { order: 'desc' } }, ratingDesc, byId, distance]);
    expect(request).toMatchObject({ from: 20, size: 10 });
  });

  it.each([
    ['price', {}, [{ minPrice: { order: 'asc', missing: '_last' } }, byId]],
    ['rating', {}, [ratingDesc, byId]],
    ['price', { q: 'loft' }, [{ _score: { order: 'desc' } }, { minPrice: { order: 'asc', missing: '_last' } }, byId]],
    ['distance', {}, [byId]],
    ['distance', { lat: 1, lon: 2 }, [{ _geo_distance: { location: { lat: 1, lon: 2 }, order: 'asc', unit: 'm', distance_type: 'arc' } }, byId]],
    ['relevance', { q: 'loft' }, [{ _score: { order: 'desc' } }, ratingDesc, byId]],
  ] as const)('sorts by %s %j like the PostgreSQL ORDER BY', (sort, extra, expected) => {
    expect(buildSearchRequest({ ...base, ...extra, sort }).sort).toEqual(expected);
  });

  it('measures distance without filtering when no radius is given', () => {
    const request = buildSearchRequest({ ...base, lat: 1, lon: 2 });
    expect(JSON.stringify(request.query)).not.toContain('geo_distance');
  });

  it('over-fetches candidates in the final order when dates or a slot are asked', () => {
    const slotFields = ['doc.details.location.timeZone', 'doc.details.slots'];
    for (const [dates, extra] of [
      [{ checkIn: '2030-05-01', checkOut: '2030-05-03' }, []],
      // a slot is checked on each restaurant's own clock and grid
      [{ slot: '2030-05-01T19:00:00.000Z' }, slotFields],
    ] as const) {
      const request = buildSearchRequest({ ...base, ...dates, page: 4, pageSize: 10 }, { candidateCap: 700 });
      expect(request).toMatchObject({ from: 0, size: 700, _source: [...SUMMARY_FIELDS, 'unitTypes', 'doc.nightPrices', ...extra] });
    }
  });

  it('looks typed words up like the dictionary: known ones only, and the exact-title tier only when every word exists as typed', () => {
    const request = buildSearchRequest(
      { ...base, q: 'cnal house zzz' },
      {
        words: [
          { word: 'cnal', exact: false },
          { word: 'house', exact: true },
        ],
      },
    );
    const bool = (request.query as { bool: { filter: unknown[]; should: unknown[] } }).bool;
    expect(bool.filter).toEqual([published, { fuzzy: { words: fuzzyOne('cnal') } }, { fuzzy: { words: fuzzyOne('house') } }, anyUnit]);
    expect(bool.should).toEqual([
      {
        constant_score: { filter: { bool: { filter: [{ fuzzy: { titleWords: fuzzyOne('cnal') } }, { fuzzy: { titleWords: fuzzyOne('house') } }] } }, boost: 1 },
      },
    ]);
  });

  it('asks the index which typed words it has, and reads the answer in typed order', () => {
    expect(knownWordsRequest(['cnal', 'by'])).toEqual({
      size: 0,
      track_total_hits: false,
      query: published,
      aggs: {
        fuzzy0: { filter: { fuzzy: { words: fuzzyOne('cnal') } } },
        exact0: { filter: { term: { words: 'cnal' } } },
        fuzzy1: { filter: { term: { words: 'by' } } },
        exact1: { filter: { term: { words: 'by' } } },
      },
    });
    const counts = {
      fuzzy0: { doc_count: 4 },
      exact0: { doc_count: 0 },
      fuzzy1: { doc_count: 0 },
      exact1: { doc_count: 0 },
      fuzzy2: { doc_count: 1 },
      exact2: { doc_count: 1 },
    };
    expect(knownWordsOf(['cnal', 'by', 'house'], counts)).toEqual([
      { word: 'cnal', exact: false },
      { word: 'house', exact: true },
    ]);
    expect(knownWordsOf(['cnal'], undefined)).toEqual([]);
  });

  it('reads the distance after the score when text is sorted by distance', () => {
    const hit = { _source: toSearchDocument(listing), sort: [3, 1500, 'l1'] };
    expect(toSummary(hit, { ...base, q: 'canal', sort: 'distance', lat: 1, lon: 1 }).distanceKm).toBe(1.5);
  });
});

describe('unit types for a party', () => {
  const units = toSearchDocument(listing).unitTypes;

  it('keep a unit type when enough units of its capacity hold the party and its price is in range', () => {
    expect(fittingUnitTypes(units, { ...base, guests: 5 }).map((u) => u.unitTypeId)).toEqual(['double', 'single']);
    expect(fittingUnitTypes(units, { ...base, guests: 6 }).map((u) => u.unitTypeId)).toEqual(['double']);
    expect(fittingUnitTypes(units, { ...base, guests: 7 })).toEqual([]);
    expect(fittingUnitTypes(units, { ...base, maxPrice: 10_000 }).map((u) => u.unitTypeId)).toEqual(['single']);
    expect(fittingUnitTypes(units, { ...base, minPrice: 10_000 }).map((u) => u.unitTypeId)).toEqual(['double']);
  });

  it('over asked nights, compare the average of their per-date or base prices with the range; without nights, the base price', () => {
    const [single, double] = [units.find((u) => u.unitTypeId === 'single')!, units.find((u) => u.unitTypeId === 'double')!];
    const nights = { checkIn: '2030-05-01', checkOut: '2030-05-03' };
    const dear = { single: { '2030-05-01': single.price * 3 } };
    const average = (single.price * 3 + single.price) / 2;
    expect(fittingUnitTypes([single], { ...base, ...nights, minPrice: average }, dear)).toEqual([single]);
    expect(fittingUnitTypes([single], { ...base, ...nights, minPrice: average + 1 }, dear)).toEqual([]);
    expect(fittingUnitTypes([single], { ...base, ...nights, maxPrice: average - 1 }, dear)).toEqual([]);
    expect(fittingUnitTypes([single], { ...base, minPrice: single.price + 1 }, dear)).toEqual([]);
    expect(fittingUnitTypes([double], { ...base, ...nights, maxPrice: double.price }, dear)).toEqual([double]);
  });

  it('leave the price of asked nights out of the index filter: per-date prices are in the stored document only', () => {
    const nested = (q: Partial<ListingSearchQuery>) => JSON.stringify(buildSearchRequest({ ...base, ...q }).query);
    expect(nested({ maxPrice: 10_000 })).toContain('unitTypes.price');
    expect(nested({ checkIn: '2030-05-01', checkOut: '2030-05-03', maxPrice: 10_000 })).not.toContain('unitTypes.price');
  });

  it('are free when every asked key leaves the units the party needs, cheapest first', () => {
    const keys = ['2030-05-01', '2030-05-02'];
    const used = new Map([
      ['double', new Map([['2030-05-02', 1]])],
      ['single', new Map([['2030-05-01', 3]])],
    ]);
    expect(freeUnitTypes(units, keys, used, 2)).toEqual(['single', 'double']);
    expect(freeUnitTypes(units, keys, used, 3)).toEqual(['double']);
    expect(freeUnitTypes(units, keys, used, 5)).toEqual([]);
    expect(freeUnitTypes(units, keys, new Map(), 5)).toEqual(['single', 'double']);
  });
});

describe('toSummary', () => {
  const source = toSearchDocument(listing);

  it('maps a hit like the PostgreSQL row mapping, with the distance from the trailing sort value', () => {
    const summary = toSummary({ _id: 'l1', _source: source, sort: [2.5, 'l1', 1234.56] }, { ...base, lat: 52, lon: 4 });
    expect(summary).toEqual({
      listingId: 'l1',
      kind: 'hotel',
      title: 'Canal House',
      city: 'Amsterdam',
      country: 'NL',
      location: { lat: 52.37, lon: 4.89 },
      minPrice: { amount: 8_000, currency: 'EUR' },
      rating: 4.67,
      ratingCount: 3,
      stars: null,
      amenities: ['wifi', 'breakfast', 'dutch'],
      photo: 'https://img.example/1.jpg',
      distanceKm: 1.235,
    });
  });

  it('reads the distance first when sorting by distance, and gives none without an origin', () => {
    expect(toSummary({ _source: source, sort: [900, 'l1'] }, { ...base, sort: 'distance', lat: 1, lon: 1 }).distanceKm).toBe(0.9);
    expect(toSummary({ _source: source, sort: [900, 'l1'] }, { ...base, sort: 'distance' })).not.toHaveProperty('distanceKm');
    expect(toSummary({ _source: source, sort: ['Infinity', 'l1'] }, { ...base, sort: 'distance', lat: 1, lon: 1 })).not.toHaveProperty('distanceKm');
  });

  it('reports the free unit types only when dates were asked, and no price without a currency', () => {
    expect(toSummary({ _source: source }, base)).not.toHaveProperty('availableUnitTypes');
    expect(toSummary({ _source: source }, base, ['single']).availableUnitTypes).toEqual(['single']);
    expect(toSummary({ _source: { ...source, currency: null, rating: null } }, base)).toMatchObject({ minPrice: null, rating: null });
  });

  it('reads totals in both shapes', () => {
    expect(totalOf({ value: 7, relation: 'eq' })).toBe(7);
    expect(totalOf(3)).toBe(3);
    expect(totalOf(undefined)).toBe(0);
  });
});
