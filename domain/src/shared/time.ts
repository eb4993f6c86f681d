/** Calendar arithmetic on ISO dates (yyyy-mm-dd) and instants, with no clock: callers pass `now`. */
const DAY_MS = 86_400_000;

export const isIsoDate = (value: string): boolean =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
  new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);

const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

export const daysBetween = (from: string, to: string): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/** The nights of a stay: check-in inclusive, check-out exclusive. */
export const nightsOf = (checkIn: string, checkOut: string): string[] =>
  Array.from({ length: Math.max(0, daysBetween(checkIn, checkOut)) }, (_, i) => addDays(checkIn, i));

/** `2026-12-31` or `2026-12-31T20:00:00Z` → `2026-12`. */
export const monthOf = (dateOrInstant: string): string => dateOrInstant.slice(0, 7);

export const addMinutes = (instant: string, minutes: number): string =>
  new Date(Date.parse(instant) + minutes * 60_000).toISOString();

export const addHours = (instant: string, hours: number): string => addMinutes(instant, hours * 60);

/** Whether `now` has reached `instant`. */
export const notBefore = (now: string, instant: string): boolean => Date.parse(now) >= Date.parse(instant);

/** The date part of an instant, in UTC. */
export const dateOf = (instant: string): string => new Date(Date.parse(instant)).toISOString().slice(0, 10);
