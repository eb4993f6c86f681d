import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { bookings } from '@stayhub/domain';
import { confirmedBooking, eur, LATER } from '@stayhub/domain/bookings/fixtures';
import type { RecordedEvent } from '@stayhub/infra';
import { evolveBookingDocument } from './booking-document.ts';

const recordedAll = (events: bookings.BookingEvent[]): RecordedEvent[] =>
  events.map((event, revision) => ({
    eventId: randomUUID(),
    type: event.type,
    schemaVersion: 1,
    streamId: 'booking-b1',
    streamRevision: revision,
    globalPosition: String(revision + 1).padStart(20, '0'),
    occurredAt: LATER,
    data: event.data,
    metadata: {},
  }));

const raised: bookings.BookingEvent = {
  type: 'BookingPaymentIssueRaised',
  data: { bookingId: 'b1', taskId: 'refund:b1:cancelled:pay-1', operation: 'refund', error: 'PaymentGatewayUnavailable: down', at: LATER },
};
const refunded: bookings.BookingEvent = { type: 'BookingRefunded', data: { bookingId: 'b1', refundId: 're-1', paymentId: 'pay-1', amount: eur(30_000), at: LATER } };
const resolved: bookings.BookingEvent = { type: 'BookingPaymentIssueResolved', data: { bookingId: 'b1', taskId: 'refund:b1:cancelled:pay-1', at: LATER } };

describe('booking document', () => {
  const history = recordedAll([...confirmedBooking, raised, refunded, resolved]);
  const twice = (n: number) => history.slice(0, n).flatMap((e) => [e, e]).reduce(evolveBookingDocument, undefined);
  const once = (n: number) => history.slice(0, n).reduce(evolveBookingDocument, undefined);

  it('shows a parked money task as the payment issue, until the task succeeds', () => {
    expect(once(confirmedBooking.length)!.paymentIssue).toBeUndefined();
    expect(once(confirmedBooking.length + 1)!.paymentIssue).toEqual({
      taskId: 'refund:b1:cancelled:pay-1',
      operation: 'refund',
      error: 'PaymentGatewayUnavailable: down',
      since: LATER,
    });
    const healed = once(history.length)!;
    expect(healed.paymentIssue).toBeUndefined();
    expect(healed.refunded).toEqual(eur(30_000));
  });

  it.each(history.map((event, i) => [event.type, i + 1] as const))('is the same when %s is delivered twice', (_type, n) => {
    expect(twice(n)).toEqual(once(n));
  });
});
