import { z } from 'zod';
import { Id, Instant } from '../shared/primitives.ts';
import { Money } from '../shared/money.ts';
import { PaymentIssueFields } from '../shared/payment-issue.ts';
import { FeeBasisPoints } from './events.ts';

const base = { hostId: Id, now: Instant };

/**
 * What a completed booking keeps, as read from its stream at `bookingRevision`: the ledger
 * records it the first time, and later only the difference (a newer revision that kept less or more).
 */
const RecordBookingEarningData = z.object({
  ...base,
  bookingId: Id,
  listingId: Id,
  month: z.string(),
  kept: Money,
  bookingRevision: z.number().int().min(0),
  feeBasisPoints: FeeBasisPoints,
  availableAt: Instant,
});
const StartPayoutData = z.object({ ...base, payoutId: Id, currency: Money.shape.currency });
const RecordPayoutSentData = z.object({ ...base, payoutId: Id, gatewayPayoutId: Id, amount: Money });
const RecordPayoutIssueData = z.object({ ...base, ...PaymentIssueFields });
const ResolvePayoutIssueData = z.object({ ...base, taskId: PaymentIssueFields.taskId });

const command = <T extends string, D extends z.ZodType>(type: T, data: D) => z.object({ type: z.literal(type), data });

export const PayoutCommand = z.discriminatedUnion('type', [
  command('RecordBookingEarning', RecordBookingEarningData),
  command('StartPayout', StartPayoutData),
  command('RecordPayoutSent', RecordPayoutSentData),
  command('RecordPayoutIssue', RecordPayoutIssueData),
  command('ResolvePayoutIssue', ResolvePayoutIssueData),
]);
export type PayoutCommand = z.infer<typeof PayoutCommand>;
export type PayoutCommandOf<T extends PayoutCommand['type']> = Extract<PayoutCommand, { type: T }>;
