import { z } from 'zod';
import { Money } from '../shared/money.ts';
import { PaymentIssueFields } from '../shared/payment-issue.ts';
import { Id, Instant } from '../shared/primitives.ts';
import { CancellationPolicy, ListingKind, Slots } from '../listings/details.ts';
import { Stay } from './stay.ts';

/*
 * Shapes only: ranges and rules (party size, stay length, rating…) are the decider's, so that
 * they answer with domain error codes whoever sends the command.
 */
const base = { bookingId: Id, now: Instant };
const Count = z.number().int();

/** When a restaurant seats: its slot grid and opening hours, in its time zone. */
export const SlotGrid = z.object({ slots: Slots, timeZone: z.string() });
export type SlotGrid = z.infer<typeof SlotGrid>;

const ListingSnapshot = z.object({
  listingId: Id,
  hostId: Id,
  kind: ListingKind,
  status: z.enum(['draft', 'published', 'unlisted']),
  instantBook: z.boolean(),
  cancellationPolicy: CancellationPolicy,
  currency: Money.shape.currency,
  /** The listing's IANA time zone: check-in and check-out are on its wall clock (UTC when it names none). */
  timeZone: z.string().min(1).max(100).optional(),
  /** A restaurant's; a slot is booked only on it. */
  slotGrid: SlotGrid.optional(),
});
/**
 * `count` units of `capacity` guests each; `price` is the base price of a night (or a table's
 * deposit); `nightPrices` the per-date prices the host set for nights of the asked stay, read from
 * the listing by whoever sends the command.
 */
export const UnitTypeSnapshot = z.object({
  unitTypeId: Id,
  name: z.string(),
  count: Count,
  capacity: Count,
  price: Money,
  nightPrices: z.record(z.string(), Money).optional(),
});
export type UnitTypeSnapshot = z.infer<typeof UnitTypeSnapshot>;

const RequestBookingData = z.object({
  ...base,
  guestId: Id,
  listing: ListingSnapshot,
  unitType: UnitTypeSnapshot,
  stay: Stay,
  guests: Count,
  /** Units asked for; absent, as many as the party needs. */
  units: Count.optional(),
  holdId: Id,
  /** When an unanswered request expires (the host's response deadline); ignored for instant booking. */
  respondBy: Instant.optional(),
});
const ApproveBookingData = z.object({ ...base, actorId: Id });
const DeclineBookingData = z.object({ ...base, actorId: Id, reason: z.string().max(500).optional() });
const ExpireBookingRequestData = z.object(base);
const RecordPaymentCapturedData = z.object({
  ...base,
  paymentId: Id,
  amount: Money,
  /** The caller confirms the booking's hold in the same atomic append when this confirms the booking (the capture workflow does). */
  holdConfirmed: z.literal(true).optional(),
});
const RecordPaymentFailedData = z.object({ ...base, reason: z.string() });
const CancelBookingData = z.object({ ...base, actorId: Id, reason: z.string().max(500).optional() });
const ModifyBookingData = z.object({
  ...base,
  actorId: Id,
  /** What the guest asks to change; absent, it stays (units follow a new party size unless asked). */
  stay: Stay.optional(),
  guests: Count.optional(),
  units: Count.optional(),
  /** The booked unit type as it is now: its units, capacity and current prices (of the new stay's nights). */
  unitType: UnitTypeSnapshot.omit({ unitTypeId: true }),
  slotGrid: SlotGrid.optional(),
  /** The hold to place when the change needs other nights, another slot or other units. */
  newHoldId: Id,
});
const RecordRefundData = z.object({ ...base, refundId: Id, paymentId: Id, amount: Money });
const CompleteBookingData = z.object(base);
const ReviewStayData = z.object({ ...base, actorId: Id, rating: z.number(), comment: z.string() });

const PublishReviewsData = z.object(base);
/** `actorId` absent: the deadline after an unmarked slot settles it. */
const SettleDepositData = z.object({ ...base, actorId: Id.optional() });
const MarkNoShowData = z.object({ ...base, actorId: Id });
const GrantRefundData = z.object({ ...base, actorId: Id, grantId: Id, amount: Money, reason: z.string().max(500).optional() });
const RecordPaymentIssueData = z.object({ ...base, ...PaymentIssueFields });
const ResolvePaymentIssueData = z.object({ ...base, taskId: PaymentIssueFields.taskId });

const command = <T extends string, D extends z.ZodType>(type: T, data: D) => z.object({ type: z.literal(type), data });

export const BookingCommand = z.discriminatedUnion('type', [
  command('RequestBooking', RequestBookingData),
  command('ApproveBooking', ApproveBookingData),
  command('DeclineBooking', DeclineBookingData),
  command('ExpireBookingRequest', ExpireBookingRequestData),
  command('RecordPaymentCaptured', RecordPaymentCapturedData),
  command('RecordPaymentFailed', RecordPaymentFailedData),
  command('CancelBooking', CancelBookingData),
  command('ModifyBooking', ModifyBookingData),
  command('RecordRefund', RecordRefundData),
  command('CompleteBooking', CompleteBookingData),
  command('ReviewStay', ReviewStayData),
  command('PublishReviews', PublishReviewsData),
  command('RecordPaymentIssue', RecordPaymentIssueData),
  command('ResolvePaymentIssue', ResolvePaymentIssueData),
  command('GrantRefund', GrantRefundData),
  command('SettleDeposit', SettleDepositData),
  command('MarkNoShow', MarkNoShowData),
]);
export type BookingCommand = z.infer<typeof BookingCommand>;
type BookingCommandType = BookingCommand['type'];
export type BookingCommandOf<T extends BookingCommandType> = Extract<BookingCommand, { type: T }>;
