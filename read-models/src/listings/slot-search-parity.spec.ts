import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { listingSearchProjection } from './pg-projection.ts';
import { applyEvents } from '../projection.ts';
import type { ListingReader, ListingSearchQuery } from './port.ts';
import { PgListingReader } from './postgres.ts';
import { recordedEvents } from '../testing/recorded-events.ts';
import { listingsOnElasticsearch } from '../testing/listings-on-elasticsearch.ts';

/**
 * Restaurant slots searched in each restaurant's own time zone, as in `search-parity.spec.ts`:
 * one query set, one answer each, PostgreSQL always and Elasticsearch when ELASTICSEARCH_URL is set.
 * A slot is an instant (the same moment everywhere) or a wall-clock time (each restaurant's own).
 */
const url = process.env.ELASTICSEARCH_URL;

const event = recordedEvents();

const everyDay = (intervals: { open: string; close: string }[]) => Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, intervals]));
type Spec = {
  id: string;
  kind: 'restaurant' | 'hotel';
  timeZone: string;
  price: number;
  slots?: { minutes: number; openingHours: Record<string, { open: string; close: string }[]> };
};
const listingEvents = (spec: Spec): RecordedEvent[] => {
  const details = {
    title: `Place ${spec.id}`,
    description: `Place ${spec.id}`,
    photos: [`https://img.example/${spec.id}.jpg`],
    location: { lat: 40, lon: 0, city: 'Anywhere', country: 'PT', timeZone: spec.timeZone },
    amenities: [],
    currency: 'EUR',
    unitTypes: [{ unitTypeId: `${spec.id}-table`, name: 'Table for four', count: 2, capacity: 4, price: { amount: spec.price, currency: 'EUR' } }],
    ...(spec.slots ? { slots: spec.slots } : {}),
  };
  const streamId = `listing-${spec.id}`;
  const base = { listingId: spec.id, hostId: 'host-1', kind: spec.kind };
  return [
    event(streamId, 'ListingCreated', { ...base, details, at: '2030-01-01T00:00:00.000Z' }),
    event(streamId, 'ListingPublished', { ...base, details, at: '2030-01-02T00:00:00.000Z' }),
  ];
};
const hold = (unitTypeId: string, key: string, units: number) =>
  event(`calendar-${unitTypeId}-${key.slice(0, 7)}`, 'HoldPlaced', {
    holdId: randomUUID(),
    bookingId: randomUUID(),
    keys: [key],
    units,
    expiresAt: '2030-01-01T00:00:00.000Z',
    at: '2030-01-01T00:00:00.000Z',
  });

const dinner = { minutes: 120, openingHours: everyDay([{ open: '18:00', close: '22:00' }]) };
const listings: Spec[] = [
  // 20:00 in Tokyo is 11:00 UTC; in Lisbon (summer) 19:00 UTC
  { id: 'sushi', kind: 'restaurant', timeZone: 'Asia/Tokyo', price: 1_000, slots: dinner },
  { id: 'tasca', kind: 'restaurant', timeZone: 'Europe/Lisbon', price: 2_000, slots: dinner },
  {
    id: 'bistro',
    kind: 'restaurant',
    timeZone: 'Europe/Amsterdam',
    price: 3_000,
    slots: { minutes: 60, openingHours: everyDay([{ open: '12:00', close: '15:00' }]) },
  },
  // open through the night of the clock changes: 00:30, 01:30 and 02:30 on its clock
  {
    id: 'late',
    kind: 'restaurant',
    timeZone: 'Europe/Lisbon',
    price: 4_000,
    slots: { minutes: 60, openingHours: everyDay([{ open: '00:30', close: '03:30' }]) },
  },
  // a hotel never answers a slot search, even with hours in its details
  { id: 'inn', kind: 'hotel', timeZone: 'Europe/Lisbon', price: 500, slots: dinner },
];

const events = [
  ...listings.flatMap(listingEvents),
  // sushi full at 20:00 its time on 1 June
  hold('sushi-table', '2030-06-01T11:00:00.000Z', 2),
  // late full at the first 01:30 of the night Lisbon falls back (00:30 UTC), free at the second (01:30 UTC)
  hold('late-table', '2030-10-27T00:30:00.000Z', 2),
];

const base: ListingSearchQuery = { sort: 'price', page: 1, pageSize: 20 };
const querySet: { name: string; query: Partial<ListingSearchQuery>; ids: string[] }[] = [
  { name: 'a wall-clock time: each restaurant at its own 20:00, the full one left out', query: { slot: '2030-06-01T20:00' }, ids: ['tasca'] },
  { name: 'a wall-clock time: both free the next day', query: { slot: '2030-06-02T20:00' }, ids: ['sushi', 'tasca'] },
  { name: 'a wall-clock time with zero seconds is the same', query: { slot: '2030-06-02T20:00:00' }, ids: ['sushi', 'tasca'] },
  { name: 'a wall-clock time off the whole minute: no slot', query: { slot: '2030-06-02T20:00:30' }, ids: [] },
  { name: 'a wall-clock time off the grid: no slot', query: { slot: '2030-06-02T19:00' }, ids: [] },
  { name: 'lunch: only the restaurant open then', query: { slot: '2030-06-02T13:00' }, ids: ['bistro'] },
  { name: 'an instant: the same moment everywhere (20:00 in Lisbon, 04:00 in Tokyo)', query: { slot: '2030-06-02T19:00:00Z' }, ids: ['tasca'] },
  { name: 'an instant with its offset (20:00 in Tokyo, 13:00 in Amsterdam)', query: { slot: '2030-06-02T20:00:00+09:00' }, ids: ['sushi', 'bistro'] },
  { name: 'an instant off the whole minute: no slot', query: { slot: '2030-06-02T19:00:30Z' }, ids: [] },
  { name: 'a wall-clock time the clocks skip: no slot there', query: { slot: '2030-03-31T01:30' }, ids: [] },
  { name: 'the hour after the skip is served', query: { slot: '2030-03-31T02:30' }, ids: ['late'] },
  { name: 'a wall-clock time passed twice is the first (full here)', query: { slot: '2030-10-27T01:30' }, ids: [] },
  { name: 'the second pass of that hour, as an instant, is free', query: { slot: '2030-10-27T01:30:00Z' }, ids: ['late'] },
  { name: 'a slot with a party too large for a table', query: { slot: '2030-06-02T20:00', guests: 9 }, ids: [] },
];

const runQuerySet = (reader: () => ListingReader) => {
  it.each(querySet)('$name', async ({ query, ids }) => {
    const result = await reader().search({ ...base, ...query });
    expect(result.items.map((i) => i.listingId)).toEqual(ids);
    expect(result).toMatchObject({ total: ids.length, next: null });
    for (const item of result.items) expect(item.availableUnitTypes).toEqual([`${item.listingId}-table`]);
  });
};

describe('slot search parity: PostgreSQL', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 4);
    await inTransaction(pool, (client) => listingSearchProjection.migrate(client, 'listings'));
    for (const e of events) await inTransaction(pool, (client) => applyEvents(client, listingSearchProjection, [e], 'listings'));
  });
  afterAll(async () => {
    await pool?.end();
  });
  runQuerySet(() => new PgListingReader(pool));
});

describe.skipIf(!url)('slot search parity: Elasticsearch (skipped: set ELASTICSEARCH_URL)', () => {
  // A skipped describe is still collected: without a server, nothing may reach for one.
  const reader = url ? listingsOnElasticsearch(url, events, 'slot-parity') : undefined;
  runQuerySet(() => reader!);
});
