import { addMinutes } from '../shared/time.ts';
import type { Booking } from './state.ts';
import { stayEnd } from './stay.ts';

/** Days after check-out within which guest and host review each other. */
export const REVIEW_WINDOW_DAYS = 14;

export const reviewWindowEnd = (booking: Pick<Booking, 'stay' | 'timeZone'>): string =>
  addMinutes(stayEnd(booking.stay, booking.timeZone), REVIEW_WINDOW_DAYS * 24 * 60);
