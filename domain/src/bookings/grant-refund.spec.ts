import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { specFor, type SpecCase } from '../shared/spec.ts';
import { bookingDecider } from './booking.ts';
import type { BookingCommand } from './commands.ts';
import type { BookingEvent } from './events.ts';
import { completedBooking, confirmedBooking, eur, paid } from './fixtures.ts';
import { netPaid, type Booking } from './state.ts';
import { bookingReactions } from './workflow.ts';

const spec = specFor(bookingDecider);
type Case = SpecCase<BookingCommand, BookingEvent>;
const AT = '2026-04-15T09:00:00.000Z';

const grant = (amount: number, actorId = 'host-1', grantId = 'g1', currency = 'EUR'): BookingCommand => ({
  type: 'GrantRefund',
  data: { bookingId: 'b1', actorId, grantId, amount: { amount, currency }, reason: 'broken heating', now: AT },
});
const granted = (amount: number, refunds: { paymentId: string; amount: number }[], grantId = 'g1'): BookingEvent => ({
  type: 'BookingRefundGranted',
  data: {
    bookingId: 'b1',
    grantId,
    by: 'host-1',
    refund: eur(amount),
    refunds: refunds.map((r) => ({ paymentId: r.paymentId, amount: eur(r.amount) })),
    reason: 'broken heating',
    at: AT,
  },
});
// a stay lengthened and paid twice: 30 000 then 10 000
const twoPayments = [...confirmedBooking.slice(0, 3), paid('pay-2', 10_000), ...confirmedBooking.slice(3), completedBooking.at(-1)!];

describe('a refund the host grants after the stay', () => {
  it.each<Case>([
    {
      name: 'part of what the guest paid goes back',
      given: completedBooking,
      when: grant(5_000),
      then: [granted(5_000, [{ paymentId: 'pay-1', amount: 5_000 }])],
    },
    {
      name: 'spread over the payments, newest first',
      given: twoPayments,
      when: grant(25_000),
      then: [
        granted(25_000, [
          { paymentId: 'pay-2', amount: 10_000 },
          { paymentId: 'pay-1', amount: 15_000 },
        ]),
      ],
    },
    { name: 'all of it at most', given: completedBooking, when: grant(30_001), throws: 'REFUND_INVALID', details: { kept: 30_000 } },
    { name: 'nothing is no refund', given: completedBooking, when: grant(0), throws: 'REFUND_INVALID' },
    {
      name: 'never beyond what earlier grants left',
      given: [...completedBooking, granted(20_000, [{ paymentId: 'pay-1', amount: 20_000 }])],
      when: grant(10_001, 'host-1', 'g2'),
      throws: 'REFUND_INVALID',
    },
    { name: 'only the host', given: completedBooking, when: grant(5_000, 'guest-1'), throws: 'NOT_BOOKING_HOST' },
    { name: 'only after the stay (before it, cancel)', given: confirmedBooking, when: grant(5_000), throws: 'BOOKING_STATE' },
    { name: 'in the booking currency', given: completedBooking, when: grant(5_000, 'host-1', 'g1', 'USD'), throws: 'CURRENCY_MISMATCH' },
    { name: 'unknown booking', when: grant(5_000), throws: 'BOOKING_NOT_FOUND' },
  ])('$name', spec.run);

  it('lowers what the guest keeps paid, and refunds each part once, keyed by grant and payment', () => {
    const event = granted(25_000, [
      { paymentId: 'pay-2', amount: 10_000 },
      { paymentId: 'pay-1', amount: 15_000 },
    ]);
    const state = fold(bookingDecider, [...twoPayments, event]) as Booking;
    expect(netPaid(state)).toEqual(eur(15_000));
    expect(bookingReactions(event, { hostResponseHours: 24, holdTtlMinutes: 15 }).map((r) => [r.taskId, r.task])).toEqual([
      ['refund:b1:granted:g1:pay-2', { type: 'Refund', bookingId: 'b1', paymentId: 'pay-2', amount: eur(10_000), reason: 'granted' }],
      ['refund:b1:granted:g1:pay-1', { type: 'Refund', bookingId: 'b1', paymentId: 'pay-1', amount: eur(15_000), reason: 'granted' }],
    ]);
  });
});
