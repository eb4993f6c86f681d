import { z } from 'zod';
import { assertNever } from '../shared/decider.ts';
import { Money } from '../shared/money.ts';
import type { RefundPart } from './payments.ts';
import { addHours, addMinutes } from '../shared/time.ts';
import { Id, Instant } from '../shared/primitives.ts';
import { isBookingEvent } from './events.ts';
import { ReleaseReason } from '../calendar/calendar.ts';
import { REVIEW_WINDOW_DAYS } from './reviews.ts';
import { Stay, stayEnd } from './stay.ts';

/*
 * What the booking workflow does after each booking event, as data: tasks with a deterministic id
 * (so a redelivered event schedules nothing twice) and the instant they fall due. The runner stores
 * them durably and turns each into a command or a gateway call when due.
 */
export type WorkflowSettings = {
  hostResponseHours: number;
  holdTtlMinutes: number;
  /** After a restaurant slot's end, an unmarked table's deposit goes back (the app's configuration; 24 when omitted). */
  depositRefundHours?: number;
};

const hold = { holdId: Id, unitTypeId: Id, stay: Stay };
const RefundReason = z.enum(['cancelled', 'orphaned', 'modified', 'granted', 'settled']);
type RefundReason = z.infer<typeof RefundReason>;

export const BookingTask = z.discriminatedUnion('type', [
  /**
   * Charge the booking: the runner reads its total from the booking, and its card token from the
   * payment record (a task stored before may still carry an amount or a token: neither is read).
   */
  z.object({ type: z.literal('CapturePayment'), bookingId: Id }),
  /** Payment deadline: the runner sends RecordPaymentFailed (a no-op once paid), releasing the hold. */
  z.object({ type: z.literal('ExpirePayment'), bookingId: Id }),
  /** Host response deadline: the runner sends ExpireBookingRequest. */
  z.object({ type: z.literal('ExpireRequest'), bookingId: Id }),
  z.object({ type: z.literal('ConfirmHold'), bookingId: Id, ...hold }),
  z.object({ type: z.literal('ReleaseHold'), bookingId: Id, ...hold, reason: ReleaseReason }),
  z.object({ type: z.literal('Refund'), bookingId: Id, paymentId: Id.optional(), amount: Money, reason: RefundReason }),
  z.object({ type: z.literal('CaptureDifference'), bookingId: Id, amount: Money }),
  /** After the stay: the runner sends CompleteBooking (a no-op before the current stay's end). */
  z.object({ type: z.literal('CompleteStay'), bookingId: Id }),
  /** When the review window closes: the runner sends PublishReviews (a no-op once both were in). */
  z.object({ type: z.literal('PublishReviews'), bookingId: Id }),
  /** After a restaurant slot: the runner sends SettleDeposit with no actor (a no-op once the vendor marked it). */
  z.object({ type: z.literal('SettleUnmarkedDeposit'), bookingId: Id }),
]);
export type BookingTask = z.infer<typeof BookingTask>;

export const Reaction = z.object({ taskId: z.string().min(1), dueAt: Instant, task: BookingTask });
export type Reaction = z.infer<typeof Reaction>;

type AnyEvent = { type: string; data: unknown; streamId?: string };

const release = (data: { bookingId: string; holdId: string; unitTypeId: string; stay: Stay; at: string }, reason: ReleaseReason): Reaction => {
  const { bookingId, holdId, unitTypeId, stay, at } = data;
  return { taskId: `release-hold:${bookingId}:${holdId}`, dueAt: at, task: { type: 'ReleaseHold', bookingId, holdId, unitTypeId, stay, reason } };
};

const confirm = (
  bookingId: string,
  holdId: string,
  unitTypeId: string,
  stay: Stay,
  timeZone: string | undefined,
  at: string,
  settings: WorkflowSettings,
  holdConfirmed = false,
): Reaction[] => [
  // a hold confirmed in the confirmation's own append needs no task
  ...(holdConfirmed
    ? []
    : [{ taskId: `confirm-hold:${bookingId}:${holdId}`, dueAt: at, task: { type: 'ConfirmHold', bookingId, holdId, unitTypeId, stay } } as const]),
  // keyed by hold: a modification schedules its own completion, the stale one finds the stay not over
  { taskId: `complete-stay:${bookingId}:${holdId}`, dueAt: stayEnd(stay, timeZone), task: { type: 'CompleteStay', bookingId } },
  ...(stay.kind === 'slot'
    ? [
        {
          taskId: `settle-deposit:${bookingId}:${holdId}`,
          dueAt: addHours(stayEnd(stay, timeZone), settings.depositRefundHours ?? 24),
          task: { type: 'SettleUnmarkedDeposit', bookingId },
        } as const,
      ]
    : []),
];

/**
 * One refund task per payment, keyed by the payment (so each is refunded once, with its own
 * idempotency key). An event written before refunds named their payments has one task for the
 * whole amount, which the runner spreads over the payments when it runs.
 */
const refundTasks = (bookingId: string, key: string, amount: Money, parts: RefundPart[] | undefined, reason: RefundReason, at: string): Reaction[] => {
  if (!parts) return amount.amount > 0 ? [{ taskId: `refund:${bookingId}:${key}`, dueAt: at, task: { type: 'Refund', bookingId, amount, reason } }] : [];
  return parts.map(({ paymentId, amount: part }) => ({
    taskId: `refund:${bookingId}:${key}:${paymentId}`,
    dueAt: at,
    task: { type: 'Refund', bookingId, paymentId, amount: part, reason },
  }));
};

const paymentDeadline = (bookingId: string, at: string, settings: WorkflowSettings): Reaction => ({
  taskId: `expire-payment:${bookingId}`,
  dueAt: addMinutes(at, settings.holdTtlMinutes),
  task: { type: 'ExpirePayment', bookingId },
});

export const bookingReactions = (event: AnyEvent, settings: WorkflowSettings): Reaction[] => {
  if (!isBookingEvent(event)) return [];
  switch (event.type) {
    case 'BookingRequested': {
      const { bookingId, at } = event.data;
      if (!event.data.instantBook)
        return [
          {
            taskId: `expire-request:${bookingId}`,
            dueAt: event.data.respondBy ?? addHours(at, settings.hostResponseHours),
            task: { type: 'ExpireRequest', bookingId },
          },
        ];
      return [{ taskId: `capture-payment:${bookingId}`, dueAt: at, task: { type: 'CapturePayment', bookingId } }, paymentDeadline(bookingId, at, settings)];
    }
    case 'BookingApproved': {
      const { bookingId, at } = event.data;
      return [{ taskId: `capture-payment:${bookingId}`, dueAt: at, task: { type: 'CapturePayment', bookingId } }, paymentDeadline(bookingId, at, settings)];
    }
    case 'BookingDeclined':
      return [release(event.data, 'declined')];
    case 'BookingRequestExpired':
      return [release(event.data, 'request_expired')];
    case 'BookingPaymentFailed':
      return [release(event.data, 'payment_failed')];
    case 'BookingCancelled': {
      const { bookingId, refund, refunds, at } = event.data;
      return [release(event.data, 'cancelled'), ...refundTasks(bookingId, 'cancelled', refund, refunds, 'cancelled', at)];
    }
    case 'BookingConfirmed': {
      const { bookingId, holdId, unitTypeId, stay, timeZone, holdConfirmed, at } = event.data;
      return confirm(bookingId, holdId, unitTypeId, stay, timeZone, at, settings, holdConfirmed);
    }
    case 'BookingPaymentOrphaned': {
      const { bookingId, paymentId, amount, at } = event.data;
      return [{ taskId: `refund:${bookingId}:orphaned:${paymentId}`, dueAt: at, task: { type: 'Refund', bookingId, paymentId, amount, reason: 'orphaned' } }];
    }
    case 'BookingModified': {
      const { bookingId, unitTypeId, previous, holdId, stay, refundDue, refunds, captureDue, confirmed, timeZone, at } = event.data;
      const newHold = holdId !== previous.holdId;
      return [
        ...(newHold && confirmed ? confirm(bookingId, holdId, unitTypeId, stay, timeZone, at, settings) : []),
        ...(newHold ? [release({ bookingId, holdId: previous.holdId, unitTypeId, stay: previous.stay, at }, 'modified')] : []),
        ...refundTasks(bookingId, `modified:${holdId}`, refundDue, refunds, 'modified', at),
        ...(captureDue.amount > 0
          ? [{ taskId: `capture-difference:${bookingId}:${holdId}`, dueAt: at, task: { type: 'CaptureDifference', bookingId, amount: captureDue } } as const]
          : []),
      ];
    }
    case 'BookingCompleted': {
      const { bookingId, at } = event.data;
      // completion comes at or after check-out, so this is no earlier than the window's end
      return [{ taskId: `publish-reviews:${bookingId}`, dueAt: addMinutes(at, REVIEW_WINDOW_DAYS * 24 * 60), task: { type: 'PublishReviews', bookingId } }];
    }
    case 'BookingDepositSettled': {
      const { bookingId, refund, refunds, at } = event.data;
      return refundTasks(bookingId, 'settled', refund, refunds, 'settled', at);
    }
    case 'BookingNoShowMarked':
      return [];
    case 'BookingRefundGranted': {
      const { bookingId, grantId, refund, refunds, at } = event.data;
      return refundTasks(bookingId, `granted:${grantId}`, refund, refunds, 'granted', at);
    }
    case 'BookingPaid':
    case 'BookingRefunded':
    case 'BookingReviewsPublished':
    case 'GuestReviewedStay':
    case 'HostReviewedGuest':
    case 'BookingPaymentIssueRaised':
    case 'BookingPaymentIssueResolved':
      return [];
    default:
      return assertNever(event);
  }
};
