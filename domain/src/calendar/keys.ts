import { isIsoDate, monthOf } from '../shared/index.ts';

/**
 * A calendar key is a night (`yyyy-mm-dd`, in the listing's time zone) or a slot start instant
 * (`…Z`). Instants are compared in one spelling, so that `19:30:00Z` and `19:30:00.000Z` are the
 * same table slot.
 */
export type KeyKind = 'night' | 'slot';

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z$/;

export const keyKindOf = (key: string): KeyKind | undefined => {
  if (isIsoDate(key)) return 'night';
  const ms = INSTANT.test(key) ? Date.parse(key) : Number.NaN;
  // Date.parse rolls 2026-02-30 over to March: a real instant reads back the same up to the minute.
  if (!Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 16) === key.slice(0, 16)) return 'slot';
  return undefined;
};

/** The one spelling of a key (`2026-05-01T19:30:00.000Z` for instants), or undefined if it is none. */
export const canonicalKey = (key: string): string | undefined => {
  const kind = keyKindOf(key);
  if (kind === 'night') return key;
  if (kind === 'slot') return new Date(Date.parse(key)).toISOString();
  return undefined;
};

export const calendarStreamId = (unitTypeId: string, month: string): string => `calendar-${unitTypeId}-${month}`;

/** Splits a stay's keys into the month streams that hold them, months and keys in order. */
export const partitionByMonth = (keys: readonly string[]): { month: string; keys: string[] }[] => {
  const byMonth = new Map<string, Set<string>>();
  for (const key of keys) {
    const canonical = canonicalKey(key) ?? key;
    const month = monthOf(canonical);
    byMonth.set(month, (byMonth.get(month) ?? new Set()).add(canonical));
  }
  return [...byMonth.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([month, monthKeys]) => ({ month, keys: [...monthKeys].sort() }));
};

/** Keys of one unit type (a stay's, a block's) split into the month-long calendar streams that hold them. */
export const calendarParts = (unitTypeId: string, keys: readonly string[]): { month: string; keys: string[]; streamId: string }[] =>
  partitionByMonth(keys).map((part) => ({ ...part, streamId: calendarStreamId(unitTypeId, part.month) }));
