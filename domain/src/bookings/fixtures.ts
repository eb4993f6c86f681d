// Test data for the booking specs (not exported by the barrel).
import type { BookingCommandOf } from './commands.ts';
import type { BookingEventOf } from './events.ts';
import type { Stay } from './stay.ts';

export const NOW = '2026-03-01T10:00:00.000Z';
export const LATER = '2026-03-02T10:00:00.000Z';
export const nights: Stay = { kind: 'nights', checkIn: '2026-04-10', checkOut: '2026-04-13' };
export const eur = (amount: number) => ({ amount, currency: 'EUR' });
export const hold = { holdId: 'hold-1', unitTypeId: 'ut-1', stay: nights };
/** The booked unit type: three flats of four guests each. */
export const flats = { name: 'Flat', count: 3, capacity: 4, price: eur(10_000) };
/** A restaurant seating every day from 18:00 to 23:00 UTC, every 90 minutes (18:00, 19:30, 21:00). */
export const evenings = {
  timeZone: 'UTC',
  slots: { minutes: 90, openingHours: Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((day) => [day, [{ open: '18:00', close: '23:00' }]])) },
};

type RequestData = BookingCommandOf<'RequestBooking'>['data'];

export const request = (over: Partial<RequestData> = {}): BookingCommandOf<'RequestBooking'> => ({
  type: 'RequestBooking',
  data: {
    bookingId: 'b1',
    now: NOW,
    guestId: 'guest-1',
    listing: {
      listingId: 'listing-1',
      hostId: 'host-1',
      kind: 'rental',
      status: 'published',
      instantBook: false,
      cancellationPolicy: 'moderate',
      currency: 'EUR',
    },
    unitType: { unitTypeId: 'ut-1', ...flats },
    stay: nights,
    guests: 2,
    units: 1,
    holdId: 'hold-1',
    ...over,
  },
});

export const requested = (over: Partial<BookingEventOf<'BookingRequested'>['data']> = {}): BookingEventOf<'BookingRequested'> => ({
  type: 'BookingRequested',
  data: {
    bookingId: 'b1',
    guestId: 'guest-1',
    hostId: 'host-1',
    listingId: 'listing-1',
    unitTypeId: 'ut-1',
    kind: 'rental',
    stay: nights,
    guests: 2,
    units: 1,
    total: eur(30_000),
    instantBook: false,
    cancellationPolicy: 'moderate',
    holdId: 'hold-1',
    at: NOW,
    ...over,
  },
});

export const approved: BookingEventOf<'BookingApproved'> = { type: 'BookingApproved', data: { bookingId: 'b1', by: 'host-1', at: NOW } };

export const paid = (paymentId = 'pay-1', amount = 30_000, at = NOW): BookingEventOf<'BookingPaid'> => ({
  type: 'BookingPaid',
  data: { bookingId: 'b1', paymentId, amount: eur(amount), at },
});

export const confirmed = (at = NOW, over: Partial<typeof hold> = {}): BookingEventOf<'BookingConfirmed'> => ({
  type: 'BookingConfirmed',
  data: { bookingId: 'b1', ...hold, ...over, at },
});

export const awaitingApproval = [requested()];
export const awaitingPayment = [requested(), approved];
export const confirmedBooking = [requested(), approved, paid(), confirmed()];
/** Confirmed, and the stay (10–13 April) is over. */
export const AFTER_STAY = '2026-04-13T11:00:00.000Z';
export const completedBooking = [
  ...confirmedBooking,
  { type: 'BookingCompleted', data: { bookingId: 'b1', payout: eur(30_000), at: AFTER_STAY } } as BookingEventOf<'BookingCompleted'>,
];
