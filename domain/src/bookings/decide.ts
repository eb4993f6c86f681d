import type { ListingKind } from '../listings/details.ts';
import { slotIsOpen } from '../listings/opening-hours.ts';
import { assertNever } from '../shared/decider.ts';
import { fail } from '../shared/errors.ts';
import { zero, type Money } from '../shared/money.ts';
import { isOpen } from '../shared/payment-issue.ts';
import { localDateTime, monthOf, notBefore } from '../shared/time.ts';
import type { BookingCommand, BookingCommandOf, SlotGrid, UnitTypeSnapshot } from './commands.ts';
import type { BookingEvent } from './events.ts';
import { allocateRefund } from './payments.ts';
import { refundFor } from './refund.ts';
import { isActive, netPaid, type Booking, type BookingState } from './state.ts';
import { REVIEW_WINDOW_DAYS, reviewWindowEnd } from './reviews.ts';
import { sameStay, stayEnd, stayStart, type Stay } from './stay.ts';
import { termsOf } from './terms.ts';

type Decision<T extends BookingCommand['type']> = (command: BookingCommandOf<T>['data'], state: BookingState) => BookingEvent[];

const bookingOf = (state: BookingState): Booking => (state.status === 'none' ? fail('BOOKING_NOT_FOUND', 'No such booking') : state);

const holdOf = (b: Booking) => ({ holdId: b.holdId, unitTypeId: b.unitTypeId, stay: b.stay });
/** Carried by the events whose reactions fall due at the stay's end (completion, reminders). */
const zoneOf = (b: Booking) => (b.timeZone !== undefined ? { timeZone: b.timeZone } : {});

const roleOf = (b: Booking, actorId: string): 'guest' | 'host' =>
  actorId === b.guestId ? 'guest' : actorId === b.hostId ? 'host' : fail('NOT_BOOKING_GUEST', 'Only the guest or the host of this booking');

/** Guards of the changes a guest or host makes to a live booking: it is open and has not begun. */
const ensureOpen = (b: Booking, now: string): void => {
  if (!isActive(b)) fail('BOOKING_STATE', `Booking is ${b.status}`, { status: b.status });
  if (notBefore(now, stayStart(b.stay, b.timeZone))) fail('BOOKING_STATE', 'The stay has already started', { status: b.status });
};

/** A restaurant seats a slot only on its grid, within opening hours, in its own time zone. */
const ensureSeated = (kind: ListingKind, stay: Stay, grid: SlotGrid | undefined): void => {
  // a slot at a rental is refused by the terms; a start that is no instant, by the stay's rules
  if (kind !== 'restaurant' || stay.kind !== 'slot' || Number.isNaN(Date.parse(stay.start))) return;
  const seating = grid ?? fail('STAY_INVALID', 'The restaurant has no opening hours to book a table in');
  if (!slotIsOpen(seating.slots, seating.timeZone, stay.start)) {
    fail(
      'STAY_INVALID',
      `The restaurant does not seat at ${localDateTime(stay.start, seating.timeZone)}: pick a start on its ${seating.slots.minutes}-minute grid within opening hours`,
    );
  }
};

/** The units a party needs (or asked for), which the unit type must have at all. */
const unitsFor = (unitType: Pick<UnitTypeSnapshot, 'name' | 'count' | 'capacity'>, guests: number, asked: number | undefined): number => {
  const units = asked ?? Math.max(1, Math.ceil(guests / unitType.capacity));
  if (units > unitType.count) {
    fail('PARTY_TOO_LARGE', `${unitType.name} has ${unitType.count} unit(s) of ${unitType.capacity} guests; ${guests} guests need ${units}`, {
      units,
      available: unitType.count,
    });
  }
  return units;
};

const request: Decision<'RequestBooking'> = (c, state) => {
  if (state.status !== 'none') fail('BOOKING_EXISTS', 'Booking already exists');
  const { listing, unitType } = c;
  ensureSeated(listing.kind, c.stay, listing.slotGrid);
  const units = unitsFor(unitType, c.guests, c.units);
  if (c.guestId === listing.hostId) fail('CANNOT_BOOK_OWN_LISTING', 'A host cannot book their own listing');
  if (listing.status !== 'published') fail('LISTING_NOT_PUBLISHED', 'Listing is not published', { status: listing.status });
  if (unitType.price.currency !== listing.currency)
    fail('CURRENCY_MISMATCH', 'Unit price is not in the listing currency', { price: unitType.price.currency, listing: listing.currency });
  const { stay, guests, now } = c;
  const terms = termsOf({
    kind: listing.kind,
    stay,
    guests,
    units,
    capacity: unitType.capacity,
    price: unitType.price,
    nightPrices: unitType.nightPrices,
    now,
  });
  return [
    {
      type: 'BookingRequested',
      data: {
        bookingId: c.bookingId,
        guestId: c.guestId,
        hostId: listing.hostId,
        listingId: listing.listingId,
        unitTypeId: unitType.unitTypeId,
        kind: listing.kind,
        ...terms,
        instantBook: listing.instantBook,
        cancellationPolicy: listing.cancellationPolicy,
        holdId: c.holdId,
        ...(listing.timeZone !== undefined ? { timeZone: listing.timeZone } : {}),
        ...(c.respondBy !== undefined && !listing.instantBook ? { respondBy: c.respondBy } : {}),
        at: c.now,
      },
    },
  ];
};

const hostAnswers = (b: Booking, actorId: string): void => {
  if (actorId !== b.hostId) fail('NOT_BOOKING_HOST', 'Only the host answers a booking request');
  if (b.status !== 'awaiting_approval') fail('BOOKING_STATE', `Booking is ${b.status}`, { status: b.status });
};

const approve: Decision<'ApproveBooking'> = (c, state) => {
  const b = bookingOf(state);
  hostAnswers(b, c.actorId);
  return [{ type: 'BookingApproved', data: { bookingId: b.bookingId, by: c.actorId, at: c.now } }];
};

const decline: Decision<'DeclineBooking'> = (c, state) => {
  const b = bookingOf(state);
  hostAnswers(b, c.actorId);
  return [{ type: 'BookingDeclined', data: { bookingId: b.bookingId, by: c.actorId, reason: c.reason ?? '', ...holdOf(b), at: c.now } }];
};

const expire: Decision<'ExpireBookingRequest'> = (c, state) => {
  const b = bookingOf(state);
  return b.status === 'awaiting_approval' ? [{ type: 'BookingRequestExpired', data: { bookingId: b.bookingId, ...holdOf(b), at: c.now } }] : [];
};

const outstanding = (b: Booking): number => b.total.amount - netPaid(b).amount;

/** A capture is facts from the gateway: it is recorded, confirms, or (when nothing owes it) goes back. */
const captured: Decision<'RecordPaymentCaptured'> = (c, state) => {
  const b = bookingOf(state);
  if (b.paymentIds.includes(c.paymentId)) return [];
  const { bookingId } = b;
  const paid = { type: 'BookingPaid', data: { bookingId, paymentId: c.paymentId, amount: c.amount, at: c.now } } as const;
  if (c.amount.currency === b.total.currency) {
    if (b.status === 'awaiting_payment') {
      const holdConfirmed = c.holdConfirmed ? { holdConfirmed: true as const } : {};
      return [paid, { type: 'BookingConfirmed', data: { bookingId, ...holdOf(b), ...zoneOf(b), ...holdConfirmed, at: c.now } }];
    }
    // the difference a modification asked for
    if (b.status === 'confirmed' && c.amount.amount > 0 && c.amount.amount <= outstanding(b)) return [paid];
  }
  return [{ type: 'BookingPaymentOrphaned', data: { bookingId, paymentId: c.paymentId, amount: c.amount, at: c.now } }];
};

const paymentFailed: Decision<'RecordPaymentFailed'> = (c, state) => {
  const b = bookingOf(state);
  return b.status === 'awaiting_payment' ? [{ type: 'BookingPaymentFailed', data: { bookingId: b.bookingId, reason: c.reason, ...holdOf(b), at: c.now } }] : [];
};

const cancel: Decision<'CancelBooking'> = (c, state) => {
  const b = bookingOf(state);
  const byRole = roleOf(b, c.actorId);
  ensureOpen(b, c.now);
  const refund = byRole === 'host' ? netPaid(b) : refundFor(b.cancellationPolicy, netPaid(b), c.now, stayStart(b.stay, b.timeZone));
  const refunds = allocateRefund(b.payments, refund);
  return [
    {
      type: 'BookingCancelled',
      data: { bookingId: b.bookingId, by: c.actorId, byRole, refund, refunds, reason: c.reason ?? '', ...holdOf(b), at: c.now },
    },
  ];
};

const modify: Decision<'ModifyBooking'> = (c, state) => {
  const b = bookingOf(state);
  if (c.stay) ensureSeated(b.kind, c.stay, c.slotGrid);
  const guests = c.guests ?? b.guests;
  const units = c.units !== undefined || c.guests !== undefined ? unitsFor(c.unitType, guests, c.units) : b.units;
  if (c.actorId !== b.guestId) fail('NOT_BOOKING_GUEST', 'Only the guest modifies a booking');
  ensureOpen(b, c.now);
  const stay = c.stay ?? b.stay;
  if (sameStay(stay, b.stay) && guests === b.guests && units === b.units) return [];
  const { price, capacity, nightPrices } = c.unitType;
  if (price.currency !== b.total.currency)
    fail('CURRENCY_MISMATCH', 'Unit price is not in the booking currency', { price: price.currency, booking: b.total.currency });
  const next = termsOf({ kind: b.kind, stay, guests, units, capacity, price, nightPrices, now: c.now });
  // a change of party size alone keeps the hold, so the same nights are not held twice
  const newHold = !sameStay(next.stay, b.stay) || next.units !== b.units;
  if (newHold && c.newHoldId === b.holdId) fail('STAY_INVALID', 'Other nights, slot or units need a new hold', { holdId: c.newHoldId });
  const difference = next.total.amount - b.total.amount;
  const currency = b.total.currency;
  const confirmed = b.status === 'confirmed';
  const overpaid = Math.max(0, netPaid(b).amount - next.total.amount);
  const refundDue: Money = { amount: difference < 0 ? Math.min(-difference, overpaid) : 0, currency };
  const captureDue: Money = confirmed && difference > 0 ? { amount: difference, currency } : zero(currency);
  return [
    {
      type: 'BookingModified',
      data: {
        bookingId: b.bookingId,
        unitTypeId: b.unitTypeId,
        previous: { stay: b.stay, guests: b.guests, units: b.units, total: b.total, holdId: b.holdId },
        ...next,
        holdId: newHold ? c.newHoldId : b.holdId,
        priceDifference: { amount: difference, currency },
        refundDue,
        refunds: allocateRefund(b.payments, refundDue),
        captureDue,
        confirmed,
        ...zoneOf(b),
        at: c.now,
      },
    },
  ];
};

const recordRefund: Decision<'RecordRefund'> = (c, state) => {
  const b = bookingOf(state);
  if (b.refundIds.includes(c.refundId)) return [];
  const { refundId, paymentId, amount, now: at } = c;
  return [{ type: 'BookingRefunded', data: { bookingId: b.bookingId, refundId, paymentId, amount, at } }];
};

const complete: Decision<'CompleteBooking'> = (c, state) => {
  const b = bookingOf(state);
  if (b.status !== 'confirmed' || !notBefore(c.now, stayEnd(b.stay, b.timeZone))) return [];
  return [{ type: 'BookingCompleted', data: { bookingId: b.bookingId, payout: netPaid(b), at: c.now } }];
};

const review: Decision<'ReviewStay'> = (c, state) => {
  const b = bookingOf(state);
  const role = roleOf(b, c.actorId);
  if (!Number.isInteger(c.rating) || c.rating < 1 || c.rating > 5) fail('REVIEW_INVALID', 'Rating is 1 to 5', { rating: c.rating });
  if (c.comment.length > 2000) fail('REVIEW_INVALID', 'Comment is at most 2000 characters');
  if (b.status !== 'completed') fail('REVIEW_NOT_ALLOWED', 'Only a completed stay is reviewed', { status: b.status });
  if (!notBefore(reviewWindowEnd(b), c.now)) fail('REVIEW_NOT_ALLOWED', `Reviews are written within ${REVIEW_WINDOW_DAYS} days of check-out`);
  if (role === 'guest' ? b.guestReviewed : b.hostReviewed) fail('REVIEW_NOT_ALLOWED', 'Already reviewed');
  const { bookingId, guestId, hostId, listingId } = b;
  const { rating, comment, now: at } = c;
  const reviewed: BookingEvent =
    role === 'guest'
      ? { type: 'GuestReviewedStay', data: { bookingId, listingId, guestId, rating, comment, at } }
      : { type: 'HostReviewedGuest', data: { bookingId, guestId, hostId, rating, comment, at } };
  // the second review in publishes both
  const other = role === 'guest' ? b.reviews.host : b.reviews.guest;
  if (!other || b.reviewsPublished) return [reviewed];
  const mine = { rating, comment, at };
  return [reviewed, published(b, role === 'guest' ? { guest: mine, host: other } : { guest: other, host: mine }, at)];
};

const published = (b: Booking, reviews: Booking['reviews'], at: string): BookingEvent => ({
  type: 'BookingReviewsPublished',
  data: {
    bookingId: b.bookingId,
    listingId: b.listingId,
    hostId: b.hostId,
    guestId: b.guestId,
    stayMonth: monthOf(localDateTime(stayStart(b.stay, b.timeZone), b.timeZone ?? 'UTC')),
    ...(reviews.guest ? { guestReview: reviews.guest } : {}),
    ...(reviews.host ? { hostReview: reviews.host } : {}),
    at,
  },
});

/** When the review window closes, whatever was written is published (nothing, if nobody wrote). */
const publishReviews: Decision<'PublishReviews'> = (c, state) => {
  const b = bookingOf(state);
  if (b.status !== 'completed' || b.reviewsPublished || !notBefore(c.now, reviewWindowEnd(b))) return [];
  if (!b.reviews.guest && !b.reviews.host) return [];
  return [published(b, b.reviews, c.now)];
};

const recordIssue: Decision<'RecordPaymentIssue'> = (c, state) => {
  const b = bookingOf(state);
  if (isOpen(b.paymentIssues, c.taskId)) return [];
  const { taskId, operation, error, now: at } = c;
  return [{ type: 'BookingPaymentIssueRaised', data: { bookingId: b.bookingId, taskId, operation, error, at } }];
};

const resolveIssue: Decision<'ResolvePaymentIssue'> = (c, state) => {
  const b = bookingOf(state);
  if (!isOpen(b.paymentIssues, c.taskId)) return [];
  return [{ type: 'BookingPaymentIssueResolved', data: { bookingId: b.bookingId, taskId: c.taskId, at: c.now } }];
};

/** After the stay, the host may give back part or all of what the guest keeps paid; once per grant id. */
const grantRefund: Decision<'GrantRefund'> = (c, state) => {
  const b = bookingOf(state);
  if (c.actorId !== b.hostId) fail('NOT_BOOKING_HOST', 'Only the host gives money back after the stay');
  if (b.status !== 'completed')
    fail('BOOKING_STATE', 'Money is given back this way only after the stay; cancel a booking that has not begun', { status: b.status });
  const kept = netPaid(b);
  if (c.amount.currency !== kept.currency) fail('CURRENCY_MISMATCH', `The booking was paid in ${kept.currency}`, { currency: c.amount.currency });
  if (!Number.isSafeInteger(c.amount.amount) || c.amount.amount <= 0 || c.amount.amount > kept.amount)
    fail('REFUND_INVALID', `A refund is more than 0 and at most the ${kept.amount} the guest keeps paid`, { amount: c.amount.amount, kept: kept.amount });
  const { grantId, actorId: by, amount: refund, now: at } = c;
  return [
    {
      type: 'BookingRefundGranted',
      data: { bookingId: b.bookingId, grantId, by, refund, refunds: allocateRefund(b.payments, refund), reason: c.reason ?? '', at },
    },
  ];
};

/** The vendor marks a restaurant booking from its slot's start, once: the deposit goes back or is kept. */
const depositGuards = (b: Booking, now: string, actorId: string | undefined): 'decide' | 'skip' => {
  const automatic = actorId === undefined;
  if (!automatic && actorId !== b.hostId) fail('NOT_BOOKING_HOST', 'Only the vendor marks a table');
  if (b.stay.kind !== 'slot') return automatic ? 'skip' : fail('DEPOSIT_NOT_ALLOWED', 'Only a restaurant booking holds a table deposit');
  if (b.status !== 'confirmed' && b.status !== 'completed') return automatic ? 'skip' : fail('BOOKING_STATE', `Booking is ${b.status}`, { status: b.status });
  if (!notBefore(now, stayStart(b.stay, b.timeZone)))
    return automatic ? 'skip' : fail('DEPOSIT_NOT_ALLOWED', 'A table is marked from the start of its slot', { start: stayStart(b.stay, b.timeZone) });
  if (b.deposit)
    return automatic
      ? 'skip'
      : fail('BOOKING_STATE', `The table is already marked ${b.deposit === 'settled' ? 'settled' : 'a no-show'}`, { deposit: b.deposit });
  return 'decide';
};

const settleDeposit: Decision<'SettleDeposit'> = (c, state) => {
  const b = bookingOf(state);
  if (depositGuards(b, c.now, c.actorId) === 'skip') return [];
  const refund = netPaid(b);
  return [
    {
      type: 'BookingDepositSettled',
      data: { bookingId: b.bookingId, ...(c.actorId ? { by: c.actorId } : {}), refund, refunds: allocateRefund(b.payments, refund), at: c.now },
    },
  ];
};

const markNoShow: Decision<'MarkNoShow'> = (c, state) => {
  const b = bookingOf(state);
  depositGuards(b, c.now, c.actorId);
  return [{ type: 'BookingNoShowMarked', data: { bookingId: b.bookingId, by: c.actorId, kept: netPaid(b), at: c.now } }];
};

export const decide = (command: BookingCommand, state: BookingState): BookingEvent[] => {
  switch (command.type) {
    case 'RequestBooking':
      return request(command.data, state);
    case 'ApproveBooking':
      return approve(command.data, state);
    case 'DeclineBooking':
      return decline(command.data, state);
    case 'ExpireBookingRequest':
      return expire(command.data, state);
    case 'RecordPaymentCaptured':
      return captured(command.data, state);
    case 'RecordPaymentFailed':
      return paymentFailed(command.data, state);
    case 'CancelBooking':
      return cancel(command.data, state);
    case 'ModifyBooking':
      return modify(command.data, state);
    case 'RecordRefund':
      return recordRefund(command.data, state);
    case 'CompleteBooking':
      return complete(command.data, state);
    case 'ReviewStay':
      return review(command.data, state);
    case 'PublishReviews':
      return publishReviews(command.data, state);
    case 'RecordPaymentIssue':
      return recordIssue(command.data, state);
    case 'ResolvePaymentIssue':
      return resolveIssue(command.data, state);
    case 'GrantRefund':
      return grantRefund(command.data, state);
    case 'SettleDeposit':
      return settleDeposit(command.data, state);
    case 'MarkNoShow':
      return markNoShow(command.data, state);
    default:
      return assertNever(command);
  }
};
