import { describe, expect, it } from 'vitest';
import { fold, money } from '../shared/index.ts';
import { specFor, type SpecCase } from '../shared/spec.ts';
import {
  isComplete,
  ListingCommand,
  listingDecider,
  ListingDetails,
  ListingPublishedData,
  listingStreamId,
  scopedUnitTypeId,
  scopeUnitTypes,
  unitTypeOf,
  type ListingEvent,
  type ListingKind,
  type ListingState,
} from './index.ts';

const at = '2026-03-01T10:00:00.000Z';
const later = '2026-03-02T10:00:00.000Z';
const base = { listingId: 'l1', actorId: 'host1', now: at };
const stranger = { ...base, actorId: 'guest9' };

const room = { unitTypeId: 'ut1', name: 'Whole flat', count: 1, capacity: 4, price: money(12_000, 'EUR') };
const complete: ListingDetails = {
  title: 'Flat by the canal',
  description: 'Bright, quiet, two bedrooms.',
  photos: ['https://img.example/1.jpg'],
  location: { lat: 52.37, lon: 4.89, city: 'Amsterdam', country: 'NL', timeZone: 'Europe/Amsterdam' },
  currency: 'EUR',
  unitTypes: [room],
};
const slots = { minutes: 90, openingHours: { '5': [{ open: '18:00', close: '23:00' }] } };

const create = (details: ListingDetails = {}, kind: ListingKind = 'rental'): ListingCommand => ({
  type: 'CreateListing',
  data: { ...base, kind, details },
});
const update = (changes: ListingDetails, who = base): ListingCommand => ({ type: 'UpdateListing', data: { ...who, changes, now: later } });
const publish = (who = base): ListingCommand => ({ type: 'PublishListing', data: { ...who, now: later } });
const unlist = (who = base): ListingCommand => ({ type: 'UnlistListing', data: { ...who, now: later } });

const defaults = { instantBook: false, cancellationPolicy: 'moderate' } as const;
const created = (details: ListingDetails = {}, kind: ListingKind = 'rental'): ListingEvent => ({
  type: 'ListingCreated',
  data: { listingId: 'l1', hostId: 'host1', kind, details: { ...details, ...defaults }, at },
});
const updated = (changes: ListingDetails): ListingEvent => ({ type: 'ListingUpdated', data: { listingId: 'l1', changes, at: later } });
const published = (details: ListingDetails = complete, kind: ListingKind = 'rental'): ListingEvent => ({
  type: 'ListingPublished',
  data: { listingId: 'l1', hostId: 'host1', kind, details: { ...details, ...defaults } as ListingPublishedData['details'], at: later },
});
const unlisted: ListingEvent = { type: 'ListingUnlisted', data: { listingId: 'l1', at: later } };

const spec = specFor(listingDecider);

describe('CreateListing', () => {
  const cases: SpecCase<ListingCommand, ListingEvent>[] = [
    { name: 'creates an empty draft with default booking terms', when: create(), then: [created()] },
    {
      name: 'keeps the terms the host chose',
      when: create({ title: 'Loft', instantBook: true, cancellationPolicy: 'strict' }),
      then: [
        {
          type: 'ListingCreated',
          data: { listingId: 'l1', hostId: 'host1', kind: 'rental', details: { title: 'Loft', instantBook: true, cancellationPolicy: 'strict' }, at },
        },
      ],
    },
    { name: 'a restaurant may have slots', when: create({ slots }, 'restaurant'), then: [created({ slots }, 'restaurant')] },
    { name: 'refuses an id that exists', given: [created()], when: create(), throws: 'LISTING_EXISTS' },
    { name: 'refuses slots for a stay', when: create({ slots }, 'hotel'), throws: 'LISTING_INVALID', details: { field: 'slots' } },
    { name: 'a hotel may have stars', when: create({ stars: 4 }, 'hotel'), then: [created({ stars: 4 }, 'hotel')] },
    { name: 'refuses stars for a rental', when: create({ stars: 4 }), throws: 'LISTING_INVALID', details: { field: 'stars' } },
    { name: 'refuses stars for a restaurant', when: create({ stars: 3 }, 'restaurant'), throws: 'LISTING_INVALID', details: { field: 'stars' } },
  ];
  it.each(cases)('$name', spec.run);
});

describe('UpdateListing', () => {
  const cases: SpecCase<ListingCommand, ListingEvent>[] = [
    { name: 'saves any subset of a draft', given: [created()], when: update({ title: 'Loft' }), then: [updated({ title: 'Loft' })] },
    {
      name: 'records only the fields that change',
      given: [created({ title: 'Loft' })],
      when: update({ title: 'Loft', amenities: ['wifi'] }),
      then: [updated({ amenities: ['wifi'] })],
    },
    { name: 'empty changes record nothing', given: [created()], when: update({}), then: [] },
    { name: 'a re-sent step records nothing', given: [created(), updated({ title: 'Loft' })], when: update({ title: 'Loft' }), then: [] },
    {
      name: 'a published listing may change while it stays complete',
      given: [created(complete), published()],
      when: update({ title: 'Canal flat' }),
      then: [updated({ title: 'Canal flat' })],
    },
    {
      name: 'a published listing may not lose its photos',
      given: [created(complete), published()],
      when: update({ photos: [] }),
      throws: 'LISTING_INCOMPLETE',
      details: { missing: ['photos'] },
    },
    {
      name: 'a published listing may not change currency away from its prices',
      given: [created(complete), published()],
      when: update({ currency: 'USD' }),
      throws: 'LISTING_INCOMPLETE',
      details: { missing: ['unitTypes.currency'] },
    },
    {
      name: 'an unlisted listing may be saved incomplete',
      given: [created(complete), published(), unlisted],
      when: update({ photos: [] }),
      then: [updated({ photos: [] })],
    },
    { name: 'refuses slots for a stay', given: [created()], when: update({ slots }), throws: 'LISTING_INVALID' },
    { name: 'a hotel changes its stars', given: [created({ stars: 3 }, 'hotel')], when: update({ stars: 4 }), then: [updated({ stars: 4 })] },
    { name: 'refuses stars for a rental', given: [created()], when: update({ stars: 5 }), throws: 'LISTING_INVALID', details: { field: 'stars' } },
    { name: 'only the host', given: [created()], when: update({ title: 'Mine' }, stranger), throws: 'NOT_LISTING_OWNER' },
    { name: 'an unknown listing', when: update({ title: 'Loft' }), throws: 'LISTING_NOT_FOUND' },
  ];
  it.each(cases)('$name', spec.run);
});

describe('PublishListing', () => {
  const cases: SpecCase<ListingCommand, ListingEvent>[] = [
    {
      name: 'publishes the merged snapshot of all saved steps',
      given: [
        created({ title: complete.title, currency: 'EUR' }),
        updated({ description: complete.description, photos: complete.photos }),
        updated({ location: complete.location, unitTypes: [room] }),
      ],
      when: publish(),
      then: [published()],
    },
    {
      name: 'an empty draft lists everything missing',
      given: [created()],
      when: publish(),
      throws: 'LISTING_INCOMPLETE',
      details: { missing: ['title', 'description', 'photos', 'location', 'currency', 'unitTypes'] },
    },
    {
      name: 'a rental has exactly one unit',
      given: [created({ ...complete, unitTypes: [{ ...room, count: 2 }] })],
      when: publish(),
      throws: 'LISTING_INCOMPLETE',
      details: { missing: ['unitTypes.single'] },
    },
    {
      name: 'a hotel may have many rooms of many types',
      given: [
        created(
          {
            ...complete,
            unitTypes: [
              { ...room, count: 5 },
              { ...room, unitTypeId: 'ut2', count: 3 },
            ],
          },
          'hotel',
        ),
      ],
      when: publish(),
      then: [
        published(
          {
            ...complete,
            unitTypes: [
              { ...room, count: 5 },
              { ...room, unitTypeId: 'ut2', count: 3 },
            ],
          },
          'hotel',
        ),
      ],
    },
    {
      name: 'a restaurant needs its slots',
      given: [created(complete, 'restaurant')],
      when: publish(),
      throws: 'LISTING_INCOMPLETE',
      details: { missing: ['slots'] },
    },
    {
      name: 'a restaurant with slots is published',
      given: [created({ ...complete, slots }, 'restaurant')],
      when: publish(),
      then: [published({ ...complete, slots }, 'restaurant')],
    },
    {
      name: 'prices must be in the listing currency',
      given: [created({ ...complete, unitTypes: [{ ...room, price: money(100, 'USD') }] })],
      when: publish(),
      throws: 'LISTING_INCOMPLETE',
      details: { missing: ['unitTypes.currency'] },
    },
    {
      name: 'prices must be above zero',
      given: [created({ ...complete, unitTypes: [{ ...room, price: money(0, 'EUR') }] })],
      when: publish(),
      throws: 'LISTING_INCOMPLETE',
      details: { missing: ['unitTypes.price'] },
    },
    { name: 'publishing twice records nothing', given: [created(complete), published()], when: publish(), then: [] },
    { name: 'an unlisted listing may be published again', given: [created(complete), published(), unlisted], when: publish(), then: [published()] },
    { name: 'only the host', given: [created(complete)], when: publish(stranger), throws: 'NOT_LISTING_OWNER' },
    { name: 'an unknown listing', when: publish(), throws: 'LISTING_NOT_FOUND' },
  ];
  it.each(cases)('$name', spec.run);
});

describe('UnlistListing', () => {
  const cases: SpecCase<ListingCommand, ListingEvent>[] = [
    { name: 'unlists a published listing', given: [created(complete), published()], when: unlist(), then: [unlisted] },
    { name: 'unlisting twice records nothing', given: [created(complete), published(), unlisted], when: unlist(), then: [] },
    { name: 'a draft was never published', given: [created(complete)], when: unlist(), throws: 'LISTING_NOT_PUBLISHED' },
    { name: 'only the host', given: [created(complete), published()], when: unlist(stranger), throws: 'NOT_LISTING_OWNER' },
    { name: 'an unknown listing', when: unlist(), throws: 'LISTING_NOT_FOUND' },
  ];
  it.each(cases)('$name', spec.run);
});

describe('listing state', () => {
  const stateOf = (events: ListingEvent[]): ListingState => fold(listingDecider, events);

  it('merges saved steps and keeps the status', () => {
    const state = stateOf([created(complete), published(), unlisted, updated({ title: 'Renamed' })]);
    expect(state).toMatchObject({ status: 'unlisted', hostId: 'host1', kind: 'rental', details: { title: 'Renamed', photos: complete.photos } });
  });

  it('finds a unit type, or names what is missing', () => {
    const state = stateOf([created(complete)]);
    expect(unitTypeOf(state, 'ut1')).toEqual(room);
    expect(() => unitTypeOf(state, 'nope')).toThrow(expect.objectContaining({ code: 'UNIT_TYPE_NOT_FOUND' }));
    expect(() => unitTypeOf(listingDecider.initialState, 'ut1')).toThrow(expect.objectContaining({ code: 'LISTING_NOT_FOUND' }));
  });

  it('names its stream', () => expect(listingStreamId('l1')).toBe('listing-l1'));
});

describe('unit type ids', () => {
  it('are scoped to their listing, once', () => {
    expect(scopedUnitTypeId('l1', 'double')).toBe('l1.double');
    expect(scopedUnitTypeId('l1', 'l1.double')).toBe('l1.double');
    expect(scopedUnitTypeId('l1', 'l2.double')).toBe('l1.l2.double');
  });

  it('are scoped in saved details, and details without unit types stay as they are', () => {
    const unit = { unitTypeId: 'double', name: 'Double', count: 2, capacity: 2, price: money(9_000, 'EUR') };
    expect(scopeUnitTypes('l1', { unitTypes: [unit] }).unitTypes).toEqual([{ ...unit, unitTypeId: 'l1.double' }]);
    const untouched = { title: 'Loft' };
    expect(scopeUnitTypes('l1', untouched)).toBe(untouched);
  });
});

describe('isComplete', () => {
  it.each([
    { kind: 'rental', details: complete, missing: [] },
    { kind: 'rental', details: { ...complete, title: '  ', description: '' }, missing: ['title', 'description'] },
    { kind: 'rental', details: { ...complete, unitTypes: [room, { ...room, unitTypeId: 'ut2' }] }, missing: ['unitTypes.single'] },
    { kind: 'hotel', details: { ...complete, unitTypes: [] }, missing: ['unitTypes'] },
    { kind: 'restaurant', details: complete, missing: ['slots'] },
  ] as { kind: ListingKind; details: ListingDetails; missing: string[] }[])('$kind → $missing', ({ kind, details, missing }) =>
    expect(isComplete(kind, details)).toEqual(missing),
  );
});

describe('listing schemas', () => {
  const valid = (details: unknown) => ListingDetails.safeParse(details).success;
  it('accepts a complete and an empty record', () => {
    expect(valid(complete)).toBe(true);
    expect(valid({})).toBe(true);
    expect(valid({ slots })).toBe(true);
  });
  it.each([
    ['a latitude out of range', { location: { ...complete.location, lat: 91 } }],
    ['a lowercase country', { location: { ...complete.location, country: 'nl' } }],
    ['an unknown time zone', { location: { ...complete.location, timeZone: 'Mars/Olympus' } }],
    ['a non-http photo', { photos: ['ftp://img.example/1.jpg'] }],
    ['more than 50 photos', { photos: Array.from({ length: 51 }, (_, i) => `https://img.example/${i}.jpg`) }],
    ['a title over 200 characters', { title: 'x'.repeat(201) }],
    ['a bad currency', { currency: 'euro' }],
    ['duplicate unit type ids', { unitTypes: [room, room] }],
    ['a unit count of zero', { unitTypes: [{ ...room, count: 0 }] }],
    ['slots shorter than 15 minutes', { slots: { ...slots, minutes: 10 } }],
    ['a closing time before opening', { slots: { minutes: 60, openingHours: { '1': [{ open: '22:00', close: '18:00' }] } } }],
    ['a weekday 7', { slots: { minutes: 60, openingHours: { '7': [{ open: '18:00', close: '22:00' }] } } }],
    ['six stars', { stars: 6 }],
    ['half a star', { stars: 3.5 }],
  ])('rejects %s', (_, details) => expect(valid(details)).toBe(false));

  it('validates commands and requires complete details in ListingPublished', () => {
    expect(ListingCommand.safeParse(create(complete)).success).toBe(true);
    expect(ListingCommand.safeParse({ type: 'CreateListing', data: { ...base, kind: 'castle', details: {} } }).success).toBe(false);
    const data = published().data;
    expect(ListingPublishedData.safeParse(data).success).toBe(true);
    expect(ListingPublishedData.safeParse({ ...data, details: { title: 'x' } }).success).toBe(false);
  });
});
