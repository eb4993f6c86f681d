import { unknownEvent } from '../shared/decider.ts';
import type { Money } from '../shared/money.ts';
import { withIssue, withoutIssue, type PaymentIssue } from '../shared/payment-issue.ts';
import type { CancellationPolicy, ListingKind } from '../listings/details.ts';
import type { BookingEvent } from './events.ts';
import { allocateRefund, credit, type BookingPayment, type RefundPart } from './payments.ts';
import type { Stay } from './stay.ts';

export type BookingStatus =
  | 'none'
  | 'awaiting_approval'
  | 'awaiting_payment'
  | 'confirmed'
  | 'declined'
  | 'request_expired'
  | 'payment_failed'
  | 'cancelled'
  | 'completed';

export type Booking = {
  status: Exclude<BookingStatus, 'none'>;
  bookingId: string;
  guestId: string;
  hostId: string;
  listingId: string;
  unitTypeId: string;
  kind: ListingKind;
  stay: Stay;
  guests: number;
  units: number;
  total: Money;
  instantBook: boolean;
  cancellationPolicy: CancellationPolicy;
  holdId: string;
  /** The listing's time zone when the booking was requested (absent before bookings knew it: UTC). */
  timeZone?: string;
  requestedAt: string;
  /** Captured for this booking (orphaned payments excluded: they are refunded whole). */
  paid: Money;
  /** Decided to go back to the guest out of `paid` (cancellation, cheaper modification), executed or not. */
  credited: Money;
  /** Refunds actually executed, of any cause. */
  refunded: Money;
  /** Every payment id seen, orphaned ones included (a capture recorded twice is ignored). */
  paymentIds: string[];
  /** The captures the booking keeps, oldest first, with what goes back out of each. */
  payments: BookingPayment[];
  refundIds: string[];
  guestReviewed: boolean;
  hostReviewed: boolean;
  /** What each party wrote, kept unseen until both are in or the window closes. */
  reviews: { guest?: StayReview; host?: StayReview };
  reviewsPublished: boolean;
  /** Money tasks parked for a person, oldest first; empty when all is well. */
  paymentIssues: PaymentIssue[];
  /** A restaurant deposit's fate once the vendor (or the deadline) decided it. */
  deposit?: 'settled' | 'no_show';
};

type StayReview = { rating: number; comment: string; at: string };

export type BookingState = { status: 'none' } | Booking;

export const initialBookingState: BookingState = { status: 'none' };

const activeStatuses: readonly BookingStatus[] = ['awaiting_approval', 'awaiting_payment', 'confirmed'];

export const bookingStatusOf = (state: BookingState): BookingStatus => state.status;

/** Still holding its nights or slot: not yet ended by a decline, expiry, failure, cancellation or completion. */
export const isActive = (state: BookingState): boolean => activeStatuses.includes(state.status);

/** What the guest has paid and keeps paid: captured minus what was decided to go back. */
export const netPaid = (booking: Booking): Money => ({
  amount: Math.max(0, booking.paid.amount - booking.credited.amount),
  currency: booking.paid.currency,
});

const statusOn: Partial<Record<BookingEvent['type'], Booking['status']>> = {
  BookingApproved: 'awaiting_payment',
  BookingDeclined: 'declined',
  BookingRequestExpired: 'request_expired',
  BookingConfirmed: 'confirmed',
  BookingPaymentFailed: 'payment_failed',
  BookingCancelled: 'cancelled',
  BookingCompleted: 'completed',
};

/** The booking's status machine: where an event moves a booking in `status` (read models use it too). */
export const statusAfter = (status: Booking['status'], event: BookingEvent): Booking['status'] =>
  event.type === 'BookingRequested' ? (event.data.instantBook ? 'awaiting_payment' : 'awaiting_approval') : (statusOn[event.type] ?? status);

// evolve never throws, so it adds amounts without the currency check `add` makes (decide made it).
const plus = (a: Money, b: Money): Money => ({ amount: a.amount + b.amount, currency: a.currency });

/** An event written before refunds named their payments is read as if the same rule had placed them. */
const partsOf = (state: Booking, amount: Money, parts: RefundPart[] | undefined): RefundPart[] => parts ?? allocateRefund(state.payments, amount);

/** A refund recorded before refunds named their payment went to the latest one. */
const legacyRefundTarget = (payments: BookingPayment[]): string | undefined => payments.at(-1)?.paymentId;

export const evolve = (state: BookingState, event: BookingEvent): BookingState => {
  if (event.type === 'BookingRequested') {
    if (state.status !== 'none') return state;
    const { at, ...data } = event.data;
    const nothing = { amount: 0, currency: data.total.currency };
    return {
      ...data,
      status: statusAfter('awaiting_approval', event),
      requestedAt: at,
      paid: nothing,
      credited: nothing,
      refunded: nothing,
      paymentIds: [],
      payments: [],
      refundIds: [],
      guestReviewed: false,
      hostReviewed: false,
      reviews: {},
      reviewsPublished: false,
      paymentIssues: [],
    };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'BookingApproved':
      return { ...state, status: statusAfter(state.status, event) };
    case 'BookingDeclined':
      return { ...state, status: statusAfter(state.status, event) };
    case 'BookingRequestExpired':
      return { ...state, status: statusAfter(state.status, event) };
    case 'BookingPaid': {
      const { paymentId, amount } = event.data;
      const payment = { paymentId, amount: amount.amount, credited: 0, refunded: 0 };
      return { ...state, paid: plus(state.paid, amount), paymentIds: [...state.paymentIds, paymentId], payments: [...state.payments, payment] };
    }
    case 'BookingConfirmed':
      return { ...state, status: statusAfter(state.status, event) };
    case 'BookingPaymentOrphaned':
      return { ...state, paymentIds: [...state.paymentIds, event.data.paymentId] };
    case 'BookingPaymentFailed':
      return { ...state, status: statusAfter(state.status, event) };
    case 'BookingCancelled': {
      const { refund, refunds } = event.data;
      return {
        ...state,
        status: statusAfter(state.status, event),
        credited: plus(state.credited, refund),
        payments: credit(state.payments, partsOf(state, refund, refunds)),
      };
    }
    case 'BookingModified': {
      const { stay, guests, units, total, holdId, refundDue, refunds } = event.data;
      const payments = credit(state.payments, partsOf(state, refundDue, refunds));
      return { ...state, stay, guests, units, total, holdId, credited: plus(state.credited, refundDue), payments };
    }
    case 'BookingRefunded': {
      const { amount, refundId } = event.data;
      const paymentId = event.data.paymentId ?? legacyRefundTarget(state.payments);
      const payments = state.payments.map((p) => (p.paymentId === paymentId ? { ...p, refunded: p.refunded + amount.amount } : p));
      return { ...state, refunded: plus(state.refunded, amount), refundIds: [...state.refundIds, refundId], payments };
    }
    case 'BookingCompleted':
      return { ...state, status: statusAfter(state.status, event) };
    case 'GuestReviewedStay': {
      const { rating, comment, at } = event.data;
      return { ...state, guestReviewed: true, reviews: { ...state.reviews, guest: { rating, comment, at } } };
    }
    case 'HostReviewedGuest': {
      const { rating, comment, at } = event.data;
      return { ...state, hostReviewed: true, reviews: { ...state.reviews, host: { rating, comment, at } } };
    }
    case 'BookingReviewsPublished':
      return { ...state, reviewsPublished: true };
    case 'BookingPaymentIssueRaised': {
      const { taskId, operation, error, at } = event.data;
      return { ...state, paymentIssues: withIssue(state.paymentIssues, { taskId, operation, error, since: at }) };
    }
    case 'BookingPaymentIssueResolved':
      return { ...state, paymentIssues: withoutIssue(state.paymentIssues, event.data.taskId) };
    case 'BookingDepositSettled': {
      const { refund, refunds } = event.data;
      return { ...state, deposit: 'settled', credited: plus(state.credited, refund), payments: credit(state.payments, refunds) };
    }
    case 'BookingNoShowMarked':
      return { ...state, deposit: 'no_show' };
    case 'BookingRefundGranted': {
      const { refund, refunds } = event.data;
      return { ...state, credited: plus(state.credited, refund), payments: credit(state.payments, refunds) };
    }
    default:
      return unknownEvent(state, event);
  }
};
