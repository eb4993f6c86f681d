import { describe, it } from 'vitest';
import { specFor, type SpecCase } from '../shared/spec.ts';
import { bookingDecider } from './booking.ts';
import type { BookingCommand } from './commands.ts';
import type { BookingEvent } from './events.ts';
import { approved, awaitingApproval, awaitingPayment, confirmedBooking, hold, LATER, requested } from './fixtures.ts';

const spec = specFor(bookingDecider);
type Case = SpecCase<BookingCommand, BookingEvent>;
const approve = (actorId = 'host-1'): BookingCommand => ({ type: 'ApproveBooking', data: { bookingId: 'b1', now: LATER, actorId } });
const decline = (actorId = 'host-1', reason?: string): BookingCommand => ({
  type: 'DeclineBooking',
  data: { bookingId: 'b1', now: LATER, actorId, ...(reason === undefined ? {} : { reason }) },
});
const expire: BookingCommand = { type: 'ExpireBookingRequest', data: { bookingId: 'b1', now: LATER } };
const declinedEvent: BookingEvent = { type: 'BookingDeclined', data: { bookingId: 'b1', by: 'host-1', reason: '', ...hold, at: LATER } };

describe('ApproveBooking', () => {
  it.each<Case>([
    {
      name: 'the host approves a request',
      given: awaitingApproval,
      when: approve(),
      then: [{ type: 'BookingApproved', data: { bookingId: 'b1', by: 'host-1', at: LATER } }],
    },
    { name: 'unknown booking', when: approve(), throws: 'BOOKING_NOT_FOUND' },
    { name: 'the guest cannot approve', given: awaitingApproval, when: approve('guest-1'), throws: 'NOT_BOOKING_HOST' },
    { name: 'a stranger cannot approve', given: awaitingApproval, when: approve('someone'), throws: 'NOT_BOOKING_HOST' },
    { name: 'twice', given: awaitingPayment, when: approve(), throws: 'BOOKING_STATE' },
    { name: 'an instant booking needs no approval', given: [requested({ instantBook: true })], when: approve(), throws: 'BOOKING_STATE' },
    { name: 'after a decline', given: [...awaitingApproval, declinedEvent], when: approve(), throws: 'BOOKING_STATE' },
  ])('$name', spec.run);
});

describe('DeclineBooking', () => {
  it.each<Case>([
    { name: 'the host declines, the event names the hold to release', given: awaitingApproval, when: decline(), then: [declinedEvent] },
    {
      name: 'with a reason',
      given: awaitingApproval,
      when: decline('host-1', 'closed for works'),
      then: [{ type: 'BookingDeclined', data: { bookingId: 'b1', by: 'host-1', reason: 'closed for works', ...hold, at: LATER } }],
    },
    { name: 'the guest cannot decline', given: awaitingApproval, when: decline('guest-1'), throws: 'NOT_BOOKING_HOST' },
    { name: 'not after approval', given: [...awaitingApproval, approved], when: decline(), throws: 'BOOKING_STATE' },
    { name: 'not once confirmed', given: confirmedBooking, when: decline(), throws: 'BOOKING_STATE' },
  ])('$name', spec.run);
});

describe('ExpireBookingRequest', () => {
  it.each<Case>([
    {
      name: 'an unanswered request expires',
      given: awaitingApproval,
      when: expire,
      then: [{ type: 'BookingRequestExpired', data: { bookingId: 'b1', ...hold, at: LATER } }],
    },
    { name: 'an approved request does not', given: awaitingPayment, when: expire, then: [] },
    { name: 'a declined request does not', given: [...awaitingApproval, declinedEvent], when: expire, then: [] },
    {
      name: 'an expired request does not again',
      given: [...awaitingApproval, { type: 'BookingRequestExpired', data: { bookingId: 'b1', ...hold, at: LATER } }],
      when: expire,
      then: [],
    },
    { name: 'unknown booking', when: expire, throws: 'BOOKING_NOT_FOUND' },
  ])('$name', spec.run);
});
