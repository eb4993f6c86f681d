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

export { hasOffset, instantOfLocal, localDateTime } from '../shared/time.ts';

/**
 * A restaurant slot is bookable when it starts on the slot grid of an opening interval (open,
 * open + minutes, …) and ends by its close, so that slots of one table type never overlap.
 */
export const slotIsOpen = (slots: Slots, timeZone: string, start: string): boolean => {
  // a start between whole minutes would be another calendar key for the same table
  if (Date.parse(start) % 60_000 !== 0) return false;
  const { weekday, minute } = localTime(start, timeZone);
  const intervals = slots.openingHours[weekday as keyof Slots['openingHours']] ?? [];
  return intervals.some(({ open, close }) => {
    const from = minutesOf(open);
    return minute >= from && minute + slots.minutes <= minutesOf(close) && (minute - from) % slots.minutes === 0;
  });
};
