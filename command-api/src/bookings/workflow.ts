import { bookings, calendar, DomainError, type Money, type PaymentOperation } from '@stayhub/domain';
import { PaymentGatewayError } from '@stayhub/payments';
import { type EventMetadata, type Handled, type Workflow } from '@stayhub/event-sourcing';
import { PayoutSettings } from '@stayhub/platform-kit';
import type { CommandDeps } from '../shared/deps.ts';
import { confirmStay, confirmSteps, releaseStay } from './holds.ts';

type Task = bookings.BookingTask | calendar.CalendarTask;

/** Tasks that move money: parked, they show on the booking as a payment issue. */
const moneyOperation: Partial<Record<Task['type'], PaymentOperation>> = { CapturePayment: 'capture', CaptureDifference: 'capture', Refund: 'refund' };

/**
 * The booking process manager: reacts to booking and calendar events (decided in the domain),
 * and carries each task out as a command or a gateway call. Gateway calls use the task id as
 * their idempotency key, so a retried task never charges or refunds twice; a gateway that is
 * down makes the task fail and retry later, while the payment deadline still runs.
 */
export const bookingWorkflow = (deps: CommandDeps): Workflow<Task> => {
  const settings = {
    hostResponseHours: deps.settings.HOST_RESPONSE_HOURS,
    holdTtlMinutes: deps.settings.HOLD_TTL_MINUTES,
    depositRefundHours: PayoutSettings.parse(deps.settings).DEPOSIT_REFUND_HOURS,
  };
  const load = async (bookingId: string) => (await deps.processor.load(bookings.bookingStreamId(bookingId), bookings.bookingDecider, { current: true })).state;
  const send = (bookingId: string, command: bookings.BookingCommand, metadata: EventMetadata) =>
    deps.processor.handle(bookings.bookingStreamId(bookingId), bookings.bookingDecider, command, metadata);
  /**
   * A capture that confirms the booking confirms its hold in the same atomic append (one commit, no
   * ConfirmHold task). A hold that cannot be confirmed (released meanwhile) does not hold back the
   * payment: it is recorded alone then, and the task the confirmation asks for meets the hold as before.
   */
  const recordCapture = async (
    booking: bookings.Booking,
    captured: Extract<bookings.BookingCommand, { type: 'RecordPaymentCaptured' }>,
    metadata: EventMetadata,
  ) => {
    const confirms = (earlier: Handled<any, any>[]) => earlier[0]?.events.some((e) => e.type === 'BookingConfirmed') === true;
    const withHold = { ...captured, data: { ...captured.data, holdConfirmed: true as const } };
    try {
      await deps.processor.handleAll(
        [
          { streamId: bookings.bookingStreamId(booking.bookingId), decider: bookings.bookingDecider, command: withHold },
          ...confirmSteps(deps, booking, confirms),
        ],
        metadata,
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      await send(booking.bookingId, captured, metadata);
    }
  };

  const cardOf = async (bookingId: string): Promise<string> => {
    const token = await deps.secrets.paymentMethod(bookingId);
    if (!token) throw new Error(`booking ${bookingId} has no card token in its payment record`);
    return token;
  };
  const issueMetadata = (task: { bookingId: string }, taskId: string): EventMetadata => ({
    actor: 'workflow:bookings',
    causationId: taskId,
    correlationId: task.bookingId,
  });

  return {
    name: 'bookings',
    react: (event) => [...bookings.bookingReactions(event, settings), ...calendar.calendarReactions(event)],
    onParked: async (task, { now, taskId, error }) => {
      const operation = moneyOperation[task.type];
      if (!operation || !('bookingId' in task)) return;
      const data = { bookingId: task.bookingId, taskId, operation, error: error.slice(0, 2000), now: now.toISOString() };
      await send(task.bookingId, { type: 'RecordPaymentIssue', data }, issueMetadata(task, taskId));
    },
    onRecovered: async (task, { now, taskId }) => {
      if (!moneyOperation[task.type] || !('bookingId' in task)) return;
      await send(
        task.bookingId,
        { type: 'ResolvePaymentIssue', data: { bookingId: task.bookingId, taskId, now: now.toISOString() } },
        issueMetadata(task, taskId),
      );
    },
    execute: async (task, { now, taskId, attempt }) => {
      const at = now.toISOString();
      const metadata: EventMetadata = { actor: 'workflow:bookings', causationId: taskId, correlationId: 'bookingId' in task ? task.bookingId : taskId };
      switch (task.type) {
        case 'CapturePayment': {
          const booking = await load(task.bookingId);
          if (booking.status === 'none') return;
          const amount: Money = booking.total;
          const idempotencyKey = `${taskId}:${amount.amount}`;
          if (booking.status !== 'awaiting_payment') {
            // An earlier attempt may have charged and lost the answer (a timeout, a crash) before the
            // deadline failed the booking: record that charge, so the booking refunds what it no longer wants.
            const earlier = attempt > 1 ? await deps.gateway.findCharge(idempotencyKey) : undefined;
            if (earlier?.status === 'captured') {
              await send(
                task.bookingId,
                { type: 'RecordPaymentCaptured', data: { bookingId: task.bookingId, paymentId: earlier.paymentId, amount: earlier.amount, now: at } },
                metadata,
              );
            }
            return;
          }
          try {
            const result = await deps.gateway.charge({
              idempotencyKey,
              amount,
              paymentMethod: await cardOf(task.bookingId),
              reference: task.bookingId,
            });
            if (result.status === 'captured') {
              const captured = {
                type: 'RecordPaymentCaptured',
                data: { bookingId: task.bookingId, paymentId: result.paymentId, amount: result.amount, now: at },
              } as const;
              await recordCapture(booking, captured, metadata);
            } else {
              await send(task.bookingId, { type: 'RecordPaymentFailed', data: { bookingId: task.bookingId, reason: result.reason, now: at } }, metadata);
            }
          } catch (error) {
            if (!(error instanceof PaymentGatewayError)) throw error;
            await send(task.bookingId, { type: 'RecordPaymentFailed', data: { bookingId: task.bookingId, reason: error.code, now: at } }, metadata);
          }
          return;
        }
        case 'ExpirePayment':
          await send(task.bookingId, { type: 'RecordPaymentFailed', data: { bookingId: task.bookingId, reason: 'payment_timeout', now: at } }, metadata);
          return;
        case 'ExpireRequest':
          await send(task.bookingId, { type: 'ExpireBookingRequest', data: { bookingId: task.bookingId, now: at } }, metadata);
          return;
        case 'ConfirmHold': {
          // A booking cancelled (or modified) since it was confirmed has had this hold released.
          const booking = await load(task.bookingId);
          if (booking.status !== 'confirmed' || booking.holdId !== task.holdId) return;
          await confirmStay(deps, task, metadata);
          return;
        }
        case 'ReleaseHold':
          await releaseStay(deps, task, metadata);
          return;
        case 'Refund': {
          const booking = await load(task.bookingId);
          if (booking.status === 'none') return;
          // Each part is its own gateway refund of one payment, recorded before the next is asked for.
          const parts = task.paymentId
            ? [{ paymentId: task.paymentId, amount: task.amount, idempotencyKey: taskId }]
            : bookings.legacyRefundPlan(booking.payments, task.amount, taskId);
          for (const { paymentId, amount, idempotencyKey } of parts) {
            const refund = await deps.gateway.refund({ idempotencyKey, paymentId, amount, reference: task.bookingId });
            await send(
              task.bookingId,
              { type: 'RecordRefund', data: { bookingId: task.bookingId, refundId: refund.refundId, paymentId, amount: refund.amount, now: at } },
              metadata,
            );
          }
          return;
        }
        case 'CaptureDifference': {
          const booking = await load(task.bookingId);
          if (booking.status !== 'confirmed') return;
          const result = await deps.gateway.charge({
            idempotencyKey: taskId,
            amount: task.amount,
            paymentMethod: await cardOf(task.bookingId),
            reference: task.bookingId,
          });
          if (result.status === 'captured') {
            await send(
              task.bookingId,
              { type: 'RecordPaymentCaptured', data: { bookingId: task.bookingId, paymentId: result.paymentId, amount: result.amount, now: at } },
              metadata,
            );
          } else {
            deps.log.warn({ bookingId: task.bookingId, reason: result.reason }, 'the price difference of a modified booking was declined');
          }
          return;
        }
        case 'CompleteStay':
          await send(task.bookingId, { type: 'CompleteBooking', data: { bookingId: task.bookingId, now: at } }, metadata);
          return;
        case 'PublishReviews':
          await send(task.bookingId, { type: 'PublishReviews', data: { bookingId: task.bookingId, now: at } }, metadata);
          return;
        case 'SettleUnmarkedDeposit':
          await send(task.bookingId, { type: 'SettleDeposit', data: { bookingId: task.bookingId, now: at } }, metadata);
          return;
        case 'ReleaseOrphanedHold': {
          // A booking that names this hold owns it; any other hold of the booking's id is left over.
          const booking = await load(task.bookingId);
          if (booking.status !== 'none' && booking.holdId === task.holdId && bookings.isActive(booking)) return;
          await deps.processor.handle(
            task.calendarStreamId,
            calendar.calendarDecider,
            { type: 'ReleaseExpiredHold', data: { holdId: task.holdId, now: at } },
            metadata,
          );
          return;
        }
        default:
          return assertTask(task);
      }
    },
  };
};

const assertTask = (task: never): never => {
  throw new Error(`Unknown booking task ${JSON.stringify(task)}`);
};
