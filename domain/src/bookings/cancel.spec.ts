import { describe, it } from 'vitest';
import { specFor, type SpecCase } from '../shared/spec.ts';
import { bookingDecider } from './booking.ts';
import type { BookingCommand } from './commands.ts';
import type { BookingEvent } from './events.ts';
import type { CancellationPolicy } from '../listings/details.ts';
import { approved, awaitingApproval, awaitingPayment, completedBooking, confirmed, confirmedBooking, eur, hold, LATER, paid, requested } from './fixtures.ts';

const spec = specFor(bookingDecider);
type Case = SpecCase<BookingCommand, BookingEvent>;
const cancel = (actorId: string, now = LATER, reason?: string): BookingCommand => ({
  type: 'CancelBooking',
  data: { bookingId: 'b1', now, actorId, ...(reason === undefined ? {} : { reason }) },
});
type Parts = [paymentId: string, amount: number][];
const cancelled = (by: string, byRole: 'guest' | 'host', refund: number, at = LATER, reason = '', where = hold, parts?: Parts): BookingEvent => ({
  type: 'BookingCancelled',
  data: {
    bookingId: 'b1',
    by,
    byRole,
    refund: eur(refund),
    refunds: (parts ?? (refund > 0 ? [['pay-1', refund]] : [])).map(([paymentId, amount]) => ({ paymentId, amount: eur(amount) })),
    reason,
    ...where,
    at,
  },
});
const longer = { kind: 'nights' as const, checkIn: '2026-04-10', checkOut: '2026-04-14' };
const dearer: BookingEvent = {
  type: 'BookingModified',
  data: {
    bookingId: 'b1',
    unitTypeId: 'ut-1',
    previous: { stay: hold.stay, guests: 2, units: 1, total: eur(30_000), holdId: 'hold-1' },
    stay: longer,
    guests: 2,
    units: 1,
    total: eur(40_000),
    holdId: 'hold-2',
    priceDifference: { amount: 10_000, currency: 'EUR' },
    refundDue: eur(0),
    refunds: [],
    captureDue: eur(10_000),
    confirmed: true,
    at: LATER,
  },
};
/** Three nights paid, then a fourth night paid as a second payment. */
const twoPayments = [...confirmedBooking, dearer, paid('pay-2', 10_000, LATER)];
const afterChange = { ...hold, holdId: 'hold-2', stay: longer };
const confirmedUnder = (cancellationPolicy: CancellationPolicy) => [requested({ cancellationPolicy }), approved, paid(), confirmed()];
const TWO_DAYS_BEFORE = '2026-04-08T15:00:00.000Z';
const TEN_DAYS_BEFORE = '2026-03-31T15:00:00.000Z';
const TWELVE_HOURS_BEFORE = '2026-04-10T03:00:00.000Z';
const STARTED = '2026-04-10T15:00:00.000Z';
const shorter = { kind: 'nights' as const, checkIn: '2026-04-10', checkOut: '2026-04-12' };
const cheaper: BookingEvent = {
  type: 'BookingModified',
  data: {
    bookingId: 'b1',
    unitTypeId: 'ut-1',
    previous: { stay: hold.stay, guests: 2, units: 1, total: eur(30_000), holdId: 'hold-1' },
    stay: shorter,
    guests: 2,
    units: 1,
    total: eur(20_000),
    holdId: 'hold-2',
    priceDifference: { amount: -10_000, currency: 'EUR' },
    refundDue: eur(10_000),
    captureDue: eur(0),
    confirmed: true,
    at: LATER,
  },
};

describe('CancelBooking', () => {
  it.each<Case>([
    {
      name: 'guest withdraws a request: nothing paid, nothing back',
      given: awaitingApproval,
      when: cancel('guest-1'),
      then: [cancelled('guest-1', 'guest', 0)],
    },
    {
      name: 'host cancels before payment',
      given: awaitingPayment,
      when: cancel('host-1', LATER, 'double booked'),
      then: [cancelled('host-1', 'host', 0, LATER, 'double booked')],
    },
    { name: 'guest, moderate, 39 days before: all back', given: confirmedBooking, when: cancel('guest-1'), then: [cancelled('guest-1', 'guest', 30_000)] },
    {
      name: 'guest, moderate, 2 days before: half back',
      given: confirmedBooking,
      when: cancel('guest-1', TWO_DAYS_BEFORE),
      then: [cancelled('guest-1', 'guest', 15_000, TWO_DAYS_BEFORE)],
    },
    {
      name: 'guest, strict, 10 days before: half back',
      given: confirmedUnder('strict'),
      when: cancel('guest-1', TEN_DAYS_BEFORE),
      then: [cancelled('guest-1', 'guest', 15_000, TEN_DAYS_BEFORE)],
    },
    {
      name: 'guest, strict, 2 days before: nothing back',
      given: confirmedUnder('strict'),
      when: cancel('guest-1', TWO_DAYS_BEFORE),
      then: [cancelled('guest-1', 'guest', 0, TWO_DAYS_BEFORE)],
    },
    {
      name: 'guest, flexible, 2 days before: all back',
      given: confirmedUnder('flexible'),
      when: cancel('guest-1', TWO_DAYS_BEFORE),
      then: [cancelled('guest-1', 'guest', 30_000, TWO_DAYS_BEFORE)],
    },
    {
      name: 'guest, flexible, 12 hours before: nothing back',
      given: confirmedUnder('flexible'),
      when: cancel('guest-1', TWELVE_HOURS_BEFORE),
      then: [cancelled('guest-1', 'guest', 0, TWELVE_HOURS_BEFORE)],
    },
    {
      name: 'host, strict, 12 hours before: all back',
      given: confirmedUnder('strict'),
      when: cancel('host-1', TWELVE_HOURS_BEFORE),
      then: [cancelled('host-1', 'host', 30_000, TWELVE_HOURS_BEFORE)],
    },
    {
      name: 'what a cheaper modification already gave back is not refunded again',
      given: [...confirmedBooking, cheaper],
      when: cancel('host-1'),
      then: [cancelled('host-1', 'host', 20_000, LATER, '', { ...hold, holdId: 'hold-2', stay: shorter })],
    },
    {
      name: 'a changed stay paid twice: all back spreads over both payments, newest first',
      given: twoPayments,
      when: cancel('guest-1'),
      then: [
        cancelled('guest-1', 'guest', 40_000, LATER, '', afterChange, [
          ['pay-2', 10_000],
          ['pay-1', 30_000],
        ]),
      ],
    },
    {
      name: 'a changed stay paid twice: half back empties the newest payment first',
      given: twoPayments,
      when: cancel('guest-1', TWO_DAYS_BEFORE),
      then: [
        cancelled('guest-1', 'guest', 20_000, TWO_DAYS_BEFORE, '', afterChange, [
          ['pay-2', 10_000],
          ['pay-1', 10_000],
        ]),
      ],
    },
    {
      name: 'a host cancelling a changed stay refunds every payment whole',
      given: twoPayments,
      when: cancel('host-1', TWELVE_HOURS_BEFORE),
      then: [
        cancelled('host-1', 'host', 40_000, TWELVE_HOURS_BEFORE, '', afterChange, [
          ['pay-2', 10_000],
          ['pay-1', 30_000],
        ]),
      ],
    },
    { name: 'a stranger cannot cancel', given: confirmedBooking, when: cancel('someone'), throws: 'NOT_BOOKING_GUEST' },
    { name: 'not once the stay has started', given: confirmedBooking, when: cancel('guest-1', STARTED), throws: 'BOOKING_STATE' },
    { name: 'not twice', given: [...confirmedBooking, cancelled('guest-1', 'guest', 30_000)], when: cancel('guest-1'), throws: 'BOOKING_STATE' },
    { name: 'not after completion', given: completedBooking, when: cancel('host-1', '2026-04-14T00:00:00.000Z'), throws: 'BOOKING_STATE' },
    { name: 'unknown booking', when: cancel('guest-1'), throws: 'BOOKING_NOT_FOUND' },
  ])('$name', spec.run);
});
