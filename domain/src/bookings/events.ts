import { z } from 'zod';
import { Money } from '../shared/money.ts';
import { PaymentIssueFields } from '../shared/payment-issue.ts';
import { RefundPart } from './payments.ts';
import { Id, Instant } from '../shared/primitives.ts';
import { CancellationPolicy, ListingKind } from '../listings/details.ts';
import { Stay } from './stay.ts';

/** A difference of money: negative when the guest gets money back. */
export const SignedMoney = z.object({ amount: z.number().int().safe(), currency: Money.shape.currency });
export type SignedMoney = z.infer<typeof SignedMoney>;
const Rating = z.number().int().min(1).max(5);
const ReviewComment = z.string().max(2000);

/** Where the booking's calendar hold lives, carried by every event after which the hold changes. */
const hold = { holdId: Id, unitTypeId: Id, stay: Stay };
/**
 * The listing's time zone, whose wall clock sets check-in and check-out (absent in events written
 * before: those bookings keep the UTC instants they had).
 */
const timeZone = z.string().min(1).optional();

const BookingRequestedData = z.object({
  bookingId: Id,
  guestId: Id,
  hostId: Id,
  listingId: Id,
  unitTypeId: Id,
  kind: ListingKind,
  stay: Stay,
  guests: z.number().int().min(1),
  units: z.number().int().min(1),
  total: Money,
  instantBook: z.boolean(),
  cancellationPolicy: CancellationPolicy,
  holdId: Id,
  timeZone,
  /** The host's response deadline of a request (absent for instant booking, and in events written before). */
  respondBy: Instant.optional(),
  at: Instant,
});
const BookingApprovedData = z.object({ bookingId: Id, by: Id, at: Instant });
const BookingDeclinedData = z.object({ bookingId: Id, by: Id, reason: z.string(), ...hold, at: Instant });
const BookingRequestExpiredData = z.object({ bookingId: Id, ...hold, at: Instant });
const BookingPaidData = z.object({ bookingId: Id, paymentId: Id, amount: Money, at: Instant });
const BookingConfirmedData = z.object({
  bookingId: Id,
  ...hold,
  timeZone,
  /** Its hold was confirmed in the same append; absent (and in events written before), a workflow task confirms it. */
  holdConfirmed: z.literal(true).optional(),
  at: Instant,
});
const BookingPaymentOrphanedData = z.object({ bookingId: Id, paymentId: Id, amount: Money, at: Instant });
const BookingPaymentFailedData = z.object({ bookingId: Id, reason: z.string(), ...hold, at: Instant });
const BookingCancelledData = z.object({
  bookingId: Id,
  by: Id,
  byRole: z.enum(['guest', 'host']),
  refund: Money,
  /** How `refund` is taken out of the booking's payments, newest first (absent in events written before). */
  refunds: z.array(RefundPart).optional(),
  reason: z.string(),
  ...hold,
  at: Instant,
});
const BookingTerms = z.object({ stay: Stay, guests: z.number().int().min(1), units: z.number().int().min(1), total: Money, holdId: Id });
const BookingModifiedData = z.object({
  bookingId: Id,
  unitTypeId: Id,
  previous: BookingTerms,
  ...BookingTerms.shape,
  priceDifference: SignedMoney,
  /** Owed back to the guest now: what was paid beyond the new total (0 when nothing was paid). */
  refundDue: Money,
  /** How `refundDue` is taken out of the booking's payments, newest first (absent in events written before). */
  refunds: z.array(RefundPart).optional(),
  /** To capture now: the increase, when the booking is already confirmed (else the capture takes the new total). */
  captureDue: Money,
  confirmed: z.boolean(),
  timeZone,
  at: Instant,
});
/** `paymentId`: the payment refunded (absent in events written before: it was the latest one). */
const BookingRefundedData = z.object({ bookingId: Id, refundId: Id, paymentId: Id.optional(), amount: Money, at: Instant });
const BookingCompletedData = z.object({ bookingId: Id, payout: Money, at: Instant });
const GuestReviewedStayData = z.object({
  bookingId: Id,
  listingId: Id,
  guestId: Id,
  rating: Rating,
  comment: ReviewComment,
  at: Instant,
});
const HostReviewedGuestData = z.object({
  bookingId: Id,
  guestId: Id,
  hostId: Id,
  rating: Rating,
  comment: ReviewComment,
  at: Instant,
});

const PublishedReview = z.object({ rating: Rating, comment: ReviewComment, at: Instant });
/**
 * Double-blind: both reviews of a stay become visible together, when the second is in or when the
 * review window closes, so that neither party writes knowing the other's.
 */
const BookingReviewsPublishedData = z.object({
  bookingId: Id,
  listingId: Id,
  hostId: Id,
  guestId: Id,
  /** The month of the stay's start, as reviews show it. */
  stayMonth: z.string(),
  guestReview: PublishedReview.optional(),
  hostReview: PublishedReview.optional(),
  at: Instant,
});
/**
 * The host gives money back after the stay (a dispute settled, a complaint upheld): taken out of
 * the booking's payments like a cancellation's refund, and out of the host's earning on the ledger.
 */
const BookingRefundGrantedData = z.object({
  bookingId: Id,
  grantId: Id,
  by: Id,
  refund: Money,
  refunds: z.array(RefundPart),
  reason: z.string(),
  at: Instant,
});
/**
 * A restaurant's table deposit after the meal: given back when the vendor marks the bill settled
 * (or, unmarked, automatically some time after the slot: `by` is absent then), kept on a no-show.
 */
const BookingDepositSettledData = z.object({ bookingId: Id, by: Id.optional(), refund: Money, refunds: z.array(RefundPart), at: Instant });
const BookingNoShowMarkedData = z.object({ bookingId: Id, by: Id, kept: Money, at: Instant });
const BookingPaymentIssueRaisedData = z.object({ bookingId: Id, ...PaymentIssueFields, at: Instant });
const BookingPaymentIssueResolvedData = z.object({ bookingId: Id, taskId: PaymentIssueFields.taskId, at: Instant });

const event = <T extends string, D extends z.ZodType>(type: T, data: D) => z.object({ type: z.literal(type), data });

export const BookingEvent = z.discriminatedUnion('type', [
  event('BookingRequested', BookingRequestedData),
  event('BookingApproved', BookingApprovedData),
  event('BookingDeclined', BookingDeclinedData),
  event('BookingRequestExpired', BookingRequestExpiredData),
  event('BookingPaid', BookingPaidData),
  event('BookingConfirmed', BookingConfirmedData),
  event('BookingPaymentOrphaned', BookingPaymentOrphanedData),
  event('BookingPaymentFailed', BookingPaymentFailedData),
  event('BookingCancelled', BookingCancelledData),
  event('BookingModified', BookingModifiedData),
  event('BookingRefunded', BookingRefundedData),
  event('BookingCompleted', BookingCompletedData),
  event('GuestReviewedStay', GuestReviewedStayData),
  event('HostReviewedGuest', HostReviewedGuestData),
  event('BookingReviewsPublished', BookingReviewsPublishedData),
  event('BookingPaymentIssueRaised', BookingPaymentIssueRaisedData),
  event('BookingPaymentIssueResolved', BookingPaymentIssueResolvedData),
  event('BookingRefundGranted', BookingRefundGrantedData),
  event('BookingDepositSettled', BookingDepositSettledData),
  event('BookingNoShowMarked', BookingNoShowMarkedData),
]);
export type BookingEvent = z.infer<typeof BookingEvent>;
export type BookingEventType = BookingEvent['type'];
export type BookingEventOf<T extends BookingEventType> = Extract<BookingEvent, { type: T }>;

export const bookingEventTypes = BookingEvent.options.map((option) => option.shape.type.value) as BookingEventType[];

const known = new Set<string>(bookingEventTypes);

/** Narrows an event read from a store or log by its type name (its data is trusted, not parsed). */
export const isBookingEvent = <E extends { type: string; data: unknown }>(event: E): event is E & BookingEvent => known.has(event.type);
