import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { specFor, type SpecCase } from '../shared/spec.ts';
import { bookingDecider } from './booking.ts';
import type { BookingCommand } from './commands.ts';
import type { BookingEvent } from './events.ts';
import { eur, evenings, NOW, request, requested } from './fixtures.ts';

const spec = specFor(bookingDecider);
const listing = request().data.listing;
const unitType = request().data.unitType;
const restaurant = { ...listing, kind: 'restaurant' as const, slotGrid: evenings };
const slot = { kind: 'slot' as const, start: '2026-03-01T19:30:00Z', minutes: 90 };
/** A request that leaves the number of units to the party size. */
const forParty = (over: Parameters<typeof request>[0]): BookingCommand => {
  const command = request(over);
  delete command.data.units;
  return command;
};

describe('RequestBooking', () => {
  it.each<SpecCase<BookingCommand, BookingEvent>>([
    { name: 'requests 3 nights at 100.00 → 300.00', when: request(), then: [requested()] },
    {
      name: 'instant book, 2 units for 6 guests',
      when: request({ listing: { ...listing, instantBook: true, cancellationPolicy: 'strict' }, guests: 6, units: 2 }),
      then: [requested({ instantBook: true, cancellationPolicy: 'strict', guests: 6, units: 2, total: eur(60_000) })],
    },
    {
      name: 'a restaurant slot costs the price per table, its start spelled canonically',
      when: request({ listing: restaurant, stay: slot, units: 2, guests: 8 }),
      then: [requested({ kind: 'restaurant', stay: { ...slot, start: '2026-03-01T19:30:00.000Z' }, units: 2, guests: 8, total: eur(20_000) })],
    },
    {
      name: "a request carries the host's response deadline",
      when: request({ respondBy: '2026-03-02T10:00:00.000Z' }),
      then: [requested({ respondBy: '2026-03-02T10:00:00.000Z' })],
    },
    {
      name: 'an instant booking has no response deadline',
      when: request({ listing: { ...listing, instantBook: true }, respondBy: '2026-03-02T10:00:00.000Z' }),
      then: [requested({ instantBook: true })],
    },
    {
      name: 'each night costs its per-date price where the host set one, else the base price (per unit)',
      when: request({ unitType: { ...unitType, nightPrices: { '2026-04-11': eur(15_000), '2026-04-12': eur(12_500) } }, guests: 6, units: 2 }),
      then: [requested({ guests: 6, units: 2, total: eur(2 * (10_000 + 15_000 + 12_500)) })],
    },
    {
      name: 'a per-date price outside the stay changes nothing',
      when: request({ unitType: { ...unitType, nightPrices: { '2026-04-13': eur(99_000), '2026-04-09': eur(99_000) } } }),
      then: [requested()],
    },
    {
      name: 'a restaurant slot ignores per-date prices',
      when: request({ listing: restaurant, stay: slot, units: 1, guests: 2, unitType: { ...unitType, nightPrices: { '2026-03-01': eur(50_000) } } }),
      then: [requested({ kind: 'restaurant', stay: { ...slot, start: '2026-03-01T19:30:00.000Z' }, units: 1, guests: 2, total: eur(10_000) })],
    },
    {
      name: 'a per-date price in another currency',
      when: request({ unitType: { ...unitType, nightPrices: { '2026-04-11': { amount: 100, currency: 'USD' } } } }),
      throws: 'CURRENCY_MISMATCH',
      details: { night: '2026-04-11' },
    },
    { name: 'a booking is requested once', given: [requested()], when: request(), throws: 'BOOKING_EXISTS' },
    { name: 'a host cannot book own listing', when: request({ guestId: 'host-1' }), throws: 'CANNOT_BOOK_OWN_LISTING' },
    { name: 'draft listing', when: request({ listing: { ...listing, status: 'draft' } }), throws: 'LISTING_NOT_PUBLISHED' },
    { name: 'unlisted listing', when: request({ listing: { ...listing, status: 'unlisted' } }), throws: 'LISTING_NOT_PUBLISHED' },
    {
      name: 'price in another currency than the listing',
      when: request({ unitType: { ...unitType, price: { amount: 100, currency: 'USD' } } }),
      throws: 'CURRENCY_MISMATCH',
    },
    {
      name: 'check-out before check-in',
      when: request({ stay: { kind: 'nights', checkIn: '2026-04-13', checkOut: '2026-04-10' } }),
      throws: 'STAY_INVALID',
    },
    {
      name: 'more than 60 nights',
      when: request({ stay: { kind: 'nights', checkIn: '2026-04-01', checkOut: '2026-06-01' } }),
      throws: 'STAY_INVALID',
      details: { nights: 61 },
    },
    { name: 'a rental is not booked by slot', when: request({ stay: slot }), throws: 'STAY_INVALID' },
    { name: 'a restaurant is not booked by nights', when: request({ listing: restaurant }), throws: 'STAY_INVALID' },
    { name: 'slot too long', when: request({ listing: restaurant, stay: { ...slot, minutes: 600 } }), throws: 'STAY_INVALID' },
    {
      name: 'check-in in the past',
      when: request({ stay: { kind: 'nights', checkIn: '2026-02-28', checkOut: '2026-03-03' } }),
      throws: 'STAY_IN_PAST',
    },
    {
      name: 'slot already begun',
      when: request({ listing: restaurant, stay: { ...slot, start: '2026-02-28T21:00:00Z' } }),
      throws: 'STAY_IN_PAST',
    },
    { name: 'more guests than one unit holds', when: request({ guests: 5 }), throws: 'PARTY_TOO_LARGE', details: { capacity: 4 } },
    { name: 'more guests than two units hold', when: request({ guests: 9, units: 2 }), throws: 'PARTY_TOO_LARGE' },
    { name: 'no unit', when: request({ units: 0 }), throws: 'PARTY_TOO_LARGE' },
    { name: 'no guest', when: request({ guests: 0 }), throws: 'PARTY_INVALID' },
    { name: 'units follow the party size when none are asked', when: forParty({ guests: 6 }), then: [requested({ guests: 6, units: 2, total: eur(60_000) })] },
    { name: 'one unit for a small party', when: forParty({ guests: 1 }), then: [requested({ guests: 1 })] },
    { name: 'not more units than the unit type has', when: request({ guests: 2, units: 4 }), throws: 'PARTY_TOO_LARGE', details: { units: 4, available: 3 } },
    { name: 'not a party larger than all its units seat', when: forParty({ guests: 13 }), throws: 'PARTY_TOO_LARGE', details: { units: 4, available: 3 } },
    {
      name: 'a slot off the restaurant grid',
      when: request({ listing: restaurant, stay: { ...slot, start: '2026-03-01T20:00:00Z' } }),
      throws: 'STAY_INVALID',
    },
    {
      name: 'a slot while the restaurant is closed',
      when: request({ listing: restaurant, stay: { ...slot, start: '2026-03-01T12:00:00Z' } }),
      throws: 'STAY_INVALID',
    },
    {
      name: 'a slot that would end after closing',
      when: request({ listing: restaurant, stay: { ...slot, start: '2026-03-01T22:30:00Z' } }),
      throws: 'STAY_INVALID',
    },
    {
      name: "a slot on the grid of the restaurant's own time zone (19:30 in Tokyo)",
      when: request({ listing: { ...restaurant, slotGrid: { ...evenings, timeZone: 'Asia/Tokyo' } }, stay: { ...slot, start: '2026-03-01T10:30:00Z' } }),
      then: [requested({ kind: 'restaurant', stay: { ...slot, start: '2026-03-01T10:30:00.000Z' }, total: eur(10_000) })],
    },
    {
      name: 'a restaurant without opening hours seats no slot',
      when: request({ listing: { ...restaurant, slotGrid: undefined }, stay: slot }),
      throws: 'STAY_INVALID',
    },
    {
      name: 'the slot is checked before who asks',
      when: request({ guestId: 'host-1', listing: restaurant, stay: { ...slot, start: '2026-03-01T20:00:00Z' } }),
      throws: 'STAY_INVALID',
    },
  ])('$name', spec.run);

  it.each([
    { instantBook: false, status: 'awaiting_approval' },
    { instantBook: true, status: 'awaiting_payment' },
  ])('instantBook $instantBook → $status', ({ instantBook, status }) => {
    const state = fold(bookingDecider, [requested({ instantBook })]);
    expect(state).toMatchObject({ status, paid: eur(0), credited: eur(0), refunded: eur(0), requestedAt: NOW, holdId: 'hold-1' });
  });
});
