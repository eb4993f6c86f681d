import { expect } from 'vitest';
import { describeProjection, recorded } from '../testing/projection-spec.ts';
import { listingSearchProjection, listingTables } from './pg-projection.ts';

const at = '2030-01-01T10:00:00.000Z';
const unit = (unitTypeId: string, amount: number) => ({ unitTypeId, name: unitTypeId, count: 2, capacity: 2, price: { amount, currency: 'EUR' } });
const details = {
  title: 'Loft by the canal',
  location: { city: 'Amsterdam', country: 'NL', lat: 52.37, lon: 4.89 },
  currency: 'EUR',
  unitTypes: [unit('l1-a', 12_000)],
};
const created = { type: 'ListingCreated', data: { listingId: 'l1', hostId: 'h1', kind: 'rental', details, at } };
const published = { type: 'ListingPublished', data: { listingId: 'l1', hostId: 'h1', kind: 'rental', details, at } };
const updated = (changes: Record<string, unknown>) => ({ type: 'ListingUpdated', data: { listingId: 'l1', changes, at } });
const reviewed = (bookingId: string, rating: number) => ({ type: 'GuestReviewedStay', data: { listingId: 'l1', bookingId, rating, comment: '', at } });
const priced = (from: string, to: string, amount: number | null) => ({
  type: 'NightlyPricesSet',
  data: { listingId: 'l1', unitTypeId: 'l1-a', from, to, price: amount === null ? null : { amount, currency: 'EUR' }, at },
});
const held = (unitTypeId: string, month: string, type: string, keys: string[], units: number, revision: number) =>
  recorded(
    `calendar-${unitTypeId}-${month}`,
    [{ type, data: { holdId: `h-${month}`, bookingId: 'b1', blockId: 'k1', by: 'host', keys, units, expiresAt: at, at } }],
    revision,
  );
type UnitType = { unit_type_id: string; used_from: number; used_nights: number[] };
/** A unit type's used units on a night, as a search reads them from its row (31 places a month from year 0). */
const usedOn = (unit: UnitType, night: string) => {
  const place = (Number(night.slice(0, 4)) * 12 + Number(night.slice(5, 7)) - 1) * 31 + Number(night.slice(8, 10));
  return unit.used_nights[place - unit.used_from] ?? 0;
};
const unitRow = (rows: Record<string, unknown[]>, tables: readonly string[], id: string) =>
  (rows[tables.find((table) => table.endsWith('_unit_types'))!] as UnitType[]).find((u) => u.unit_type_id === id)!;
type NightPrice = { unit_type_id: string; night: string; listing_id: string; price: number };
const listing = (rows: Record<string, unknown[]>, table: string) => rows[table]![0] as Record<string, unknown>;

describeProjection('listing search projection', {
  projection: listingSearchProjection,
  tables: (target) => Object.values(listingTables(target)),
  guardedByRevision: true,
  cases: [
    {
      name: 'a published listing is searchable with its units',
      given: recorded('listing-l1', [created]),
      when: recorded('listing-l1', [published], 1),
      then: (rows, [listings, units]) => {
        expect(listing(rows, listings!)).toMatchObject({ status: 'published', city: 'Amsterdam', min_price: 12_000 });
        expect(rows[units!]).toHaveLength(1);
      },
    },
    {
      name: 'new unit types replace the old ones, and the cheapest sets the price',
      given: recorded('listing-l1', [created, published]),
      when: recorded('listing-l1', [updated({ unitTypes: [unit('l1-b', 9_000), unit('l1-c', 15_000)] })], 2),
      then: (rows, [listings, units]) => {
        expect(listing(rows, listings!)).toMatchObject({ min_price: 9_000 });
        expect((rows[units!] as { unit_type_id: string }[]).map((u) => u.unit_type_id)).toEqual(['l1-b', 'l1-c']);
      },
    },
    {
      name: 'a hotel is found by its stars and cuisine',
      given: recorded('listing-l1', [created, published]),
      when: recorded('listing-l1', [updated({ stars: 4, cuisine: ['Dutch', 'French'] })], 2),
      then: (rows, [listings]) => expect(listing(rows, listings!)).toMatchObject({ stars: 4, cuisine: ['dutch', 'french'] }),
    },
    {
      name: 'reviews make the rating, once per booking',
      given: recorded('listing-l1', [created, published]),
      when: [...recorded('booking-b1', [reviewed('b1', 5)], 5), ...recorded('booking-b2', [reviewed('b2', 3)], 5)],
      then: (rows, [listings]) => expect(listing(rows, listings!)).toMatchObject({ rating: 4, rating_count: 2 }),
    },
    {
      name: 'per-date prices are rows per priced night; a later change wins, and nights given back the base price go',
      given: recorded('listing-l1', [created, published, priced('2030-07-01', '2030-07-04', 20_000)]),
      when: recorded('listing-l1', [priced('2030-07-03', '2030-07-05', 25_000), priced('2030-07-01', '2030-07-02', null)], 3),
      then: (rows, tables) => {
        const nights = rows[tables.find((table) => table.endsWith('_night_prices'))!] as NightPrice[];
        expect(nights.map((n) => [n.night, n.price]).sort()).toEqual([
          ['2030-07-02', 20_000],
          ['2030-07-03', 25_000],
          ['2030-07-04', 25_000],
        ]);
        expect(listing(rows, tables[0]!)).toMatchObject({ min_price: 12_000 });
      },
    },
    {
      name: "a hold across a month's end, its release and a host's block: the unit type carries the units used per night",
      given: recorded('listing-l1', [created, published]),
      when: [
        ...held('l1-a', '2030-06', 'HoldPlaced', ['2030-06-29', '2030-06-30'], 1, 0),
        ...held('l1-a', '2030-07', 'HoldPlaced', ['2030-07-01'], 1, 0),
        ...held('l1-a', '2030-07', 'HoldReleased', ['2030-07-01'], 1, 1),
        ...held('l1-a', '2030-09', 'NightsBlocked', ['2030-09-02'], 2, 0),
        ...held('l1-a', '2030-06', 'HoldPlaced', ['2030-06-30'], 1, 1),
      ],
      then: (rows, tables) => {
        const unit = unitRow(rows, tables, 'l1-a');
        expect(['2030-06-28', '2030-06-29', '2030-06-30', '2030-07-01', '2030-08-15', '2030-09-02'].map((night) => usedOn(unit, night))).toEqual([
          0, 1, 2, 0, 0, 2,
        ]);
        // From June to September, 31 places a month (August, without a row, holds zeros).
        expect(unit.used_nights).toHaveLength(4 * 31);
      },
    },
    {
      name: 'nights added to a unit type that already carries some: the span widens to earlier and later months, what it held stays',
      given: [...recorded('listing-l1', [created, published]), ...held('l1-a', '2030-09', 'HoldPlaced', ['2030-09-02', '2030-09-03'], 1, 0)],
      when: [
        ...held('l1-a', '2030-06', 'HoldPlaced', ['2030-06-30'], 1, 0),
        ...held('l1-a', '2030-09', 'HoldPlaced', ['2030-09-03'], 2, 1),
        ...held('l1-a', '2030-11', 'HoldPlaced', ['2030-11-30'], 1, 0),
      ],
      then: (rows, tables) => {
        const unit = unitRow(rows, tables, 'l1-a');
        expect(['2030-06-29', '2030-06-30', '2030-09-02', '2030-09-03', '2030-10-31', '2030-11-30'].map((night) => usedOn(unit, night))).toEqual([
          0, 1, 1, 3, 0, 1,
        ]);
        // From June to November, 31 places a month, starting at June's first.
        expect(unit.used_nights).toHaveLength(6 * 31);
        expect(unit.used_from).toBe((2030 * 12 + 5) * 31 + 1);
      },
    },
    {
      name: "unit types written again take their nights from the calendar; a new one has none; a restaurant's slot is no night",
      given: [
        ...recorded('listing-l1', [created, published]),
        ...held('l1-a', '2030-06', 'HoldPlaced', ['2030-06-10', '2030-06-11'], 2, 0),
        ...held('l1-a', '2030-06', 'HoldPlaced', ['2030-06-12T19:30:00.000Z'], 1, 1),
      ],
      when: recorded('listing-l1', [updated({ unitTypes: [unit('l1-a', 15_000), unit('l1-b', 9_000)] })], 2),
      then: (rows, tables) => {
        const a = unitRow(rows, tables, 'l1-a');
        expect(['2030-06-09', '2030-06-10', '2030-06-11', '2030-06-12'].map((night) => usedOn(a, night))).toEqual([0, 2, 2, 0]);
        expect(unitRow(rows, tables, 'l1-b')).toMatchObject({ used_nights: [] });
      },
    },
  ],
});
