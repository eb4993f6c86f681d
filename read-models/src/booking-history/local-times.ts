import { listings } from '@stayhub/domain';

/** When a booking starts and ends on the wall clocks of its listing: `yyyy-mm-ddThh:mm` in `timeZone`. */
export type LocalStay = { timeZone: string; start: string; end: string };

/** The time zone a listing's details name (UTC for one that names none). */
export const timeZoneOf = (details: Record<string, unknown> | undefined): string => (details?.location as { timeZone?: string } | undefined)?.timeZone ?? 'UTC';

/** A booking's start (check-in, or the slot's start) and end (check-out, or the slot's end) in the listing's time zone. */
export const localStayOf = (booking: { start: string; end: string }, timeZone: string): LocalStay => ({
  timeZone,
  start: listings.localDateTime(booking.start, timeZone),
  end: listings.localDateTime(booking.end, timeZone),
});
