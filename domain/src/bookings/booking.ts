import type { Decider } from '../shared/decider.ts';
import type { BookingCommand } from './commands.ts';
import { decide } from './decide.ts';
import type { BookingEvent } from './events.ts';
import { evolve, initialBookingState, type BookingState } from './state.ts';

export const bookingStreamId = (bookingId: string): string => `booking-${bookingId}`;

export const bookingDecider: Decider<BookingCommand, BookingState, BookingEvent> = {
  initialState: initialBookingState,
  evolve,
  decide,
};
