import { describe, expect, it } from 'vitest';
import { specFor } from '../shared/spec.ts';
import { bookingDecider } from './booking.ts';
import type { BookingCommand } from './commands.ts';
import type { BookingEvent } from './events.ts';
import { approved, eur, NOW, paid, request, requested } from './fixtures.ts';
import { reviewWindowEnd } from './reviews.ts';
import type { Stay } from './stay.ts';
import { bookingReactions } from './workflow.ts';

/*
 * Check-in is 15:00 and check-out 11:00 on the listing's wall clock: every deadline counted from
 * them (cancellation refunds, the start guard, completion, the review window, the payout after it)
 * follows the listing's time zone and its summer time. The nights themselves do not change.
 */
const spec = specFor(bookingDecider);

const tokyo = { stay: { kind: 'nights', checkIn: '2026-04-10', checkOut: '2026-04-13' } as Stay, timeZone: 'Asia/Tokyo' };
// Summer time begins in New York on 8 March 2026: check-in is 20:00 UTC, check-out 15:00 UTC.
const newYork = { stay: { kind: 'nights', checkIn: '2026-03-06', checkOut: '2026-03-10' } as Stay, timeZone: 'America/New_York' };
type Place = typeof tokyo;

const hold = (p: Place) => ({ holdId: 'hold-1', unitTypeId: 'ut-1', stay: p.stay });
const confirmedIn = (p: Place): BookingEvent => ({ type: 'BookingConfirmed', data: { bookingId: 'b1', ...hold(p), timeZone: p.timeZone, at: NOW } });
const bookedIn = (p: Place): BookingEvent[] => [requested({ stay: p.stay, timeZone: p.timeZone }), approved, paid(), confirmedIn(p)];
const cancel = (now: string): BookingCommand => ({ type: 'CancelBooking', data: { bookingId: 'b1', now, actorId: 'guest-1' } });
const cancelled = (p: Place, refund: number, at: string): BookingEvent => ({
  type: 'BookingCancelled',
  data: {
    bookingId: 'b1',
    by: 'guest-1',
    byRole: 'guest',
    refund: eur(refund),
    refunds: [{ paymentId: 'pay-1', amount: eur(refund) }],
    reason: '',
    ...hold(p),
    at,
  },
});
const complete = (now: string): BookingCommand => ({ type: 'CompleteBooking', data: { bookingId: 'b1', now } });
const completed = (at: string): BookingEvent => ({ type: 'BookingCompleted', data: { bookingId: 'b1', payout: eur(30_000), at } });

describe('check-in and check-out on the listing wall clock', () => {
  it('a request carries the listing time zone', () => {
    const listing = { ...request().data.listing, timeZone: 'Asia/Tokyo' };
    spec
      .given([])
      .when(request({ listing, stay: tokyo.stay }))
      .then([requested({ stay: tokyo.stay, timeZone: 'Asia/Tokyo' })]);
  });

  it('payment confirms with the time zone, so that the stay is completed at its own check-out', () => {
    spec
      .given([requested({ stay: tokyo.stay, timeZone: 'Asia/Tokyo' }), approved])
      .when({ type: 'RecordPaymentCaptured', data: { bookingId: 'b1', now: NOW, paymentId: 'pay-1', amount: eur(30_000) } })
      .then([paid(), confirmedIn(tokyo)]);
  });

  it.each([
    // moderate: everything back 5 days or more before check-in, half after
    { name: 'Tokyo, 5 days before 15:00 there (06:00 UTC): all back', place: tokyo, now: '2026-04-05T06:00:00.000Z', refund: 30_000 },
    { name: 'Tokyo, an hour later: half (in UTC it would still be 5 days ahead)', place: tokyo, now: '2026-04-05T07:00:00.000Z', refund: 15_000 },
    { name: 'New York in winter time, 5 days before 15:00 there (20:00 UTC): all back', place: newYork, now: '2026-03-01T20:00:00.000Z', refund: 30_000 },
    { name: 'New York, a minute later: half', place: newYork, now: '2026-03-01T20:01:00.000Z', refund: 15_000 },
    { name: 'Tokyo, a minute before check-in there: still cancellable', place: tokyo, now: '2026-04-10T05:59:00.000Z', refund: 15_000 },
  ])('cancellation refund: $name', ({ place, now, refund }) => {
    spec
      .given(bookedIn(place))
      .when(cancel(now))
      .then([cancelled(place, refund, now)]);
  });

  it('a stay that has begun on the listing clock is no longer cancelled (Tokyo 15:00 is 06:00 UTC)', () => {
    spec.given(bookedIn(tokyo)).when(cancel('2026-04-10T06:00:00.000Z')).thenThrows('BOOKING_STATE');
  });

  it.each([
    { name: 'Tokyo: not before 11:00 there', place: tokyo, now: '2026-04-13T01:59:00.000Z', then: [] },
    {
      name: 'Tokyo: at 11:00 there (02:00 UTC, hours before 11:00 UTC)',
      place: tokyo,
      now: '2026-04-13T02:00:00.000Z',
      then: [completed('2026-04-13T02:00:00.000Z')],
    },
    { name: 'New York after the change: not at 11:00 UTC', place: newYork, now: '2026-03-10T11:00:00.000Z', then: [] },
    {
      name: 'New York after the change: at 11:00 summer time (15:00 UTC)',
      place: newYork,
      now: '2026-03-10T15:00:00.000Z',
      then: [completed('2026-03-10T15:00:00.000Z')],
    },
  ])('completion: $name', ({ place, now, then }) => {
    spec.given(bookedIn(place)).when(complete(now)).then(then);
  });

  it('the review window closes 14 days after the local check-out', () => {
    const done = [...bookedIn(tokyo), completed('2026-04-13T02:00:00.000Z')];
    const review = (now: string): BookingCommand => ({ type: 'ReviewStay', data: { bookingId: 'b1', now, actorId: 'guest-1', rating: 5, comment: 'Lovely' } });
    expect(reviewWindowEnd({ stay: tokyo.stay, timeZone: tokyo.timeZone })).toBe('2026-04-27T02:00:00.000Z');
    spec.given(done).when(review('2026-04-27T02:01:00.000Z')).thenThrows('REVIEW_NOT_ALLOWED');
    spec
      .given(done)
      .when(review('2026-04-27T02:00:00.000Z'))
      .then([
        {
          type: 'GuestReviewedStay',
          data: { bookingId: 'b1', listingId: 'listing-1', guestId: 'guest-1', rating: 5, comment: 'Lovely', at: '2026-04-27T02:00:00.000Z' },
        },
      ]);
  });

  it('reviews show the month of the check-in date, whatever UTC says', () => {
    // Honolulu (UTC-10): check-in 31 May at 15:00 is 1 June 01:00 UTC
    const honolulu = { stay: { kind: 'nights', checkIn: '2026-05-31', checkOut: '2026-06-02' } as Stay, timeZone: 'Pacific/Honolulu' };
    const done = [...bookedIn(honolulu), completed('2026-06-02T21:00:00.000Z')];
    const [, published] = spec
      .given([
        ...done,
        { type: 'HostReviewedGuest', data: { bookingId: 'b1', guestId: 'guest-1', hostId: 'host-1', rating: 4, comment: '', at: '2026-06-03T00:00:00.000Z' } },
      ])
      .when({ type: 'ReviewStay', data: { bookingId: 'b1', now: '2026-06-03T00:00:00.000Z', actorId: 'guest-1', rating: 5, comment: '' } })
      .then([
        {
          type: 'GuestReviewedStay',
          data: { bookingId: 'b1', listingId: 'listing-1', guestId: 'guest-1', rating: 5, comment: '', at: '2026-06-03T00:00:00.000Z' },
        },
        {
          type: 'BookingReviewsPublished',
          data: {
            bookingId: 'b1',
            listingId: 'listing-1',
            hostId: 'host-1',
            guestId: 'guest-1',
            stayMonth: '2026-05',
            guestReview: { rating: 5, comment: '', at: '2026-06-03T00:00:00.000Z' },
            hostReview: { rating: 4, comment: '', at: '2026-06-03T00:00:00.000Z' },
            at: '2026-06-03T00:00:00.000Z',
          },
        },
      ]);
    expect(published?.type).toBe('BookingReviewsPublished');
  });

  it('a modification keeps the time zone, and the workflow completes the new stay at its local check-out', () => {
    const later: Stay = { kind: 'nights', checkIn: '2026-04-10', checkOut: '2026-04-14' };
    const [modified] = spec
      .given(bookedIn(tokyo))
      .when({
        type: 'ModifyBooking',
        data: {
          bookingId: 'b1',
          now: NOW,
          actorId: 'guest-1',
          stay: later,
          unitType: { name: 'Suite', count: 1, capacity: 4, price: eur(10_000) },
          newHoldId: 'hold-2',
        },
      })
      .then([
        {
          type: 'BookingModified',
          data: {
            bookingId: 'b1',
            unitTypeId: 'ut-1',
            previous: { stay: tokyo.stay, guests: 2, units: 1, total: eur(30_000), holdId: 'hold-1' },
            stay: later,
            guests: 2,
            units: 1,
            total: eur(40_000),
            holdId: 'hold-2',
            priceDifference: eur(10_000),
            refundDue: eur(0),
            refunds: [],
            captureDue: eur(10_000),
            confirmed: true,
            timeZone: 'Asia/Tokyo',
            at: NOW,
          },
        },
      ]);
    const settings = { hostResponseHours: 24, holdTtlMinutes: 15 };
    expect(bookingReactions(modified!, settings).find((r) => r.task.type === 'CompleteStay')?.dueAt).toBe('2026-04-14T02:00:00.000Z');
    expect(bookingReactions(confirmedIn(newYork), settings).find((r) => r.task.type === 'CompleteStay')?.dueAt).toBe('2026-03-10T15:00:00.000Z');
  });

  it('a booking of before time zones keeps its UTC instants', () => {
    const old = [
      requested({ stay: tokyo.stay }),
      approved,
      paid(),
      { type: 'BookingConfirmed', data: { bookingId: 'b1', ...hold(tokyo), at: NOW } } as BookingEvent,
    ];
    spec.given(old).when(complete('2026-04-13T02:00:00.000Z')).then([]);
    spec
      .given(old)
      .when(complete('2026-04-13T11:00:00.000Z'))
      .then([completed('2026-04-13T11:00:00.000Z')]);
    expect(bookingReactions(old[3]!, { hostResponseHours: 24, holdTtlMinutes: 15 }).find((r) => r.task.type === 'CompleteStay')?.dueAt).toBe(
      '2026-04-13T11:00:00.000Z',
    );
  });
});
