import { listings } from '@stayhub/domain';

/**
 * A restaurant slot asked of a search: an instant (with its offset), the same for every listing, or
 * a wall-clock time (`2030-05-01T19:30`) that each restaurant reads on its own clock, so a search
 * across zones finds each at its own 19:30. Both stores (PostgreSQL, Elasticsearch) read it so.
 */
export type AskedSlot =
  | { kind: 'instant'; key: string }
  /** `local` is `yyyy-mm-ddThh:mm`; `onMinute` is false when seconds were given that are not zero (no slot starts then). */
  | { kind: 'local'; local: string; onMinute: boolean };

export const askedSlot = (slot: string): AskedSlot =>
  listings.hasOffset(slot)
    ? { kind: 'instant', key: new Date(slot).toISOString() }
    : { kind: 'local', local: slot.slice(0, 16), onMinute: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:00(\.0+)?)?$/.test(slot) };

/** Sunday 00:00 = 0: the minute of the week a wall-clock time names (how `slot_starts` holds a restaurant's slots). */
export const weekMinuteOf = (local: string): number =>
  new Date(`${local.slice(0, 10)}T00:00:00Z`).getUTCDay() * 1440 + Number(local.slice(11, 13)) * 60 + Number(local.slice(14, 16));

/**
 * The calendar key (instant) of the asked slot at a listing in `timeZone`, or undefined when it names
 * no slot there: a wall-clock time its clocks skip that day, or a time off the whole minute.
 */
const slotKeyIn = (asked: AskedSlot, timeZone: string): string | undefined => {
  if (asked.kind === 'instant') return Date.parse(asked.key) % 60_000 === 0 ? asked.key : undefined;
  return asked.onMinute ? listings.instantOfLocal(asked.local, timeZone) : undefined;
};

/** The slot's key at a listing whose details serve it (on its grid within opening hours, on its clock); else undefined. */
export const openSlotKey = (asked: AskedSlot, details: { location?: { timeZone?: string }; slots?: unknown } | undefined): string | undefined => {
  const hours = listings.Slots.safeParse(details?.slots);
  if (!hours.success) return undefined;
  const timeZone = details?.location?.timeZone ?? 'UTC';
  const key = slotKeyIn(asked, timeZone);
  return key !== undefined && listings.slotIsOpen(hours.data, timeZone, key) ? key : undefined;
};
