import { describe, it } from 'vitest';
import { specFor, type SpecCase } from '../shared/spec.ts';
import { bookingDecider } from './booking.ts';
import type { BookingCommand } from './commands.ts';
import type { BookingEvent } from './events.ts';
import { confirmedBooking, LATER } from './fixtures.ts';

const spec = specFor(bookingDecider);
type Case = SpecCase<BookingCommand, BookingEvent>;
const TASK = 'refund:b1:cancelled:pay-1';
const record = (taskId = TASK): BookingCommand => ({
  type: 'RecordPaymentIssue',
  data: { bookingId: 'b1', now: LATER, taskId, operation: 'refund', error: 'PaymentGatewayUnavailable: down' },
});
const resolve = (taskId = TASK): BookingCommand => ({ type: 'ResolvePaymentIssue', data: { bookingId: 'b1', now: LATER, taskId } });
const raised = (taskId = TASK): BookingEvent => ({
  type: 'BookingPaymentIssueRaised',
  data: { bookingId: 'b1', taskId, operation: 'refund', error: 'PaymentGatewayUnavailable: down', at: LATER },
});
const resolved: BookingEvent = { type: 'BookingPaymentIssueResolved', data: { bookingId: 'b1', taskId: TASK, at: LATER } };

describe('payment issues of a booking', () => {
  it.each<Case>([
    { name: 'a parked money task raises an issue on the booking', given: confirmedBooking, when: record(), then: [raised()] },
    { name: 'raised once per task', given: [...confirmedBooking, raised()], when: record(), then: [] },
    {
      name: 'another task raises its own',
      given: [...confirmedBooking, raised()],
      when: record('capture-difference:b1:hold-2'),
      then: [raised('capture-difference:b1:hold-2')],
    },
    { name: 'the task succeeding later resolves it', given: [...confirmedBooking, raised()], when: resolve(), then: [resolved] },
    { name: 'nothing to resolve when no issue is open', given: confirmedBooking, when: resolve(), then: [] },
    { name: 'resolved once', given: [...confirmedBooking, raised(), resolved], when: resolve(), then: [] },
    { name: 'unknown booking', when: record(), throws: 'BOOKING_NOT_FOUND' },
  ])('$name', spec.run);
});
