/** Calendar arithmetic on ISO dates (yyyy-mm-dd) and instants, with no clock: callers pass `now`. */
const DAY_MS = 86_400_000;

/**
 * Dates as day numbers (days since 1970-01-01), by integer arithmetic (H. Hinnant's `days_from_civil`
 * and `civil_from_days`): a booking works out its nights, months and calendar keys many times on the
 * hot path, and going through `Date` objects and `toISOString` for each was a few percent of the
 * command process's CPU. Anything that is not a plain `yyyy-mm-dd` of years 0000–9999 takes the
 * `Date` path as before, with the same answers (and the same errors).
 */
const digit = (value: string, at: number): number => value.charCodeAt(at) - 48;
const isDigitAt = (value: string, at: number): boolean => {
  const d = digit(value, at);
  return d >= 0 && d <= 9;
};
const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The day number of a valid `yyyy-mm-dd`, else undefined. */
const dayNumber = (value: string): number | undefined => {
  if (value.length !== 10 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) return undefined;
  for (const at of [0, 1, 2, 3, 5, 6, 8, 9]) if (!isDigitAt(value, at)) return undefined;
  const year = digit(value, 0) * 1000 + digit(value, 1) * 100 + digit(value, 2) * 10 + digit(value, 3);
  const month = digit(value, 5) * 10 + digit(value, 6);
  const day = digit(value, 8) * 10 + digit(value, 9);
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1]!)) return undefined;
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
};

/** `yyyy-mm-dd` of a day number, undefined outside the years 0000–9999. */
const dateOfDay = (days: number): string | undefined => {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return undefined;
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
};

export const isIsoDate = (value: string): boolean => dayNumber(value) !== undefined;

const addDaysByDate = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

export const daysBetween = (from: string, to: string): number => {
  const start = dayNumber(from);
  const end = dayNumber(to);
  if (start !== undefined && end !== undefined) return end - start;
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
};

/** The nights of a stay: check-in inclusive, check-out exclusive. */
export const nightsOf = (checkIn: string, checkOut: string): string[] => {
  const count = Math.max(0, daysBetween(checkIn, checkOut));
  const start = dayNumber(checkIn);
  return Array.from({ length: count }, (_, i) => (start === undefined ? undefined : dateOfDay(start + i)) ?? addDaysByDate(checkIn, i));
};

/** `2026-12-31` or `2026-12-31T20:00:00Z` → `2026-12`. */
export const monthOf = (dateOrInstant: string): string => dateOrInstant.slice(0, 7);

export const addMinutes = (instant: string, minutes: number): string => new Date(Date.parse(instant) + minutes * 60_000).toISOString();

export const addHours = (instant: string, hours: number): string => addMinutes(instant, hours * 60);

/** Whether `now` has reached `instant`. */
export const notBefore = (now: string, instant: string): boolean => Date.parse(now) >= Date.parse(instant);

/** The date part of an instant, in UTC. */
export const dateOf = (instant: string): string => new Date(Date.parse(instant)).toISOString().slice(0, 10);

// A formatter costs far more to build than to use: one per zone, kept (zones are few).
const wallClockFormats = new Map<string, Intl.DateTimeFormat>();
const wallClockFormat = (timeZone: string): Intl.DateTimeFormat => {
  let format = wallClockFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    if (wallClockFormats.size < 1000) wallClockFormats.set(timeZone, format);
  }
  return format;
};

/**
 * `compute` remembered per key: these answers are pure, asked for the same few stay instants over and
 * over (check-in at 15:00 on a date), and ICU's formatting costs microseconds each. At most `size`
 * answers are kept; the oldest goes first.
 */
const remembered = <T>(size: number): ((key: string, compute: () => T) => T) => {
  const answers = new Map<string, T>();
  return (key, compute) => {
    if (answers.has(key)) return answers.get(key) as T;
    const answer = compute();
    if (answers.size >= size) answers.delete(answers.keys().next().value as string);
    answers.set(key, answer);
    return answer;
  };
};

const ANSWERS_KEPT = 10_000;
// The zone's length first: no two (zone, time) pairs share a key, whatever characters they hold.
const keyOf = (timeZone: string, time: string) => `${timeZone.length}:${timeZone}${time}`;

const formatLocalDateTime = (instant: string, timeZone: string): string => {
  const parts = wallClockFormat(timeZone).formatToParts(new Date(instant));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}`;
};
const localDateTimes = remembered<string>(ANSWERS_KEPT);

/** Wall-clock `yyyy-mm-ddThh:mm` of an instant in a time zone. */
export const localDateTime = (instant: string, timeZone: string): string =>
  localDateTimes(keyOf(timeZone, instant), () => formatLocalDateTime(instant, timeZone));

/** Whether a date-time names its offset (`Z`, `+02:00`); one without is a wall-clock time. */
export const hasOffset = (dateTime: string): boolean => /(Z|[+-]\d{2}:?\d{2})$/i.test(dateTime);

/**
 * The instant a wall-clock time (`yyyy-mm-ddThh:mm[:ss[.fff]]`) names in a time zone, seconds kept.
 * A time the clocks skip (spring forward) names no instant: undefined. A time they pass twice (fall
 * back) is the first.
 */
export const instantOfLocal = (local: string, timeZone: string): string | undefined =>
  instantsOfLocal(keyOf(timeZone, local), () => findInstantOfLocal(local, timeZone));

const findInstantOfLocal = (local: string, timeZone: string): string | undefined => {
  const wanted = `${local.slice(0, 16)}`;
  const seconds = /^(?::(\d{2}(?:\.\d+)?))?$/.exec(local.slice(16));
  const asUtc = Date.parse(`${wanted}:00Z`);
  if (Number.isNaN(asUtc) || !seconds) return undefined;
  const extra = Math.round(Number(seconds[1] ?? 0) * 1000);
  // Offsets in force a day either side cover every real zone's transitions; the earliest match wins.
  const offsets = [
    ...new Set([asUtc - 86_400_000, asUtc, asUtc + 86_400_000].map((at) => Date.parse(`${localDateTime(new Date(at).toISOString(), timeZone)}:00Z`) - at)),
  ];
  const candidates = offsets
    .map((offset) => asUtc - offset)
    .filter((at) => localDateTime(new Date(at).toISOString(), timeZone) === wanted)
    .sort((a, b) => a - b);
  return candidates.length > 0 ? new Date(candidates[0]! + extra).toISOString() : undefined;
};
const instantsOfLocal = remembered<string | undefined>(ANSWERS_KEPT);

/**
 * The instant a date's wall-clock time (`hh:mm`) is in a time zone, for times a place fixes by its
 * clocks (check-in at 15:00). A time the clocks skip that day is read with the offset in force
 * before the jump (02:30 on a spring-forward night is 03:30 new time); a time they pass twice is the first.
 */
export const wallClockInstant = (date: string, clock: string, timeZone: string): string =>
  wallClockInstants(keyOf(timeZone, `${date}T${clock}`), () => findWallClockInstant(`${date}T${clock}`, timeZone));

const findWallClockInstant = (local: string, timeZone: string): string => {
  const exact = instantOfLocal(local, timeZone);
  if (exact !== undefined) return exact;
  const asUtc = Date.parse(`${local}:00Z`);
  const before = asUtc - 86_400_000;
  const offset = Date.parse(`${localDateTime(new Date(before).toISOString(), timeZone)}:00Z`) - before;
  return new Date(asUtc - offset).toISOString();
};
const wallClockInstants = remembered<string>(ANSWERS_KEPT);
