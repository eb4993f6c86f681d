import { describe, it } from 'vitest';
import { specFor, type SpecCase } from '../shared/spec.ts';
import { bookingDecider } from './booking.ts';
import type { BookingCommand } from './commands.ts';
import type { BookingEvent } from './events.ts';
import { awaitingApproval, awaitingPayment, confirmed, confirmedBooking, eur, hold, LATER, paid, requested } from './fixtures.ts';

const spec = specFor(bookingDecider);
type Case = SpecCase<BookingCommand, BookingEvent>;
const capture = (paymentId = 'pay-1', amount = eur(30_000)): BookingCommand => ({
  type: 'RecordPaymentCaptured',
  data: { bookingId: 'b1', now: LATER, paymentId, amount },
});
const failed: BookingCommand = { type: 'RecordPaymentFailed', data: { bookingId: 'b1', now: LATER, reason: 'card_declined' } };
const orphaned = (paymentId = 'pay-1', amount = eur(30_000)): BookingEvent => ({
  type: 'BookingPaymentOrphaned',
  data: { bookingId: 'b1', paymentId, amount, at: LATER },
});
const cancelled: BookingEvent = {
  type: 'BookingCancelled',
  data: { bookingId: 'b1', by: 'guest-1', byRole: 'guest', refund: eur(0), reason: '', ...hold, at: LATER },
};
const paymentFailed: BookingEvent = { type: 'BookingPaymentFailed', data: { bookingId: 'b1', reason: 'card_declined', ...hold, at: LATER } };
const raisedTo = (total: number): BookingEvent => ({
  type: 'BookingModified',
  data: {
    bookingId: 'b1',
    unitTypeId: 'ut-1',
    previous: { stay: hold.stay, guests: 2, units: 1, total: eur(30_000), holdId: 'hold-1' },
    stay: hold.stay,
    guests: 2,
    units: 1,
    total: eur(total),
    holdId: 'hold-2',
    priceDifference: eur(total - 30_000),
    refundDue: eur(0),
    captureDue: eur(total - 30_000),
    confirmed: true,
    at: LATER,
  },
});

describe('RecordPaymentCaptured', () => {
  it.each<Case>([
    { name: 'pays and confirms an approved booking', given: awaitingPayment, when: capture(), then: [paid('pay-1', 30_000, LATER), confirmed(LATER)] },
    {
      name: 'pays and confirms an instant booking',
      given: [requested({ instantBook: true })],
      when: capture(),
      then: [paid('pay-1', 30_000, LATER), confirmed(LATER)],
    },
    {
      name: 'a capture whose caller confirms the hold in the same append says so on the confirmation',
      given: [requested({ instantBook: true })],
      when: { type: 'RecordPaymentCaptured', data: { bookingId: 'b1', now: LATER, paymentId: 'pay-1', amount: eur(30_000), holdConfirmed: true } },
      then: [paid('pay-1', 30_000, LATER), { ...confirmed(LATER), data: { ...confirmed(LATER).data, holdConfirmed: true } }],
    },
    { name: 'the same payment reported twice is recorded once', given: confirmedBooking, when: capture(), then: [] },
    { name: 'a second payment of a confirmed booking goes back', given: confirmedBooking, when: capture('pay-2'), then: [orphaned('pay-2')] },
    { name: 'a payment after cancellation goes back', given: [...awaitingPayment, cancelled], when: capture(), then: [orphaned()] },
    { name: 'a payment after its deadline failed goes back', given: [...awaitingPayment, paymentFailed], when: capture(), then: [orphaned()] },
    { name: 'a payment before approval goes back', given: awaitingApproval, when: capture(), then: [orphaned()] },
    { name: 'an orphaned payment reported twice goes back once', given: [...awaitingApproval, orphaned()], when: capture(), then: [] },
    {
      name: 'a payment in another currency goes back',
      given: awaitingPayment,
      when: capture('pay-1', { amount: 30_000, currency: 'USD' }),
      then: [orphaned('pay-1', { amount: 30_000, currency: 'USD' })],
    },
    {
      name: 'the difference a modification asked for is recorded without confirming again',
      given: [...confirmedBooking, raisedTo(40_000)],
      when: capture('pay-2', eur(10_000)),
      then: [paid('pay-2', 10_000, LATER)],
    },
    {
      name: 'more than the difference goes back',
      given: [...confirmedBooking, raisedTo(40_000)],
      when: capture('pay-2', eur(10_001)),
      then: [orphaned('pay-2', eur(10_001))],
    },
    {
      name: 'a difference already paid goes back',
      given: [...confirmedBooking, raisedTo(40_000), paid('pay-2', 10_000, LATER)],
      when: capture('pay-3', eur(10_000)),
      then: [orphaned('pay-3', eur(10_000))],
    },
    { name: 'unknown booking', when: capture(), throws: 'BOOKING_NOT_FOUND' },
  ])('$name', spec.run);
});

describe('RecordPaymentFailed', () => {
  it.each<Case>([
    { name: 'a booking awaiting payment fails, naming the hold to release', given: awaitingPayment, when: failed, then: [paymentFailed] },
    { name: 'reported twice fails once', given: [...awaitingPayment, paymentFailed], when: failed, then: [] },
    { name: 'a paid booking stays confirmed', given: confirmedBooking, when: failed, then: [] },
    { name: 'a request still awaiting the host is untouched', given: awaitingApproval, when: failed, then: [] },
  ])('$name', spec.run);
});
