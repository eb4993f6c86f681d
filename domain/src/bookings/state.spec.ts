import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { bookingDecider, bookingStreamId } from './booking.ts';
import { BookingEvent, bookingEventTypes, isBookingEvent } from './events.ts';
import { AFTER_STAY, approved, confirmed, confirmedBooking, eur, hold, LATER, paid, requested } from './fixtures.ts';
import { bookingStatusOf, evolve, initialBookingState, isActive, type BookingStatus } from './state.ts';

const shortened: BookingEvent = {
  type: 'BookingModified',
  data: {
    bookingId: 'b1',
    unitTypeId: 'ut-1',
    previous: { stay: hold.stay, guests: 2, units: 1, total: eur(30_000), holdId: 'hold-1' },
    stay: { kind: 'nights', checkIn: '2026-04-10', checkOut: '2026-04-12' },
    guests: 2,
    units: 1,
    total: eur(20_000),
    holdId: 'hold-2',
    priceDifference: { amount: -10_000, currency: 'EUR' },
    refundDue: eur(10_000),
    captureDue: eur(0),
    confirmed: true,
    at: LATER,
  },
};
const life: BookingEvent[] = [
  requested(),
  approved,
  paid(),
  confirmed(),
  shortened,
  { type: 'BookingRefunded', data: { bookingId: 'b1', refundId: 'r1', amount: eur(10_000), at: LATER } },
  { type: 'BookingCompleted', data: { bookingId: 'b1', payout: eur(20_000), at: AFTER_STAY } },
  { type: 'GuestReviewedStay', data: { bookingId: 'b1', listingId: 'listing-1', guestId: 'guest-1', rating: 5, comment: '', at: AFTER_STAY } },
];

describe('booking state', () => {
  it('follows a booking through its life', () => {
    const state = fold(bookingDecider, life);
    expect(state).toMatchObject({
      status: 'completed',
      stay: shortened.data.stay,
      holdId: 'hold-2',
      total: eur(20_000),
      paid: eur(30_000),
      credited: eur(10_000),
      refunded: eur(10_000),
      paymentIds: ['pay-1'],
      refundIds: ['r1'],
      guestReviewed: true,
      hostReviewed: false,
    });
  });

  it.each<{ events: BookingEvent[]; status: BookingStatus; active: boolean }>([
    { events: [], status: 'none', active: false },
    { events: [requested()], status: 'awaiting_approval', active: true },
    { events: [requested(), approved], status: 'awaiting_payment', active: true },
    { events: confirmedBooking, status: 'confirmed', active: true },
    {
      events: [requested(), { type: 'BookingDeclined', data: { bookingId: 'b1', by: 'host-1', reason: '', ...hold, at: LATER } }],
      status: 'declined',
      active: false,
    },
    { events: [requested(), { type: 'BookingRequestExpired', data: { bookingId: 'b1', ...hold, at: LATER } }], status: 'request_expired', active: false },
    {
      events: [requested(), approved, { type: 'BookingPaymentFailed', data: { bookingId: 'b1', reason: 'x', ...hold, at: LATER } }],
      status: 'payment_failed',
      active: false,
    },
    {
      events: [
        requested(),
        { type: 'BookingCancelled', data: { bookingId: 'b1', by: 'guest-1', byRole: 'guest', refund: eur(0), reason: '', ...hold, at: LATER } },
      ],
      status: 'cancelled',
      active: false,
    },
    { events: life, status: 'completed', active: false },
  ])('$status: active $active', ({ events, status, active }) => {
    const state = fold(bookingDecider, events);
    expect(bookingStatusOf(state)).toBe(status);
    expect(isActive(state)).toBe(active);
  });

  it('ignores what cannot apply instead of throwing', () => {
    expect(evolve(initialBookingState, approved)).toEqual(initialBookingState);
    const state = fold(bookingDecider, [requested()]);
    expect(evolve(state, requested({ guestId: 'other' }))).toBe(state);
    expect(evolve(state, { type: 'BookingTeleported', data: {} } as unknown as BookingEvent)).toBe(state);
  });

  it('every event is valid against its schema', () => {
    for (const event of life) expect(BookingEvent.parse(event)).toEqual(event);
  });

  it('recognises booking events by type', () => {
    expect(bookingEventTypes).toContain('BookingModified');
    expect(isBookingEvent({ type: 'BookingPaid', data: {} })).toBe(true);
    expect(isBookingEvent({ type: 'HoldPlaced', data: {} })).toBe(false);
  });

  it('names the stream', () => {
    expect(bookingStreamId('b1')).toBe('booking-b1');
  });
});
