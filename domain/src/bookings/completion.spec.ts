import { describe, it } from 'vitest';
import { specFor, type SpecCase } from '../shared/spec.ts';
import { bookingDecider } from './booking.ts';
import type { BookingCommand } from './commands.ts';
import type { BookingEvent } from './events.ts';
import { AFTER_STAY, awaitingApproval, awaitingPayment, completedBooking, confirmedBooking, eur, hold, LATER } from './fixtures.ts';

const spec = specFor(bookingDecider);
type Case = SpecCase<BookingCommand, BookingEvent>;

const recordRefund = (refundId = 'refund-1', amount = 10_000): BookingCommand => ({
  type: 'RecordRefund',
  data: { bookingId: 'b1', now: LATER, refundId, paymentId: 'pay-1', amount: eur(amount) },
});
const refunded = (refundId = 'refund-1', amount = 10_000): BookingEvent => ({
  type: 'BookingRefunded',
  data: { bookingId: 'b1', refundId, paymentId: 'pay-1', amount: eur(amount), at: LATER },
});
const complete = (now = AFTER_STAY): BookingCommand => ({ type: 'CompleteBooking', data: { bookingId: 'b1', now } });
const completed = (payout: number, at = AFTER_STAY): BookingEvent => ({ type: 'BookingCompleted', data: { bookingId: 'b1', payout: eur(payout), at } });
const modifiedTo = (checkOut: string, total: number, refundDue: number, captureDue: number): BookingEvent => ({
  type: 'BookingModified',
  data: {
    bookingId: 'b1',
    unitTypeId: 'ut-1',
    previous: { stay: hold.stay, guests: 2, units: 1, total: eur(30_000), holdId: 'hold-1' },
    stay: { kind: 'nights', checkIn: '2026-04-10', checkOut },
    guests: 2,
    units: 1,
    total: eur(total),
    holdId: 'hold-2',
    priceDifference: { amount: total - 30_000, currency: 'EUR' },
    refundDue: eur(refundDue),
    captureDue: eur(captureDue),
    confirmed: true,
    at: LATER,
  },
});
const shortened = modifiedTo('2026-04-12', 20_000, 10_000, 0);
const lengthened = modifiedTo('2026-04-15', 50_000, 0, 20_000);
const review = (actorId: string, rating = 5, comment = 'Lovely'): BookingCommand => ({
  type: 'ReviewStay',
  data: { bookingId: 'b1', now: '2026-04-14T09:00:00.000Z', actorId, rating, comment },
});
const guestReviewedWith = (comment: string): BookingEvent => ({
  type: 'GuestReviewedStay',
  data: { bookingId: 'b1', listingId: 'listing-1', guestId: 'guest-1', rating: 5, comment, at: '2026-04-14T09:00:00.000Z' },
});
const guestReviewed = guestReviewedWith('Lovely');
const hostReviewed: BookingEvent = {
  type: 'HostReviewedGuest',
  data: { bookingId: 'b1', guestId: 'guest-1', hostId: 'host-1', rating: 4, comment: 'Tidy', at: '2026-04-14T09:00:00.000Z' },
};

const REVIEWED_AT = '2026-04-14T09:00:00.000Z';
const WINDOW_END = '2026-04-27T11:00:00.000Z';
const WINDOW_CLOSED = '2026-04-27T11:00:00.001Z';
const reviewAt = (actorId: string, now: string): BookingCommand => ({
  type: 'ReviewStay',
  data: { bookingId: 'b1', now, actorId, rating: 5, comment: 'Lovely' },
});
type Written = [rating: number, comment: string];
const published = (reviews: { guest?: Written; host?: Written }, at: string): BookingEvent => ({
  type: 'BookingReviewsPublished',
  data: {
    bookingId: 'b1',
    listingId: 'listing-1',
    hostId: 'host-1',
    guestId: 'guest-1',
    stayMonth: '2026-04',
    ...(reviews.guest ? { guestReview: { rating: reviews.guest[0], comment: reviews.guest[1], at: REVIEWED_AT } } : {}),
    ...(reviews.host ? { hostReview: { rating: reviews.host[0], comment: reviews.host[1], at: REVIEWED_AT } } : {}),
    at,
  },
});
const publish = (now: string): BookingCommand => ({ type: 'PublishReviews', data: { bookingId: 'b1', now } });

describe('PublishReviews (the review window closes)', () => {
  it.each<Case>([
    {
      name: 'publishes the one review written',
      given: [...completedBooking, guestReviewed],
      when: publish(WINDOW_END),
      then: [published({ guest: [5, 'Lovely'] }, WINDOW_END)],
    },
    { name: 'not before the window closes', given: [...completedBooking, guestReviewed], when: publish('2026-04-20T00:00:00.000Z'), then: [] },
    { name: 'nothing when nobody wrote', given: completedBooking, when: publish(WINDOW_END), then: [] },
    {
      name: 'nothing more once both were published',
      given: [...completedBooking, guestReviewed, hostReviewed, published({ guest: [5, 'Lovely'], host: [4, 'Tidy'] }, REVIEWED_AT)],
      when: publish(WINDOW_END),
      then: [],
    },
    { name: 'unknown booking', when: publish(WINDOW_END), throws: 'BOOKING_NOT_FOUND' },
  ])('$name', spec.run);
});

describe('RecordRefund', () => {
  it.each<Case>([
    { name: 'records a refund', given: confirmedBooking, when: recordRefund(), then: [refunded()] },
    { name: 'the same refund twice is recorded once', given: [...confirmedBooking, refunded()], when: recordRefund(), then: [] },
    {
      name: 'another refund is recorded',
      given: [...confirmedBooking, refunded()],
      when: recordRefund('refund-2', 5_000),
      then: [refunded('refund-2', 5_000)],
    },
    { name: 'unknown booking', when: recordRefund(), throws: 'BOOKING_NOT_FOUND' },
  ])('$name', spec.run);
});

describe('CompleteBooking', () => {
  it.each<Case>([
    { name: 'a confirmed stay completes at check-out, paying out what was paid', given: confirmedBooking, when: complete(), then: [completed(30_000)] },
    { name: 'the payout leaves out what a modification gave back', given: [...confirmedBooking, shortened], when: complete(), then: [completed(20_000)] },
    { name: 'not before check-out', given: confirmedBooking, when: complete('2026-04-13T10:59:59.000Z'), then: [] },
    {
      name: 'a lengthened stay pays out once its difference is paid',
      given: [...confirmedBooking, lengthened, { type: 'BookingPaid', data: { bookingId: 'b1', paymentId: 'pay-2', amount: eur(20_000), at: LATER } }],
      when: complete('2026-04-15T11:00:00.000Z'),
      then: [completed(50_000, '2026-04-15T11:00:00.000Z')],
    },
    { name: 'not before a lengthened stay ends', given: [...confirmedBooking, lengthened], when: complete(), then: [] },
    { name: 'an unpaid booking does not complete', given: awaitingPayment, when: complete(), then: [] },
    { name: 'a request does not complete', given: awaitingApproval, when: complete(), then: [] },
    { name: 'completes once', given: completedBooking, when: complete(), then: [] },
    { name: 'unknown booking', when: complete(), throws: 'BOOKING_NOT_FOUND' },
  ])('$name', spec.run);
});

describe('ReviewStay', () => {
  it.each<Case>([
    { name: 'the guest reviews the stay', given: completedBooking, when: review('guest-1'), then: [guestReviewed] },
    { name: 'the host reviews the guest', given: completedBooking, when: review('host-1', 4, 'Tidy'), then: [hostReviewed] },
    {
      name: 'the second review in publishes both (double-blind)',
      given: [...completedBooking, guestReviewed],
      when: review('host-1', 4, 'Tidy'),
      then: [hostReviewed, published({ guest: [5, 'Lovely'], host: [4, 'Tidy'] }, REVIEWED_AT)],
    },
    {
      name: 'the guest second publishes both too',
      given: [...completedBooking, hostReviewed],
      when: review('guest-1'),
      then: [guestReviewed, published({ guest: [5, 'Lovely'], host: [4, 'Tidy'] }, REVIEWED_AT)],
    },
    {
      name: 'not once the 14-day window after check-out closed',
      given: completedBooking,
      when: reviewAt('guest-1', WINDOW_CLOSED),
      throws: 'REVIEW_NOT_ALLOWED',
    },
    {
      name: 'still on the last instant of the window',
      given: completedBooking,
      when: reviewAt('guest-1', WINDOW_END),
      then: [{ ...guestReviewed, data: { ...guestReviewed.data, at: WINDOW_END } }] as BookingEvent[],
    },
    { name: 'the guest reviews once', given: [...completedBooking, guestReviewed], when: review('guest-1'), throws: 'REVIEW_NOT_ALLOWED' },
    { name: 'the host reviews once', given: [...completedBooking, hostReviewed], when: review('host-1'), throws: 'REVIEW_NOT_ALLOWED' },
    { name: 'not before the stay is completed', given: confirmedBooking, when: review('guest-1'), throws: 'REVIEW_NOT_ALLOWED' },
    { name: 'a stranger cannot review', given: completedBooking, when: review('someone'), throws: 'NOT_BOOKING_GUEST' },
    { name: 'rating 0', given: completedBooking, when: review('guest-1', 0), throws: 'REVIEW_INVALID' },
    { name: 'rating 6', given: completedBooking, when: review('guest-1', 6), throws: 'REVIEW_INVALID' },
    { name: 'rating 4.5', given: completedBooking, when: review('guest-1', 4.5), throws: 'REVIEW_INVALID' },
    { name: 'comment of 2000 characters', given: completedBooking, when: review('guest-1', 5, 'x'.repeat(2000)), then: [guestReviewedWith('x'.repeat(2000))] },
    { name: 'comment of 2001 characters', given: completedBooking, when: review('guest-1', 5, 'x'.repeat(2001)), throws: 'REVIEW_INVALID' },
  ])('$name', spec.run);
});
