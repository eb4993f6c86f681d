import { describe, expect, it } from 'vitest';
import { fold, money } from '../shared/index.ts';
import { specFor, type SpecCase } from '../shared/spec.ts';
import { listingDecider, stayPrices, type ListingCommand, type ListingEvent, type ListingState } from './index.ts';

const at = '2026-03-01T10:00:00.000Z';
const eur = (amount: number) => money(amount, 'EUR');
const flat = { unitTypeId: 'l1.flat', name: 'Whole flat', count: 1, capacity: 4, price: eur(12_000) };
const created = (kind: 'rental' | 'restaurant' = 'rental'): ListingEvent => ({
  type: 'ListingCreated',
  data: { listingId: 'l1', hostId: 'host1', kind, details: { currency: 'EUR', unitTypes: [flat], instantBook: false, cancellationPolicy: 'moderate' }, at },
});

type Range = { from?: string; to?: string; price?: { amount: number; currency: string } | null; unitTypeId?: string; actorId?: string; now?: string };
const setPrices = (range: Range = {}): ListingCommand => ({
  type: 'SetNightlyPrices',
  data: { listingId: 'l1', actorId: 'host1', now: at, unitTypeId: 'l1.flat', from: '2026-07-01', to: '2026-07-04', price: eur(18_000), ...range },
});
const pricesSet = (range: Range = {}): ListingEvent => ({
  type: 'NightlyPricesSet',
  data: { listingId: 'l1', unitTypeId: 'l1.flat', from: '2026-07-01', to: '2026-07-04', price: eur(18_000), at, ...range },
});

const spec = specFor(listingDecider);

describe('SetNightlyPrices', () => {
  it.each<SpecCase<ListingCommand, ListingEvent>>([
    { name: 'prices the nights from (inclusive) to (exclusive) of a unit type', given: [created()], when: setPrices(), then: [pricesSet()] },
    { name: 'a price already in force on every night records nothing', given: [created(), pricesSet()], when: setPrices({ to: '2026-07-03' }), then: [] },
    {
      name: 'a new price over part of a range records the change',
      given: [created(), pricesSet()],
      when: setPrices({ from: '2026-07-03', to: '2026-07-05', price: eur(20_000) }),
      then: [pricesSet({ from: '2026-07-03', to: '2026-07-05', price: eur(20_000) })],
    },
    { name: 'null gives nights back the base price', given: [created(), pricesSet()], when: setPrices({ price: null }), then: [pricesSet({ price: null })] },
    { name: 'null on nights without a per-date price records nothing', given: [created()], when: setPrices({ price: null }), then: [] },
    {
      name: 'a full year of nights at once',
      given: [created()],
      when: setPrices({ from: '2026-03-01', to: '2027-03-02' }),
      then: [pricesSet({ from: '2026-03-01', to: '2027-03-02' })],
    },
    {
      name: 'more than 366 nights',
      given: [created()],
      when: setPrices({ from: '2026-03-01', to: '2027-03-03' }),
      throws: 'PRICES_INVALID',
      details: { field: 'to', nights: 367 },
    },
    {
      name: 'to before from',
      given: [created()],
      when: setPrices({ from: '2026-07-04', to: '2026-07-01' }),
      throws: 'PRICES_INVALID',
      details: { field: 'to' },
    },
    { name: 'an empty range', given: [created()], when: setPrices({ to: '2026-07-01' }), throws: 'PRICES_INVALID' },
    { name: 'not a date', given: [created()], when: setPrices({ from: '2026-02-30' }), throws: 'PRICES_INVALID' },
    { name: 'a night in the past', given: [created()], when: setPrices({ from: '2026-02-28' }), throws: 'PRICES_INVALID', details: { field: 'from' } },
    {
      name: 'too far ahead',
      given: [created()],
      when: setPrices({ from: '2031-07-01', to: '2031-07-04' }),
      throws: 'PRICES_INVALID',
      details: { field: 'to' },
    },
    { name: 'a zero price', given: [created()], when: setPrices({ price: eur(0) }), throws: 'PRICES_INVALID', details: { field: 'price' } },
    { name: 'another currency than the listing', given: [created()], when: setPrices({ price: money(18_000, 'USD') }), throws: 'CURRENCY_MISMATCH' },
    {
      name: 'a restaurant has deposits, not nightly prices',
      given: [created('restaurant')],
      when: setPrices(),
      throws: 'PRICES_INVALID',
      details: { field: 'kind' },
    },
    { name: 'an unknown unit type', given: [created()], when: setPrices({ unitTypeId: 'l1.suite' }), throws: 'UNIT_TYPE_NOT_FOUND' },
    { name: 'only the host', given: [created()], when: setPrices({ actorId: 'guest9' }), throws: 'NOT_LISTING_OWNER' },
    { name: 'no such listing', when: setPrices(), throws: 'LISTING_NOT_FOUND' },
  ])('$name', spec.run);
});

describe('stayPrices', () => {
  const state = (events: ListingEvent[]): ListingState => fold(listingDecider, events);

  it('gives the per-date prices of the nights of a stay, later changes winning', () => {
    const listing = state([created(), pricesSet(), pricesSet({ from: '2026-07-03', to: '2026-07-05', price: eur(20_000) })]);
    expect(stayPrices(listing as { listingId: string }, 'l1.flat', '2026-06-30', '2026-07-04')).toEqual({
      '2026-07-01': eur(18_000),
      '2026-07-02': eur(18_000),
      '2026-07-03': eur(20_000),
    });
  });

  it('forgets nights given back the base price', () => {
    const listing = state([created(), pricesSet(), pricesSet({ from: '2026-07-02', to: '2026-07-03', price: null })]);
    expect(Object.keys(stayPrices(listing as { listingId: string }, 'l1.flat', '2026-07-01', '2026-07-10'))).toEqual(['2026-07-01', '2026-07-03']);
  });

  it('ignores a recorded range no decision could make (more than a year), instead of walking it', () => {
    const listing = state([created(), pricesSet({ from: '0001-01-01', to: '9999-12-31' })]);
    expect(stayPrices(listing as { listingId: string }, 'l1.flat', '2026-07-01', '2026-07-04')).toEqual({});
  });

  it('has nothing for another unit type or a listing without prices', () => {
    expect(stayPrices(state([created(), pricesSet()]) as { listingId: string }, 'l1.other', '2026-07-01', '2026-07-04')).toEqual({});
    expect(stayPrices(state([created()]) as { listingId: string }, 'l1.flat', '2026-07-01', '2026-07-04')).toEqual({});
  });
});
