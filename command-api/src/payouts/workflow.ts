import { addHours, bookings, localDateTime, monthOf, payouts } from '@stayhub/domain';
import { type EventMetadata, type Workflow } from '@stayhub/event-sourcing';
import { PayoutSettings } from '@stayhub/platform-kit';
import type { CommandDeps } from '../shared/deps.ts';

/**
 * Host payouts as a durable process: a completed booking records what it kept on its host's
 * ledger (fee and net beside it); when an earning falls due (check-out plus `PAYOUT_DELAY_HOURS`)
 * the task starts a payout of everything due (the task id is the payout id), asks the gateway for
 * it with that id as the idempotency key, and records the answer. A retry after any step finds
 * the payout already started and asks the gateway again with the same key, so the host is paid once.
 */
export const payoutWorkflow = (deps: CommandDeps): Workflow<payouts.PayoutTask> => {
  const settings = PayoutSettings.parse(deps.settings);
  const onLedger = (hostId: string, command: payouts.PayoutCommand, metadata: EventMetadata) =>
    deps.processor.handle(payouts.hostLedgerStreamId(hostId), payouts.hostLedgerDecider, command, metadata);
  const metadataOf = (taskId: string, correlationId: string): EventMetadata => ({ actor: 'workflow:payouts', causationId: taskId, correlationId });

  return {
    name: 'payouts',
    react: payouts.payoutReactions,
    onParked: async (task, { now, taskId, error }) => {
      if (task.type !== 'PayOut') return;
      const data = { hostId: task.hostId, taskId, operation: 'payout' as const, error: error.slice(0, 2000), now: now.toISOString() };
      await onLedger(task.hostId, { type: 'RecordPayoutIssue', data }, metadataOf(taskId, task.hostId));
    },
    onRecovered: async (task, { now, taskId }) => {
      if (task.type !== 'PayOut') return;
      await onLedger(
        task.hostId,
        { type: 'ResolvePayoutIssue', data: { hostId: task.hostId, taskId, now: now.toISOString() } },
        metadataOf(taskId, task.hostId),
      );
    },
    execute: async (task, { now, taskId }) => {
      const at = now.toISOString();
      switch (task.type) {
        case 'RecordBookingEarning': {
          const { state: booking, revision } = await deps.processor.load(bookings.bookingStreamId(task.bookingId), bookings.bookingDecider, { current: true });
          // a restaurant's deposit is earned only once the vendor (or the deadline) decided it
          if (booking.status !== 'completed' || (booking.kind === 'restaurant' && !booking.deposit)) return;
          const end = bookings.stayEnd(booking.stay, booking.timeZone);
          const data = {
            hostId: booking.hostId,
            bookingId: booking.bookingId,
            listingId: booking.listingId,
            // the month of check-out on the listing's calendar, as its host counts earnings
            month: monthOf(localDateTime(end, booking.timeZone ?? 'UTC')),
            kept: bookings.netPaid(booking),
            bookingRevision: revision,
            feeBasisPoints: settings.PLATFORM_FEE_BASIS_POINTS,
            availableAt: addHours(end, settings.PAYOUT_DELAY_HOURS),
            now: at,
          };
          await onLedger(booking.hostId, { type: 'RecordBookingEarning', data }, metadataOf(taskId, booking.bookingId));
          return;
        }
        case 'PayOut': {
          const metadata = metadataOf(taskId, task.hostId);
          const { state } = await onLedger(
            task.hostId,
            { type: 'StartPayout', data: { hostId: task.hostId, payoutId: taskId, currency: task.currency, now: at } },
            metadata,
          );
          const payout = state.payouts[taskId];
          if (!payout || payout.status === 'sent') return;
          const paid = await deps.gateway.payout({ idempotencyKey: taskId, amount: payout.amount, destination: task.hostId, reference: taskId });
          const data = { hostId: task.hostId, payoutId: taskId, gatewayPayoutId: paid.payoutId, amount: paid.amount, now: at };
          await onLedger(task.hostId, { type: 'RecordPayoutSent', data }, metadata);
          return;
        }
        default:
          return assertTask(task);
      }
    },
  };
};

const assertTask = (task: never): never => {
  throw new Error(`Unknown payout task ${JSON.stringify(task)}`);
};
