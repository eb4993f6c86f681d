import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { ElasticsearchListingReader, type AvailabilityUsage } from './elasticsearch.ts';
import type { ListingSearchQuery } from './port.ts';
import type { Park } from '../projection.ts';
import { searchClient, type SearchFlavor } from './search-client.ts';
import { applyToElasticsearch, createIndex, listingSearchElasticsearch } from './elasticsearch-projection.ts';
import { recordedEvents } from '../testing/recorded-events.ts';

// Runs against the OpenSearch the test setup starts, or the server ELASTICSEARCH_URL (and ELASTICSEARCH_FLAVOR) names.
const url = process.env.ELASTICSEARCH_URL;
const missing = process.env.ELASTICSEARCH_URL_MISSING ?? 'set ELASTICSEARCH_URL';

const event = recordedEvents();

type Spec = {
  id: string;
  kind?: string;
  title: string;
  city: string;
  lat: number;
  lon: number;
  amenities?: string[];
  units: [string, number, number, number][];
};
const listingEvents = (spec: Spec, publish = true): RecordedEvent[] => {
  const details = {
    title: spec.title,
    description: `${spec.title} in ${spec.city}`,
    photos: [`https://img.example/${spec.id}.jpg`],
    location: { lat: spec.lat, lon: spec.lon, city: spec.city, country: 'NL', timeZone: 'Europe/Amsterdam' },
    amenities: spec.amenities ?? [],
    currency: 'EUR',
    unitTypes: spec.units.map(([unitTypeId, count, capacity, amount]) => ({
      unitTypeId,
      name: unitTypeId,
      count,
      capacity,
      price: { amount, currency: 'EUR' },
    })),
  };
  const streamId = `listing-${spec.id}`;
  const base = { listingId: spec.id, hostId: 'host-1', kind: spec.kind ?? 'hotel' };
  const created = event(streamId, 'ListingCreated', { ...base, details, at: '2030-01-01T00:00:00.000Z' });
  return publish ? [created, event(streamId, 'ListingPublished', { ...base, details, at: '2030-01-02T00:00:00.000Z' })] : [created];
};
const reviewOf = (listingId: string, rating: number) => {
  const bookingId = randomUUID();
  return event(`booking-${bookingId}`, 'GuestReviewedStay', { bookingId, listingId, guestId: 'g', rating, comment: '', at: '2030-02-01T00:00:00.000Z' });
};

describe.skipIf(!url)(`Elasticsearch listing search${url ? '' : ` (skipped: ${missing})`}`, () => {
  const client = searchClient(url ?? 'http://127.0.0.1:9200', process.env.ELASTICSEARCH_FLAVOR as SearchFlavor | undefined);
  const alias = `test-${randomUUID().slice(0, 8)}-listings`;
  const projection = listingSearchElasticsearch(client, alias, { settings: { replicas: 0 } });
  const park: Park = async (_event, error) => {
    throw error;
  };
  const apply = (events: RecordedEvent[]) => projection.applyBatch(events, 'listings', park);
  const used = new Map<string, Map<string, number>>();
  const availability: AvailabilityUsage = {
    async used(unitTypeIds, keys) {
      return new Map(unitTypeIds.map((id) => [id, new Map(keys.map((k) => [k, used.get(id)?.get(k) ?? 0]))]));
    },
  };
  const reader = new ElasticsearchListingReader(client, { alias, availability });
  const search = (query: Partial<ListingSearchQuery>) => reader.search({ sort: 'relevance', page: 1, pageSize: 20, ...query });
  const ids = async (query: Partial<ListingSearchQuery>) => (await search(query)).items.map((i) => i.listingId);

  const canal = {
    id: 'canal',
    title: 'Canal House',
    city: 'Amsterdam',
    lat: 52.3702,
    lon: 4.8952,
    amenities: ['WiFi', 'Breakfast'],
    units: [
      ['canal-double', 2, 2, 12_000],
      ['canal-single', 3, 1, 8_000],
    ],
  } satisfies Spec;
  const loft = {
    id: 'loft',
    kind: 'rental',
    title: 'Harbour Loft',
    city: 'Amsterdam',
    lat: 52.378,
    lon: 4.9,
    amenities: ['wifi'],
    units: [['loft-unit', 1, 4, 20_000]],
  } satisfies Spec;
  const dune = {
    id: 'dune',
    kind: 'rental',
    title: 'Dune Cottage',
    city: 'Haarlem',
    lat: 52.3874,
    lon: 4.6462,
    units: [['dune-unit', 1, 2, 9_000]],
  } satisfies Spec;
  const far = { id: 'far', title: 'Maas Hotel', city: 'Rotterdam', lat: 51.9225, lon: 4.4792, units: [['far-room', 10, 2, 7_000]] } satisfies Spec;
  const draft = { id: 'draft', title: 'Canal Draft', city: 'Amsterdam', lat: 52.37, lon: 4.89, units: [['draft-room', 1, 2, 1_000]] } satisfies Spec;

  beforeAll(async () => {
    expect(await projection.prepare('listings')).toBe(false);
    await apply([...listingEvents(canal), ...listingEvents(loft), ...listingEvents(dune), ...listingEvents(far), ...listingEvents(draft, false)]);
    await apply([reviewOf('canal', 5), reviewOf('canal', 4), reviewOf('loft', 3), reviewOf('far', 5)]);
  });

  afterAll(async () => {
    // Wildcard deletes are refused by default (action.destructive_requires_name).
    await client.indices.delete({ index: [projection.index('listings'), projection.index('listings_r2')] }, { ignore: [404] });
    await client.indices.deleteIndexTemplate({ name: `${alias}-template` }, { ignore: [404] });
    await client.close();
  });

  it('finds only published listings, by words with one typo each, leaving out words no listing has', async () => {
    expect(new Set(await ids({}))).toEqual(new Set(['canal', 'loft', 'dune', 'far']));
    expect(await ids({ q: 'canal' })).toEqual(['canal']);
    expect(await ids({ q: 'harbor loft' })).toEqual(['loft']);
    expect(new Set(await ids({ q: 'amsterdm' }))).toEqual(new Set(['canal', 'loft']));
    expect(await ids({ q: 'rotterdam zzyzx' })).toEqual(['far']);
    // Two typos in one word are not one typo: no listing has the word, and nothing else was asked.
    expect(await ids({ q: 'otterda' })).toEqual([]);
  });

  it('filters by radius and sorts by distance with the distance reported', async () => {
    const near = await search({ lat: 52.3702, lon: 4.8952, radiusKm: 5, sort: 'distance' });
    expect(near.items.map((i) => i.listingId)).toEqual(['canal', 'loft']);
    expect(near.items[0]!.distanceKm).toBe(0);
    expect(near.items[1]!.distanceKm).toBeGreaterThan(0.5);
    expect(near.items[1]!.distanceKm).toBeLessThan(1.5);
    expect(await ids({ lat: 52.3702, lon: 4.8952, sort: 'distance' })).toEqual(['canal', 'loft', 'dune', 'far']);
  });

  it('filters by kind, city (any case), amenities (all, any case), party size and price', async () => {
    expect(new Set(await ids({ kind: 'rental' }))).toEqual(new Set(['loft', 'dune']));
    expect(new Set(await ids({ city: 'AMSTERDAM' }))).toEqual(new Set(['canal', 'loft']));
    expect(new Set(await ids({ amenities: ['wifi'] }))).toEqual(new Set(['canal', 'loft']));
    expect(await ids({ amenities: ['wifi', 'BREAKFAST'] })).toEqual(['canal']);
    expect(new Set(await ids({ guests: 4 }))).toEqual(new Set(['canal', 'loft', 'far']));
    expect(new Set(await ids({ minPrice: 10_000, maxPrice: 15_000 }))).toEqual(new Set(['canal']));
  });

  it('sorts by price, by rating and by relevance like the PostgreSQL search', async () => {
    expect(await ids({ sort: 'price' })).toEqual(['far', 'canal', 'dune', 'loft']);
    expect(await ids({ sort: 'rating' })).toEqual(['far', 'canal', 'loft', 'dune']);
    expect(await ids({ sort: 'relevance' })).toEqual(['far', 'canal', 'loft', 'dune']);
    const rated = await search({ q: 'canal' });
    expect(rated.items[0]).toMatchObject({ rating: 4.5, ratingCount: 2, minPrice: { amount: 8_000, currency: 'EUR' }, amenities: ['wifi', 'breakfast'] });
  });

  it('pages with an exact total', async () => {
    const first = await search({ sort: 'price', pageSize: 3 });
    const second = await search({ sort: 'price', pageSize: 3, page: 2 });
    expect(first.total).toBe(4);
    expect([...first.items, ...second.items].map((i) => i.listingId)).toEqual(['far', 'canal', 'dune', 'loft']);
  });

  it('keeps only listings with free fitting units on every night, and serves the calendar', async () => {
    used.set('canal-single', new Map([['2030-05-01', 3]]));
    used.set('far-room', new Map([['2030-05-02', 10]]));
    const result = await search({ checkIn: '2030-05-01', checkOut: '2030-05-03', sort: 'price' });
    expect(result.items.map((i) => [i.listingId, i.availableUnitTypes])).toEqual([
      ['canal', ['canal-double']],
      ['dune', ['dune-unit']],
      ['loft', ['loft-unit']],
    ]);
    expect(result.total).toBe(3);
    expect(await reader.availability('canal', ['2030-05-01'])).toEqual([
      {
        key: '2030-05-01',
        unitTypes: [
          { unitTypeId: 'canal-double', count: 2, free: 2 },
          { unitTypeId: 'canal-single', count: 3, free: 0 },
        ],
      },
    ]);
    expect(await reader.availability('nope', ['2030-05-01'])).toBeUndefined();
  });

  it('prepares an index that holds the documents as existing', async () => {
    expect(await projection.prepare('listings')).toBe(true);
  });

  it('gets a listing, draft or not, and nothing for an unknown id', async () => {
    expect(await reader.get('draft')).toMatchObject({ listingId: 'draft', status: 'draft', details: { title: 'Canal Draft' } });
    expect(await reader.get('canal')).toMatchObject({ status: 'published', rating: 4.5, ratingCount: 2 });
    expect(await reader.get('nope')).toBeUndefined();
  });

  it('ignores events delivered again', async () => {
    const before = await reader.get('canal');
    const again = listingEvents({ ...canal, id: 'canal' });
    await apply(again.map((e, i) => ({ ...e, streamRevision: i })));
    expect(await reader.get('canal')).toEqual(before);
  });

  it('rebuilds into a new index and swaps the alias atomically', async () => {
    const rebuilt = await createIndex(client, alias, 'listings_r2', { replicas: 0 });
    await applyToElasticsearch(client, rebuilt, listingEvents({ ...dune, id: 'rebuilt', title: 'Rebuilt Cottage' }));
    expect(await ids({ q: 'rebuilt' })).toEqual([]);
    expect(await projection.swap('listings_r2')).toEqual([projection.index('listings')]);
    expect(await ids({})).toEqual(['rebuilt']);
    await projection.swap('listings');
  });
});
