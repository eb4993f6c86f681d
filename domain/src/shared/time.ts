/** Calendar arithmetic on ISO dates (yyyy-mm-dd) and instants, with no clock: callers pass `now`. */
const DAY_MS = 86_400_000;

export const isIsoDate = (value: string): boolean =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);

const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

export const daysBetween = (from: string, to: string): number => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/** The nights of a stay: check-in inclusive, check-out exclusive. */
export const nightsOf = (checkIn: string, checkOut: string): string[] =>
  Array.from({ length: Math.max(0, daysBetween(checkIn, checkOut)) }, (_, i) => addDays(checkIn, i));

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
