import { z } from 'zod';
import { SignedMoney } from '../bookings/events.ts';
import { Id, Instant } from '../shared/primitives.ts';
import { Money } from '../shared/money.ts';
import { PaymentIssueFields } from '../shared/payment-issue.ts';

/** A share in basis points of the money a stay kept (10000 = 100%). */
export const FeeBasisPoints = z.number().int().min(0).max(10_000);

/** What a completed booking earned its host: the money the guest kept paid, the platform's fee, the rest. */
const HostEarningAccruedData = z.object({
  hostId: Id,
  bookingId: Id,
  listingId: Id,
  /** The month of check-out (or of a restaurant slot), as earnings are reported. */
  month: z.string(),
  gross: Money,
  fee: Money,
  net: Money,
  feeBasisPoints: FeeBasisPoints,
  /** The booking's stream revision the amounts were taken from. */
  bookingRevision: z.number().int().min(0),
  /** Not paid out before this instant (check-out plus the payout delay). */
  availableAt: Instant,
  at: Instant,
});

/**
 * The money a booking kept changed after it earned (a refund to the guest after the stay, a late
 * capture): the differences, netted against the host's next payout. Negative when the host owes.
 */
const HostEarningAdjustedData = z.object({
  hostId: Id,
  bookingId: Id,
  adjustmentId: Id,
  gross: SignedMoney,
  fee: SignedMoney,
  net: SignedMoney,
  bookingRevision: z.number().int().min(0),
  at: Instant,
});

/** A payout decided: the entries it settles (earnings by booking id, adjustments by id) and their sum. */
const HostPayoutStartedData = z.object({
  hostId: Id,
  payoutId: Id,
  amount: Money,
  earnings: z.array(Id),
  adjustments: z.array(Id),
  at: Instant,
});
const HostPayoutSentData = z.object({ hostId: Id, payoutId: Id, gatewayPayoutId: Id, amount: Money, at: Instant });
const HostPayoutIssueRaisedData = z.object({ hostId: Id, ...PaymentIssueFields, at: Instant });
const HostPayoutIssueResolvedData = z.object({ hostId: Id, taskId: PaymentIssueFields.taskId, at: Instant });

const event = <T extends string, D extends z.ZodType>(type: T, data: D) => z.object({ type: z.literal(type), data });

export const PayoutEvent = z.discriminatedUnion('type', [
  event('HostEarningAccrued', HostEarningAccruedData),
  event('HostEarningAdjusted', HostEarningAdjustedData),
  event('HostPayoutStarted', HostPayoutStartedData),
  event('HostPayoutSent', HostPayoutSentData),
  event('HostPayoutIssueRaised', HostPayoutIssueRaisedData),
  event('HostPayoutIssueResolved', HostPayoutIssueResolvedData),
]);
export type PayoutEvent = z.infer<typeof PayoutEvent>;
type PayoutEventType = PayoutEvent['type'];

const payoutEventTypes = PayoutEvent.options.map((option) => option.shape.type.value) as PayoutEventType[];
const known = new Set<string>(payoutEventTypes);

export const isPayoutEvent = <E extends { type: string; data: unknown }>(event: E): event is E & PayoutEvent => known.has(event.type);
