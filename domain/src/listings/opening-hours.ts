import type { Slots } from './details.ts';

const minutesOf = (clock: string): number => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/** Weekday ('0' = Sunday) and minute of the day of an instant, in the listing's time zone. */
export const localTime = (instant: string, timeZone: string): { weekday: string; minute: number } => {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(
    new Date(instant),
  );
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const weekday = String(['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(part('weekday')));
  return { weekday, minute: Number(part('hour')) * 60 + Number(part('minute')) };
};

/** Wall-clock `yyyy-mm-ddThh:mm` of an instant in a time zone. */
export const localDateTime = (instant: string, timeZone: string): string => {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(instant));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}`;
};

/** Whether a date-time names its offset (`Z`, `+02:00`); one without is a wall-clock time. */
export const hasOffset = (dateTime: string): boolean => /(Z|[+-]\d{2}:?\d{2})$/i.test(dateTime);

/**
 * The instant a wall-clock time (`yyyy-mm-ddThh:mm[:ss]`) names in a time zone. A time the clocks
 * skip (spring forward) names no instant: undefined. A time they pass twice (fall back) is the first.
 */
export const instantOfLocal = (local: string, timeZone: string): string | undefined => {
  const wanted = `${local.slice(0, 16)}`;
  const asUtc = Date.parse(`${wanted}:00Z`);
  if (Number.isNaN(asUtc)) return undefined;
  // Offsets in force a day either side cover every real zone's transitions; the earliest match wins.
  const offsets = [...new Set([asUtc - 86_400_000, asUtc, asUtc + 86_400_000].map((at) => Date.parse(`${localDateTime(new Date(at).toISOString(), timeZone)}:00Z`) - at))];
  const candidates = offsets.map((offset) => asUtc - offset).filter((at) => localDateTime(new Date(at).toISOString(), timeZone) === wanted).sort((a, b) => a - b);
  return candidates.length > 0 ? new Date(candidates[0]!).toISOString() : undefined;
};

/**
 * A restaurant slot is bookable when it starts on the slot grid of an opening interval (open,
 * open + minutes, …) and ends by its close, so that slots of one table type never overlap.
 */
export const slotIsOpen = (slots: Slots, timeZone: string, start: string): boolean => {
  const { weekday, minute } = localTime(start, timeZone);
  const intervals = slots.openingHours[weekday as keyof Slots['openingHours']] ?? [];
  return intervals.some(({ open, close }) => {
    const from = minutesOf(open);
    return minute >= from && minute + slots.minutes <= minutesOf(close) && (minute - from) % slots.minutes === 0;
  });
};
