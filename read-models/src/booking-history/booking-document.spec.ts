import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { bookings } from '@stayhub/domain';
import { approved, confirmedBooking, eur, LATER, paid, requested } from '@stayhub/domain/testing/bookings';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { evolveHostBooking } from '../host-bookings/host-booking-document.ts';
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
const refunded: bookings.BookingEvent = {
  type: 'BookingRefunded',
  data: { bookingId: 'b1', refundId: 're-1', paymentId: 'pay-1', amount: eur(30_000), at: LATER },
};
const resolved: bookings.BookingEvent = { type: 'BookingPaymentIssueResolved', data: { bookingId: 'b1', taskId: 'refund:b1:cancelled:pay-1', at: LATER } };

describe('booking document', () => {
  const history = recordedAll([...confirmedBooking, raised, refunded, resolved]);
  const twice = (n: number) =>
    history
      .slice(0, n)
      .flatMap((e) => [e, e])
      .reduce(evolveBookingDocument, undefined);
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

describe('booking document folded once for every read model that keeps one', () => {
  const history = recordedAll([...confirmedBooking, raised, refunded, resolved]);
  const fresh = () => recordedAll([...confirmedBooking, raised, refunded, resolved]);

  it('a second read model folding the same events from the same document gets the very same documents', () => {
    const first = history.reduce(evolveBookingDocument, undefined);
    const second = history.reduce(evolveBookingDocument, undefined);
    expect(second).toBe(first);
    expect(first).toEqual(fresh().reduce(evolveBookingDocument, undefined));
  });

  it('a read model whose document differs (a host booking with its share) folds its own, and keeps its own fields', () => {
    const events = fresh();
    const booking = events.slice(0, 2).reduce(evolveBookingDocument, undefined)!;
    const withShare = { ...booking, payout: { gross: eur(30_000), fee: eur(3_000), net: eur(27_000) }, ledgerRevision: 0 };
    const [next] = events.slice(2);
    const plain = evolveBookingDocument(booking, next!);
    const host = evolveHostBooking(withShare, next!);
    expect(host).not.toBe(plain);
    expect(host).toEqual({ ...plain, payout: withShare.payout, ledgerRevision: 0 });
    // and the plain fold of the same event is still its own, whatever was folded last
    expect(evolveBookingDocument(booking, next!)).toEqual(plain);
  });
});

describe('booking document in the listing time zone', () => {
  const stay = { kind: 'nights' as const, checkIn: '2026-04-10', checkOut: '2026-04-13' };
  const moved = { kind: 'nights' as const, checkIn: '2026-04-11', checkOut: '2026-04-14' };
  const modified: bookings.BookingEvent = {
    type: 'BookingModified',
    data: {
      bookingId: 'b1',
      unitTypeId: 'ut-1',
      previous: { stay, guests: 2, units: 1, total: eur(30_000), holdId: 'hold-1' },
      stay: moved,
      guests: 2,
      units: 1,
      total: eur(30_000),
      holdId: 'hold-2',
      priceDifference: eur(0),
      refundDue: eur(0),
      captureDue: eur(0),
      confirmed: false,
      timeZone: 'Asia/Tokyo',
      at: LATER,
    },
  };
  const history = recordedAll([requested({ stay, timeZone: 'Asia/Tokyo' }), approved, paid(), modified]);
  const once = (n: number) => history.slice(0, n).reduce(evolveBookingDocument, undefined);

  it('starts at check-in 15:00 and ends at check-out 11:00 in Tokyo, and a modification keeps that clock', () => {
    expect(once(1)).toMatchObject({ start: '2026-04-10T06:00:00.000Z', end: '2026-04-13T02:00:00.000Z' });
    expect(once(4)).toMatchObject({ start: '2026-04-11T06:00:00.000Z', end: '2026-04-14T02:00:00.000Z' });
  });

  it.each(history.map((event, i) => [event.type, i + 1] as const))('is the same when %s is delivered twice', (_type, n) => {
    expect(
      history
        .slice(0, n)
        .flatMap((e) => [e, e])
        .reduce(evolveBookingDocument, undefined),
    ).toEqual(once(n));
  });
});
