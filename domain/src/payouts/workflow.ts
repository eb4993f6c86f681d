import { z } from 'zod';
import { isBookingEvent } from '../bookings/events.ts';
import { Id, Instant } from '../shared/primitives.ts';
import { Money } from '../shared/money.ts';
import { isPayoutEvent } from './events.ts';

/*
 * What the payout workflow does after each event, as data (the runner stores the tasks durably):
 * a completed booking records its earning on the host's ledger; an earning falls due after the
 * payout delay and pays out everything of the host's that is due by then, once.
 */
export const PayoutTask = z.discriminatedUnion('type', [
  /** The runner reads the booking now (what it keeps, at which revision) and records it on the ledger. */
  z.object({ type: z.literal('RecordBookingEarning'), bookingId: Id }),
  /** The runner starts a payout of the host's due entries (the task id is the payout id), pays it through the gateway, records it. */
  z.object({ type: z.literal('PayOut'), hostId: Id, currency: Money.shape.currency }),
]);
export type PayoutTask = z.infer<typeof PayoutTask>;

export const PayoutReaction = z.object({ taskId: z.string().min(1), dueAt: Instant, task: PayoutTask });
export type PayoutReaction = z.infer<typeof PayoutReaction>;

type AnyEvent = { type: string; data: unknown };

export const payoutReactions = (event: AnyEvent): PayoutReaction[] => {
  if (isBookingEvent(event)) {
    if (event.type === 'BookingCompleted') {
      const { bookingId, at } = event.data;
      return [{ taskId: `earning:${bookingId}:completed`, dueAt: at, task: { type: 'RecordBookingEarning', bookingId } }];
    }
    // money given back after the stay comes out of the host's earning (netted if already paid out)
    if (event.type === 'BookingRefundGranted') {
      const { bookingId, grantId, at } = event.data;
      return [{ taskId: `earning:${bookingId}:${grantId}`, dueAt: at, task: { type: 'RecordBookingEarning', bookingId } }];
    }
    // a restaurant earns once its deposit's fate is known (a no-op until the slot is over)
    if (event.type === 'BookingDepositSettled' || event.type === 'BookingNoShowMarked') {
      const { bookingId, at } = event.data;
      return [{ taskId: `earning:${bookingId}:deposit`, dueAt: at, task: { type: 'RecordBookingEarning', bookingId } }];
    }
    return [];
  }
  if (!isPayoutEvent(event)) return [];
  switch (event.type) {
    case 'HostEarningAccrued': {
      const { hostId, bookingId, net, availableAt } = event.data;
      return [{ taskId: `payout:${hostId}:${bookingId}`, dueAt: availableAt, task: { type: 'PayOut', hostId, currency: net.currency } }];
    }
    case 'HostEarningAdjusted': {
      // a change to an earning already due is settled with the next payout; one not yet due waits for its earning
      const { hostId, adjustmentId, net, at } = event.data;
      return [{ taskId: `payout:${hostId}:${adjustmentId}`, dueAt: at, task: { type: 'PayOut', hostId, currency: net.currency } }];
    }
    default:
      return [];
  }
};
