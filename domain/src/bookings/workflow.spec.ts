import { describe, expect, it } from 'vitest';
import type { BookingEvent } from './events.ts';
import { approved, confirmed, eur, hold, LATER, NOW, paid, requested } from './fixtures.ts';
import type { ReleaseReason } from '../calendar/calendar.ts';
import { bookingReactions, BookingTask, Reaction } from './workflow.ts';

const settings = { hostResponseHours: 24, holdTtlMinutes: 15 };
const longer = { kind: 'nights' as const, checkIn: '2026-04-10', checkOut: '2026-04-14' };
type ModifiedOver = {
  confirmed: boolean;
  refundDue?: number;
  refunds?: [string, number][];
  captureDue?: number;
  difference?: number;
  guests?: number;
  keepHold?: boolean;
};
const modified = (over: ModifiedOver): BookingEvent => ({
  type: 'BookingModified',
  data: {
    bookingId: 'b1',
    unitTypeId: 'ut-1',
    previous: { stay: hold.stay, guests: 2, units: 1, total: eur(30_000), holdId: 'hold-1' },
    stay: over.keepHold ? hold.stay : longer,
    guests: over.guests ?? 2,
    units: 1,
    total: eur(30_000 + (over.difference ?? 0)),
    holdId: over.keepHold ? 'hold-1' : 'hold-2',
    priceDifference: { amount: over.difference ?? 0, currency: 'EUR' },
    refundDue: eur(over.refundDue ?? 0),
    ...(over.refunds ? { refunds: over.refunds.map(([paymentId, amount]) => ({ paymentId, amount: eur(amount) })) } : {}),
    captureDue: eur(over.captureDue ?? 0),
    confirmed: over.confirmed,
    at: LATER,
  },
});
const releaseHold = (reason: ReleaseReason): Reaction => ({
  taskId: 'release-hold:b1:hold-1',
  dueAt: LATER,
  task: { type: 'ReleaseHold', bookingId: 'b1', ...hold, reason },
});
const cancelled = (refund: number, parts?: [string, number][]): BookingEvent => ({
  type: 'BookingCancelled',
  data: {
    bookingId: 'b1',
    by: 'guest-1',
    byRole: 'guest',
    refund: eur(refund),
    ...(parts ? { refunds: parts.map(([paymentId, amount]) => ({ paymentId, amount: eur(amount) })) } : {}),
    reason: '',
    ...hold,
    at: LATER,
  },
});
const END = '2026-04-13T11:00:00.000Z';

describe('bookingReactions(event, settings)', () => {
  it.each<{ name: string; event: BookingEvent; tasks: Reaction[] }>([
    {
      name: 'a request waits for the host, until a deadline',
      event: requested(),
      tasks: [{ taskId: 'expire-request:b1', dueAt: '2026-03-02T10:00:00.000Z', task: { type: 'ExpireRequest', bookingId: 'b1' } }],
    },
    {
      name: 'a request that carries its deadline expires then, whatever the setting says now',
      event: requested({ respondBy: '2026-03-03T08:00:00.000Z' }),
      tasks: [{ taskId: 'expire-request:b1', dueAt: '2026-03-03T08:00:00.000Z', task: { type: 'ExpireRequest', bookingId: 'b1' } }],
    },
    {
      name: 'an instant booking is charged now, with a payment deadline',
      event: requested({ instantBook: true }),
      tasks: [
        { taskId: 'capture-payment:b1', dueAt: NOW, task: { type: 'CapturePayment', bookingId: 'b1' } },
        { taskId: 'expire-payment:b1', dueAt: '2026-03-01T10:15:00.000Z', task: { type: 'ExpirePayment', bookingId: 'b1' } },
      ],
    },
    {
      name: 'an approved request is charged its current total, with a payment deadline',
      event: { ...approved, data: { ...approved.data, at: LATER } },
      tasks: [
        { taskId: 'capture-payment:b1', dueAt: LATER, task: { type: 'CapturePayment', bookingId: 'b1' } },
        { taskId: 'expire-payment:b1', dueAt: '2026-03-02T10:15:00.000Z', task: { type: 'ExpirePayment', bookingId: 'b1' } },
      ],
    },
    {
      name: 'a decline releases the hold',
      event: { type: 'BookingDeclined', data: { bookingId: 'b1', by: 'host-1', reason: '', ...hold, at: LATER } },
      tasks: [releaseHold('declined')],
    },
    {
      name: 'an unanswered request releases the hold',
      event: { type: 'BookingRequestExpired', data: { bookingId: 'b1', ...hold, at: LATER } },
      tasks: [releaseHold('request_expired')],
    },
    {
      name: 'a failed payment releases the hold',
      event: { type: 'BookingPaymentFailed', data: { bookingId: 'b1', reason: 'declined', ...hold, at: LATER } },
      tasks: [releaseHold('payment_failed')],
    },
    { name: 'a cancellation with nothing to refund releases the hold', event: cancelled(0), tasks: [releaseHold('cancelled')] },
    {
      name: 'a cancellation written before refunds named payments releases the hold and refunds the whole',
      event: cancelled(15_000),
      tasks: [
        releaseHold('cancelled'),
        { taskId: 'refund:b1:cancelled', dueAt: LATER, task: { type: 'Refund', bookingId: 'b1', amount: eur(15_000), reason: 'cancelled' } },
      ],
    },
    {
      name: 'a cancellation refunds each payment on its own task, keyed by the payment',
      event: cancelled(40_000, [
        ['pay-2', 10_000],
        ['pay-1', 30_000],
      ]),
      tasks: [
        releaseHold('cancelled'),
        {
          taskId: 'refund:b1:cancelled:pay-2',
          dueAt: LATER,
          task: { type: 'Refund', bookingId: 'b1', paymentId: 'pay-2', amount: eur(10_000), reason: 'cancelled' },
        },
        {
          taskId: 'refund:b1:cancelled:pay-1',
          dueAt: LATER,
          task: { type: 'Refund', bookingId: 'b1', paymentId: 'pay-1', amount: eur(30_000), reason: 'cancelled' },
        },
      ],
    },
    {
      name: 'a confirmation confirms the hold and completes after check-out',
      event: confirmed(LATER),
      tasks: [
        { taskId: 'confirm-hold:b1:hold-1', dueAt: LATER, task: { type: 'ConfirmHold', bookingId: 'b1', ...hold } },
        { taskId: 'complete-stay:b1:hold-1', dueAt: END, task: { type: 'CompleteStay', bookingId: 'b1' } },
      ],
    },
    {
      name: 'a confirmation whose hold was confirmed in its own append only completes after check-out',
      event: { ...confirmed(LATER), data: { ...confirmed(LATER).data, holdConfirmed: true } },
      tasks: [{ taskId: 'complete-stay:b1:hold-1', dueAt: END, task: { type: 'CompleteStay', bookingId: 'b1' } }],
    },
    {
      name: 'a payment nobody owes goes back whole',
      event: { type: 'BookingPaymentOrphaned', data: { bookingId: 'b1', paymentId: 'pay-2', amount: eur(30_000), at: LATER } },
      tasks: [
        {
          taskId: 'refund:b1:orphaned:pay-2',
          dueAt: LATER,
          task: { type: 'Refund', bookingId: 'b1', paymentId: 'pay-2', amount: eur(30_000), reason: 'orphaned' },
        },
      ],
    },
    {
      name: 'a modified request releases the old hold only',
      event: modified({ confirmed: false, difference: 10_000 }),
      tasks: [releaseHold('modified')],
    },
    {
      name: 'a modified confirmed stay confirms the new hold, releases the old, charges the difference, completes at the new end',
      event: modified({ confirmed: true, difference: 10_000, captureDue: 10_000 }),
      tasks: [
        { taskId: 'confirm-hold:b1:hold-2', dueAt: LATER, task: { type: 'ConfirmHold', bookingId: 'b1', holdId: 'hold-2', unitTypeId: 'ut-1', stay: longer } },
        { taskId: 'complete-stay:b1:hold-2', dueAt: '2026-04-14T11:00:00.000Z', task: { type: 'CompleteStay', bookingId: 'b1' } },
        releaseHold('modified'),
        { taskId: 'capture-difference:b1:hold-2', dueAt: LATER, task: { type: 'CaptureDifference', bookingId: 'b1', amount: eur(10_000) } },
      ],
    },
    {
      name: 'a cheaper confirmed stay (written before refunds named payments) refunds the difference',
      event: modified({ confirmed: true, difference: -10_000, refundDue: 10_000 }),
      tasks: [
        { taskId: 'confirm-hold:b1:hold-2', dueAt: LATER, task: { type: 'ConfirmHold', bookingId: 'b1', holdId: 'hold-2', unitTypeId: 'ut-1', stay: longer } },
        { taskId: 'complete-stay:b1:hold-2', dueAt: '2026-04-14T11:00:00.000Z', task: { type: 'CompleteStay', bookingId: 'b1' } },
        releaseHold('modified'),
        { taskId: 'refund:b1:modified:hold-2', dueAt: LATER, task: { type: 'Refund', bookingId: 'b1', amount: eur(10_000), reason: 'modified' } },
      ],
    },
    {
      name: 'a cheaper confirmed stay refunds the difference out of the named payment',
      event: modified({ confirmed: true, difference: -10_000, refundDue: 10_000, refunds: [['pay-2', 10_000]] }),
      tasks: [
        { taskId: 'confirm-hold:b1:hold-2', dueAt: LATER, task: { type: 'ConfirmHold', bookingId: 'b1', holdId: 'hold-2', unitTypeId: 'ut-1', stay: longer } },
        { taskId: 'complete-stay:b1:hold-2', dueAt: '2026-04-14T11:00:00.000Z', task: { type: 'CompleteStay', bookingId: 'b1' } },
        releaseHold('modified'),
        {
          taskId: 'refund:b1:modified:hold-2:pay-2',
          dueAt: LATER,
          task: { type: 'Refund', bookingId: 'b1', paymentId: 'pay-2', amount: eur(10_000), reason: 'modified' },
        },
      ],
    },
    {
      name: 'a change of party size that kept the hold touches no hold',
      event: modified({ confirmed: true, guests: 3, keepHold: true }),
      tasks: [],
    },
    { name: 'a payment alone schedules nothing', event: paid(), tasks: [] },
    {
      name: 'a recorded refund schedules nothing',
      event: { type: 'BookingRefunded', data: { bookingId: 'b1', refundId: 'r', amount: eur(1), at: LATER } },
      tasks: [],
    },
    {
      name: 'a completion publishes the reviews when the window closes, 14 days on',
      event: { type: 'BookingCompleted', data: { bookingId: 'b1', payout: eur(1), at: END } },
      tasks: [{ taskId: 'publish-reviews:b1', dueAt: '2026-04-27T11:00:00.000Z', task: { type: 'PublishReviews', bookingId: 'b1' } }],
    },
    {
      name: 'a review schedules nothing',
      event: { type: 'HostReviewedGuest', data: { bookingId: 'b1', guestId: 'guest-1', hostId: 'host-1', rating: 5, comment: '', at: END } },
      tasks: [],
    },
  ])('$name', ({ event, tasks }) => {
    const reactions = bookingReactions({ ...event, streamId: 'booking-b1' }, settings);
    expect(reactions).toEqual(tasks);
    for (const reaction of reactions) expect(Reaction.parse(reaction)).toEqual(reaction);
  });

  it('ignores events of other streams', () => {
    expect(bookingReactions({ type: 'HoldPlaced', data: { holdId: 'h' }, streamId: 'calendar-ut-1-2026-04' }, settings)).toEqual([]);
  });

  it('still reads a charge task stored when it carried the amount and the card token (neither is used)', () => {
    const stored = { type: 'CapturePayment', bookingId: 'b1', amount: eur(30_000), paymentMethod: 'tok_visa' };
    expect(BookingTask.parse(stored)).toEqual({ type: 'CapturePayment', bookingId: 'b1' });
  });

  it('schedules the same tasks for a redelivered event', () => {
    const event = { ...confirmed(LATER), streamId: 'booking-b1' };
    expect(bookingReactions(event, settings)).toEqual(bookingReactions(structuredClone(event), settings));
  });
});
