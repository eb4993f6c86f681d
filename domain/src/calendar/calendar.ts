import { z } from 'zod';
import { assertNever, unknownEvent, ensure, fail, Id, Instant, monthOf, type Decider } from '../shared/index.ts';
import { canonicalKey, keyKindOf } from './keys.ts';

/** Nights or slot starts of one month (a month of 15-minute slots is under 3000). */
const Keys = z.array(z.string().min(10).max(40)).min(1).max(3_000);
const Units = z.number().int().min(1).max(10_000);
/** The unit type's `count`, read by the caller from the listing. */
const Capacity = z.number().int().min(0).max(10_000);

export const ReleaseReason = z.enum(['expired', 'declined', 'cancelled', 'payment_failed', 'modified', 'orphaned', 'request_expired']);
export type ReleaseReason = z.infer<typeof ReleaseReason>;

const command = <T extends string, D extends z.ZodRawShape>(type: T, data: D) => z.object({ type: z.literal(type), data: z.object({ ...data, now: Instant }) });

/**
 * `replacing`: the hold of the same booking that this one supersedes (a date change); its units do not count against the new one.
 * `withBooking`: the hold is stored in one atomic append with its booking's event, so it can never be left without one.
 */
const PlaceHold = command('PlaceHold', {
  holdId: Id,
  bookingId: Id,
  keys: Keys,
  units: Units,
  capacity: Capacity,
  expiresAt: Instant,
  replacing: Id.optional(),
  withBooking: z.literal(true).optional(),
});
type PlaceHold = z.infer<typeof PlaceHold>;
const ConfirmHold = command('ConfirmHold', { holdId: Id });
type ConfirmHold = z.infer<typeof ConfirmHold>;
const ReleaseHold = command('ReleaseHold', { holdId: Id, reason: ReleaseReason });
type ReleaseHold = z.infer<typeof ReleaseHold>;
const ReleaseExpiredHold = command('ReleaseExpiredHold', { holdId: Id });
type ReleaseExpiredHold = z.infer<typeof ReleaseExpiredHold>;
const BlockNights = command('BlockNights', { blockId: Id, keys: Keys, units: Units, capacity: Capacity, actorId: Id });
type BlockNights = z.infer<typeof BlockNights>;
const UnblockNights = command('UnblockNights', { blockId: Id });
type UnblockNights = z.infer<typeof UnblockNights>;
export const CalendarCommand = z.discriminatedUnion('type', [PlaceHold, ConfirmHold, ReleaseHold, ReleaseExpiredHold, BlockNights, UnblockNights]);
export type CalendarCommand = z.infer<typeof CalendarCommand>;

const HoldPlacedData = z.object({
  holdId: Id,
  bookingId: Id,
  keys: Keys,
  units: Units,
  expiresAt: Instant,
  at: Instant,
  withBooking: z.literal(true).optional(),
});
const HoldConfirmedData = z.object({ holdId: Id, bookingId: Id, keys: Keys, units: Units, at: Instant });
const HoldReleasedData = z.object({ holdId: Id, keys: Keys, units: Units, reason: ReleaseReason, at: Instant });
const NightsBlockedData = z.object({ blockId: Id, keys: Keys, units: Units, by: Id, at: Instant });
const NightsUnblockedData = z.object({ blockId: Id, keys: Keys, units: Units, at: Instant });

export const CalendarEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('HoldPlaced'), data: HoldPlacedData }),
  z.object({ type: z.literal('HoldConfirmed'), data: HoldConfirmedData }),
  z.object({ type: z.literal('HoldReleased'), data: HoldReleasedData }),
  z.object({ type: z.literal('NightsBlocked'), data: NightsBlockedData }),
  z.object({ type: z.literal('NightsUnblocked'), data: NightsUnblockedData }),
]);
export type CalendarEvent = z.infer<typeof CalendarEvent>;

/**
 * Units taken on one key by holds and by blocks, as sums: which hold took them is in `holds`.
 * Sums keep each decision O(keys) on a hot night with thousands of holds.
 */
type KeyUsage = { held: number; blocked: number };
/** Released holds stay (as tombstones) so that a late retry of the same hold id cannot revive it. */
export type CalendarHold = { bookingId: string; keys: string[]; units: number; expiresAt: string; status: 'held' | 'confirmed' | 'released' };
type CalendarBlock = { keys: string[]; units: number; by: string };
export type CalendarState = {
  keys: Record<string, KeyUsage>;
  /** Holds by bucket, then by id: an event copies one small bucket, not every hold of the month. */
  holds: Record<string, Record<string, CalendarHold>>;
  blocks: Record<string, CalendarBlock>;
};

const BUCKETS = 256;
const bucketOf = (holdId: string): string => {
  let hash = 0;
  for (let i = 0; i < holdId.length; i++) hash = (hash * 31 + holdId.charCodeAt(i)) >>> 0;
  return String(hash % BUCKETS);
};

export const holdOf = (state: CalendarState, holdId: string): CalendarHold | undefined => state.holds[bucketOf(holdId)]?.[holdId];

export const allHolds = (state: CalendarState): [string, CalendarHold][] => Object.values(state.holds).flatMap((bucket) => Object.entries(bucket));

const withHold = (holds: CalendarState['holds'], holdId: string, hold: CalendarHold): CalendarState['holds'] => {
  const bucket = bucketOf(holdId);
  return { ...holds, [bucket]: { ...holds[bucket], [holdId]: hold } };
};

export const usedUnits = (state: CalendarState, key: string): number => {
  const usage = state.keys[canonicalKey(key) ?? key];
  return usage ? usage.held + usage.blocked : 0;
};

export const freeUnits = (state: CalendarState, key: string, capacity: number): number => Math.max(0, capacity - usedUnits(state, key));

/** One month, one kind, no repeats; returned canonical and sorted. */
const validKeys = (keys: readonly string[]): string[] => {
  const canonical = keys.map(canonicalKey);
  const invalid = keys.filter((_, i) => canonical[i] === undefined);
  ensure(invalid.length === 0, 'CALENDAR_KEYS_INVALID', 'Keys must be nights (yyyy-mm-dd) or instants (…Z)', { invalid });
  const valid = (canonical as string[]).sort();
  ensure(valid.length > 0, 'CALENDAR_KEYS_INVALID', 'No keys given');
  ensure(new Set(valid).size === valid.length, 'CALENDAR_KEYS_INVALID', 'Keys repeat');
  ensure(new Set(valid.map(monthOf)).size === 1, 'CALENDAR_KEYS_INVALID', 'A calendar stream holds the keys of one month');
  ensure(new Set(valid.map(keyKindOf)).size === 1, 'CALENDAR_KEYS_INVALID', 'Keys mix nights and slots');
  return valid;
};

const sameKeys = (a: readonly string[], b: readonly string[]): boolean => a.join() === b.join();

const ensureFree = (state: CalendarState, keys: readonly string[], units: number, capacity: number, replacing?: CalendarHold): void => {
  const givenBack = (key: string) => (replacing && replacing.status !== 'released' && replacing.keys.includes(key) ? replacing.units : 0);
  const unavailable = keys.filter((key) => freeUnits(state, key, capacity) + givenBack(key) < units);
  ensure(unavailable.length === 0, 'NIGHTS_UNAVAILABLE', `Not available: ${unavailable.join(', ')}`, { unavailable });
};

const placeHold = ({ data }: PlaceHold, state: CalendarState): CalendarEvent[] => {
  const keys = validKeys(data.keys);
  const existing = holdOf(state, data.holdId);
  if (existing) {
    ensure(existing.status !== 'released', 'HOLD_RELEASED', `Hold ${data.holdId} was released`);
    const same = sameKeys(existing.keys, keys) && existing.units === data.units && existing.bookingId === data.bookingId;
    ensure(same, 'HOLD_CONFLICT', `Hold ${data.holdId} already holds other keys`);
    return [];
  }
  const replaced = data.replacing ? holdOf(state, data.replacing) : undefined;
  ensure(!replaced || replaced.bookingId === data.bookingId, 'HOLD_CONFLICT', `Hold ${data.replacing} belongs to another booking`);
  ensureFree(state, keys, data.units, data.capacity, replaced);
  const { holdId, bookingId, units, expiresAt, now, withBooking } = data;
  return [{ type: 'HoldPlaced', data: { holdId, bookingId, keys, units, expiresAt, at: now, ...(withBooking ? { withBooking } : {}) } }];
};

const confirmHold = ({ data }: ConfirmHold, state: CalendarState): CalendarEvent[] => {
  const hold = holdOf(state, data.holdId) ?? fail('HOLD_NOT_FOUND', `No hold ${data.holdId}`);
  ensure(hold.status !== 'released', 'HOLD_RELEASED', `Hold ${data.holdId} was released`);
  if (hold.status === 'confirmed') return [];
  const { bookingId, keys, units } = hold;
  return [{ type: 'HoldConfirmed', data: { holdId: data.holdId, bookingId, keys, units, at: data.now } }];
};

const release = (holdId: string, hold: CalendarHold, reason: ReleaseReason, now: string): CalendarEvent[] => [
  { type: 'HoldReleased', data: { holdId, keys: hold.keys, units: hold.units, reason, at: now } },
];

const releaseHold = ({ data }: ReleaseHold, state: CalendarState): CalendarEvent[] => {
  const hold = holdOf(state, data.holdId);
  if (!hold || hold.status === 'released') return [];
  return release(data.holdId, hold, data.reason, data.now);
};

/** The deadline's own command: a confirmed hold, or one whose time has not come, stays. */
const releaseExpiredHold = ({ data }: ReleaseExpiredHold, state: CalendarState): CalendarEvent[] => {
  const hold = holdOf(state, data.holdId);
  if (hold?.status !== 'held' || Date.parse(data.now) < Date.parse(hold.expiresAt)) return [];
  return release(data.holdId, hold, 'expired', data.now);
};

const blockNights = ({ data }: BlockNights, state: CalendarState): CalendarEvent[] => {
  const keys = validKeys(data.keys);
  const existing = state.blocks[data.blockId];
  if (existing) {
    ensure(sameKeys(existing.keys, keys) && existing.units === data.units, 'HOLD_CONFLICT', `Block ${data.blockId} already blocks other keys`);
    return [];
  }
  ensureFree(state, keys, data.units, data.capacity);
  return [{ type: 'NightsBlocked', data: { blockId: data.blockId, keys, units: data.units, by: data.actorId, at: data.now } }];
};

const unblockNights = ({ data }: UnblockNights, state: CalendarState): CalendarEvent[] => {
  const block = state.blocks[data.blockId];
  if (!block) return [];
  return [{ type: 'NightsUnblocked', data: { blockId: data.blockId, keys: block.keys, units: block.units, at: data.now } }];
};

/** Adds `units` (negative to give back) to what holds or blocks take on each key. */
const withUsage = (usage: CalendarState['keys'], keys: readonly string[], by: keyof KeyUsage, units: number): CalendarState['keys'] => {
  const next = { ...usage };
  for (const key of keys) {
    const current = next[key] ?? { held: 0, blocked: 0 };
    const updated = { ...current, [by]: current[by] + units };
    // Free keys leave the state, so it only grows with what is taken.
    if (updated.held === 0 && updated.blocked === 0) delete next[key];
    else next[key] = updated;
  }
  return next;
};

const evolve = (state: CalendarState, event: CalendarEvent): CalendarState => {
  switch (event.type) {
    case 'HoldPlaced': {
      const { holdId, bookingId, keys, units, expiresAt } = event.data;
      return {
        ...state,
        keys: withUsage(state.keys, keys, 'held', units),
        holds: withHold(state.holds, holdId, { bookingId, keys, units, expiresAt, status: 'held' }),
      };
    }
    case 'HoldConfirmed': {
      const hold = holdOf(state, event.data.holdId);
      return hold ? { ...state, holds: withHold(state.holds, event.data.holdId, { ...hold, status: 'confirmed' }) } : state;
    }
    case 'HoldReleased': {
      const hold = holdOf(state, event.data.holdId);
      if (!hold || hold.status === 'released') return state;
      return {
        ...state,
        keys: withUsage(state.keys, hold.keys, 'held', -hold.units),
        holds: withHold(state.holds, event.data.holdId, { ...hold, status: 'released' }),
      };
    }
    case 'NightsBlocked': {
      const { blockId, keys, units, by } = event.data;
      return { ...state, keys: withUsage(state.keys, keys, 'blocked', units), blocks: { ...state.blocks, [blockId]: { keys, units, by } } };
    }
    case 'NightsUnblocked': {
      const { [event.data.blockId]: block, ...blocks } = state.blocks;
      return block ? { ...state, keys: withUsage(state.keys, block.keys, 'blocked', -block.units), blocks } : state;
    }
    default:
      return unknownEvent(state, event);
  }
};

export const calendarDecider: Decider<CalendarCommand, CalendarState, CalendarEvent> = {
  initialState: { keys: {}, holds: {}, blocks: {} },
  decide: (command, state) => {
    switch (command.type) {
      case 'PlaceHold':
        return placeHold(command, state);
      case 'ConfirmHold':
        return confirmHold(command, state);
      case 'ReleaseHold':
        return releaseHold(command, state);
      case 'ReleaseExpiredHold':
        return releaseExpiredHold(command, state);
      case 'BlockNights':
        return blockNights(command, state);
      case 'UnblockNights':
        return unblockNights(command, state);
      default:
        return assertNever(command);
    }
  },
  evolve,
};
