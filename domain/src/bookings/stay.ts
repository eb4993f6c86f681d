import { z } from 'zod';
import { addMinutes, dateOf, daysBetween, isIsoDate, nightsOf, wallClockInstant } from '../shared/time.ts';
import { fail } from '../shared/errors.ts';
import { Instant, IsoDate } from '../shared/primitives.ts';

const NightsStay = z.object({ kind: z.literal('nights'), checkIn: IsoDate, checkOut: IsoDate });
const SlotStay = z.object({ kind: z.literal('slot'), start: Instant, minutes: z.number().int() });

/** Nights of a rental or hotel room (dates in the listing's time zone), or a restaurant slot (an instant). */
export const Stay = z.discriminatedUnion('kind', [NightsStay, SlotStay]);
export type Stay = z.infer<typeof Stay>;

export const MAX_NIGHTS = 60;
/** How far ahead a stay may start: a booking years out is a typo or an attack, not a plan. */
const MAX_DAYS_AHEAD = 5 * 366;
const MIN_SLOT_MINUTES = 15;
const MAX_SLOT_MINUTES = 480;
/** Check-in and check-out on the listing's wall clock (in its time zone). */
const CHECK_IN_TIME = '15:00';
const CHECK_OUT_TIME = '11:00';

/** The calendar keys a stay occupies: its nights, or the slot's start instant. */
export const stayKeys = (stay: Stay): string[] => (stay.kind === 'nights' ? nightsOf(stay.checkIn, stay.checkOut) : [stay.start]);

/**
 * When a stay begins: check-in at 15:00 in the listing's time zone on its first night, or the
 * slot's start. A booking requested before bookings knew their listing's zone has none: UTC, as its
 * deadlines were then.
 */
export const stayStart = (stay: Stay, timeZone: string | undefined): string =>
  stay.kind === 'nights' ? wallClockInstant(stay.checkIn, CHECK_IN_TIME, timeZone ?? 'UTC') : stay.start;

/** When a stay ends: check-out at 11:00 in the listing's time zone, or the slot's end. */
export const stayEnd = (stay: Stay, timeZone: string | undefined): string =>
  stay.kind === 'nights' ? wallClockInstant(stay.checkOut, CHECK_OUT_TIME, timeZone ?? 'UTC') : addMinutes(stay.start, stay.minutes);

export const sameStay = (a: Stay, b: Stay): boolean =>
  a.kind === 'nights' && b.kind === 'nights'
    ? a.checkIn === b.checkIn && a.checkOut === b.checkOut
    : a.kind === 'slot' && b.kind === 'slot' && a.start === b.start && a.minutes === b.minutes;

/** A slot starts at an instant spelled in UTC (`…Z`), the one spelling of a calendar key. */
const isUtcInstant = (value: string): boolean => Instant.safeParse(value).success && value.endsWith('Z');

/**
 * Checks a stay against `now` and returns it in canonical form: a slot start becomes
 * `Date#toISOString()` so that two spellings of one instant are one calendar key.
 */
export const validStay = (stay: Stay, now: string): Stay => {
  if (stay.kind === 'nights') {
    if (!isIsoDate(stay.checkIn) || !isIsoDate(stay.checkOut)) fail('STAY_INVALID', 'Check-in and check-out must be ISO dates');
    // Counted, never listed: a stay from year 1 to 9999 must cost no more to refuse than a weekend.
    const nights = daysBetween(stay.checkIn, stay.checkOut);
    if (nights < 1) fail('STAY_INVALID', 'Check-out must be after check-in');
    if (nights > MAX_NIGHTS) fail('STAY_INVALID', `A stay has at most ${MAX_NIGHTS} nights`, { nights });
    if (stay.checkIn < dateOf(now)) fail('STAY_IN_PAST', 'Check-in is in the past', { checkIn: stay.checkIn });
    if (daysBetween(dateOf(now), stay.checkIn) > MAX_DAYS_AHEAD)
      fail('STAY_INVALID', `A stay starts at most ${MAX_DAYS_AHEAD} days ahead`, { checkIn: stay.checkIn });
    return { kind: 'nights', checkIn: stay.checkIn, checkOut: stay.checkOut };
  }
  if (!isUtcInstant(stay.start)) fail('STAY_INVALID', 'Slot start must be an ISO instant in UTC');
  if (!Number.isInteger(stay.minutes) || stay.minutes < MIN_SLOT_MINUTES || stay.minutes > MAX_SLOT_MINUTES)
    fail('STAY_INVALID', `A slot lasts ${MIN_SLOT_MINUTES} to ${MAX_SLOT_MINUTES} minutes`, { minutes: stay.minutes });
  const start = new Date(Date.parse(stay.start)).toISOString();
  if (Date.parse(start) < Date.parse(now)) fail('STAY_IN_PAST', 'Slot start is in the past', { start });
  if (daysBetween(dateOf(now), dateOf(start)) > MAX_DAYS_AHEAD) fail('STAY_INVALID', `A slot starts at most ${MAX_DAYS_AHEAD} days ahead`, { start });
  return { kind: 'slot', start, minutes: stay.minutes };
};
