import { describe, it } from 'vitest';
import { specFor, type SpecCase } from '../shared/spec.ts';
import { bookingDecider } from './booking.ts';
import type { BookingCommand, BookingCommandOf } from './commands.ts';
import type { BookingEvent, BookingEventOf } from './events.ts';
import { awaitingApproval, awaitingPayment, confirmedBooking, eur, evenings, flats, hold, LATER, nights, paid, requested } from './fixtures.ts';
import type { Stay } from './stay.ts';

const spec = specFor(bookingDecider);
type Case = SpecCase<BookingCommand, BookingEvent>;
type Change = Partial<BookingCommandOf<'ModifyBooking'>['data']>;

const modify = (change: Change): BookingCommand => ({
  type: 'ModifyBooking',
  data: { bookingId: 'b1', now: LATER, actorId: 'guest-1', unitType: flats, newHoldId: 'hold-2', ...change },
});
const fourNights: Stay = { kind: 'nights', checkIn: '2026-04-10', checkOut: '2026-04-14' };
const twoNights: Stay = { kind: 'nights', checkIn: '2026-04-10', checkOut: '2026-04-12' };
const previous = { stay: nights, guests: 2, units: 1, total: eur(30_000), holdId: 'hold-1' };

type Modified = BookingEventOf<'BookingModified'>['data'];
const modified = (over: Partial<Modified>): BookingEventOf<'BookingModified'> => ({
  type: 'BookingModified',
  data: {
    bookingId: 'b1',
    unitTypeId: 'ut-1',
    previous,
    stay: nights,
    guests: 2,
    units: 1,
    total: eur(30_000),
    holdId: 'hold-2',
    priceDifference: eur(0),
    refundDue: eur(0),
    refunds: [],
    captureDue: eur(0),
    confirmed: false,
    at: LATER,
    ...over,
  },
});
const cancelled: BookingEvent = {
  type: 'BookingCancelled',
  data: { bookingId: 'b1', by: 'guest-1', byRole: 'guest', refund: eur(0), reason: '', ...hold, at: LATER },
};
const slot: Stay = { kind: 'slot', start: '2026-03-05T19:00:00.000Z', minutes: 90 };
const table = [requested({ kind: 'restaurant', stay: slot, total: eur(10_000) })];

describe('ModifyBooking', () => {
  it.each<Case>([
    {
      name: 'a request one night longer costs one night more, nothing to charge yet',
      given: awaitingApproval,
      when: modify({ stay: fourNights }),
      then: [modified({ stay: fourNights, total: eur(40_000), priceDifference: eur(10_000) })],
    },
    {
      name: 'a longer stay is re-priced night by night: the added night costs its per-date price',
      given: awaitingApproval,
      when: modify({ stay: fourNights, unitType: { ...flats, nightPrices: { '2026-04-13': eur(18_000) } } }),
      then: [modified({ stay: fourNights, total: eur(48_000), priceDifference: eur(18_000) })],
    },
    {
      name: 'a confirmed stay moved onto dearer nights captures exactly the difference',
      given: confirmedBooking,
      when: modify({ stay: twoNights, unitType: { ...flats, nightPrices: { '2026-04-10': eur(20_000), '2026-04-11': eur(25_000) } } }),
      then: [modified({ stay: twoNights, total: eur(45_000), priceDifference: eur(15_000), captureDue: eur(15_000), confirmed: true })],
    },
    {
      name: 'a confirmed stay one night longer captures the difference',
      given: confirmedBooking,
      when: modify({ stay: fourNights }),
      then: [modified({ stay: fourNights, total: eur(40_000), priceDifference: eur(10_000), captureDue: eur(10_000), confirmed: true })],
    },
    {
      name: 'a confirmed stay one night shorter refunds the difference',
      given: confirmedBooking,
      when: modify({ stay: twoNights }),
      then: [
        modified({
          stay: twoNights,
          total: eur(20_000),
          priceDifference: { amount: -10_000, currency: 'EUR' },
          refundDue: eur(10_000),
          refunds: [{ paymentId: 'pay-1', amount: eur(10_000) }],
          confirmed: true,
        }),
      ],
    },
    {
      name: 'a stay paid twice, two nights shorter: the newest payment goes back first, the rest from the older',
      given: [
        ...confirmedBooking,
        modified({ stay: fourNights, total: eur(40_000), priceDifference: eur(10_000), captureDue: eur(10_000), confirmed: true }),
        paid('pay-2', 10_000, LATER),
      ],
      when: modify({ stay: twoNights, newHoldId: 'hold-3' }),
      then: [
        modified({
          previous: { ...previous, stay: fourNights, total: eur(40_000), holdId: 'hold-2' },
          stay: twoNights,
          holdId: 'hold-3',
          total: eur(20_000),
          priceDifference: { amount: -20_000, currency: 'EUR' },
          refundDue: eur(20_000),
          refunds: [
            { paymentId: 'pay-2', amount: eur(10_000) },
            { paymentId: 'pay-1', amount: eur(10_000) },
          ],
          confirmed: true,
        }),
      ],
    },
    {
      name: 'an unpaid booking one night shorter refunds nothing',
      given: awaitingPayment,
      when: modify({ stay: twoNights }),
      then: [modified({ stay: twoNights, total: eur(20_000), priceDifference: { amount: -10_000, currency: 'EUR' } })],
    },
    {
      name: 'shorter again before the extra night was captured refunds nothing',
      given: [...confirmedBooking, modified({ stay: fourNights, total: eur(40_000), priceDifference: eur(10_000), captureDue: eur(10_000), confirmed: true })],
      when: modify({ stay: nights, newHoldId: 'hold-3' }),
      then: [
        modified({
          previous: { ...previous, stay: fourNights, total: eur(40_000), holdId: 'hold-2' },
          holdId: 'hold-3',
          priceDifference: { amount: -10_000, currency: 'EUR' },
          confirmed: true,
        }),
      ],
    },
    {
      name: 'more guests on two units, at today’s price',
      given: awaitingApproval,
      when: modify({ guests: 6, units: 2, unitType: { ...flats, price: eur(12_000) } }),
      then: [modified({ guests: 6, units: 2, total: eur(72_000), priceDifference: eur(42_000) })],
    },
    {
      name: 'a table moved to another slot of the grid, its start spelled canonically',
      given: table,
      when: modify({ stay: { kind: 'slot', start: '2026-03-05T21:00:00Z', minutes: 90 }, slotGrid: evenings }),
      then: [
        modified({
          previous: { ...previous, stay: slot, total: eur(10_000) },
          stay: { kind: 'slot', start: '2026-03-05T21:00:00.000Z', minutes: 90 },
          total: eur(10_000),
        }),
      ],
    },
    {
      name: 'more guests on the same nights may keep the hold',
      given: confirmedBooking,
      when: modify({ guests: 4, newHoldId: 'hold-1' }),
      then: [modified({ guests: 4, holdId: 'hold-1', confirmed: true })],
    },
    {
      name: 'more guests take the units they need, on a new hold',
      given: awaitingApproval,
      when: modify({ guests: 6 }),
      then: [modified({ guests: 6, units: 2, total: eur(60_000), priceDifference: eur(30_000) })],
    },
    {
      name: 'a new party size that fits the units keeps the hold, whatever new hold id was offered',
      given: awaitingApproval,
      when: modify({ guests: 3 }),
      then: [modified({ guests: 3, holdId: 'hold-1' })],
    },
    {
      name: 'new dates keep the units booked, even when the unit type has fewer now',
      given: [requested({ guests: 6, units: 2, total: eur(60_000) })],
      when: modify({ stay: fourNights, unitType: { ...flats, count: 1 } }),
      then: [
        modified({
          previous: { ...previous, guests: 6, units: 2, total: eur(60_000) },
          stay: fourNights,
          guests: 6,
          units: 2,
          total: eur(80_000),
          priceDifference: eur(20_000),
        }),
      ],
    },
    {
      name: 'not more units than the unit type has',
      given: awaitingApproval,
      when: modify({ units: 4 }),
      throws: 'PARTY_TOO_LARGE',
      details: { units: 4, available: 3 },
    },
    {
      name: 'not more guests than all its units seat',
      given: awaitingApproval,
      when: modify({ guests: 13 }),
      throws: 'PARTY_TOO_LARGE',
      details: { units: 4, available: 3 },
    },
    {
      name: 'a table not moved off the grid',
      given: table,
      when: modify({ stay: { kind: 'slot', start: '2026-03-05T20:00:00.000Z', minutes: 90 }, slotGrid: evenings }),
      throws: 'STAY_INVALID',
    },
    {
      name: 'a table not moved past closing',
      given: table,
      when: modify({ stay: { kind: 'slot', start: '2026-03-05T22:30:00.000Z', minutes: 90 }, slotGrid: evenings }),
      throws: 'STAY_INVALID',
    },
    {
      name: 'a table not moved without opening hours to check',
      given: table,
      when: modify({ stay: { kind: 'slot', start: '2026-03-05T21:00:00.000Z', minutes: 90 } }),
      throws: 'STAY_INVALID',
    },
    {
      name: 'what is asked is checked first: a host asking for too many units hears that',
      given: confirmedBooking,
      when: modify({ actorId: 'host-1', units: 4 }),
      throws: 'PARTY_TOO_LARGE',
    },
    { name: 'other nights need a new hold', given: confirmedBooking, when: modify({ stay: fourNights, newHoldId: 'hold-1' }), throws: 'STAY_INVALID' },
    { name: 'more units need a new hold', given: confirmedBooking, when: modify({ guests: 6, units: 2, newHoldId: 'hold-1' }), throws: 'STAY_INVALID' },
    { name: 'nothing changed', given: confirmedBooking, when: modify({ stay: nights, guests: 2 }), then: [] },
    { name: 'the host cannot modify', given: confirmedBooking, when: modify({ actorId: 'host-1', stay: fourNights }), throws: 'NOT_BOOKING_GUEST' },
    {
      name: 'not once the stay has started',
      given: confirmedBooking,
      when: modify({ stay: fourNights, now: '2026-04-10T16:00:00.000Z' }),
      throws: 'BOOKING_STATE',
    },
    { name: 'not once cancelled', given: [...confirmedBooking, cancelled], when: modify({ stay: fourNights }), throws: 'BOOKING_STATE' },
    {
      name: 'not to a past stay',
      given: confirmedBooking,
      when: modify({ stay: { kind: 'nights', checkIn: '2026-02-27', checkOut: '2026-03-04' } }),
      throws: 'STAY_IN_PAST',
    },
    {
      name: 'not to 61 nights',
      given: confirmedBooking,
      when: modify({ stay: { kind: 'nights', checkIn: '2026-04-10', checkOut: '2026-06-10' } }),
      throws: 'STAY_INVALID',
    },
    { name: 'not from nights to a slot', given: confirmedBooking, when: modify({ stay: slot }), throws: 'STAY_INVALID' },
    {
      name: 'not more guests than the units asked for hold',
      given: confirmedBooking,
      when: modify({ guests: 5, units: 1 }),
      throws: 'PARTY_TOO_LARGE',
      details: { capacity: 4 },
    },
    {
      name: 'not when the unit holds fewer now',
      given: confirmedBooking,
      when: modify({ units: 1, guests: 3, unitType: { ...flats, capacity: 2 } }),
      throws: 'PARTY_TOO_LARGE',
    },
    {
      name: 'not at a price in another currency',
      given: confirmedBooking,
      when: modify({ stay: fourNights, unitType: { ...flats, price: { amount: 1, currency: 'USD' } } }),
      throws: 'CURRENCY_MISMATCH',
    },
    { name: 'unknown booking', when: modify({ stay: fourNights }), throws: 'BOOKING_NOT_FOUND' },
  ])('$name', spec.run);
});
