import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError, fold, nightsOf } from '../shared/index.ts';
import { specFor, type SpecCase } from '../shared/spec.ts';
import {
  calendarDecider,
  calendarParts,
  CalendarCommand,
  calendarStreamId,
  canonicalKey,
  freeUnits,
  holdOf,
  partitionByMonth,
  type CalendarEvent,
  type CalendarState,
  type ReleaseReason,
} from './index.ts';

const now = '2026-07-01T10:00:00.000Z';
const expiresAt = '2026-07-01T10:15:00.000Z';
const nights = ['2026-07-10', '2026-07-11'];

const hold = (holdId: string, o: { keys?: string[]; units?: number; capacity?: number; bookingId?: string; replacing?: string } = {}): CalendarCommand => ({
  type: 'PlaceHold',
  data: {
    holdId,
    bookingId: o.bookingId ?? `b-${holdId}`,
    keys: o.keys ?? nights,
    units: o.units ?? 1,
    capacity: o.capacity ?? 1,
    expiresAt,
    now,
    ...(o.replacing ? { replacing: o.replacing } : {}),
  },
});
const placed = (holdId: string, o: { keys?: string[]; units?: number } = {}): CalendarEvent => ({
  type: 'HoldPlaced',
  data: { holdId, bookingId: `b-${holdId}`, keys: o.keys ?? nights, units: o.units ?? 1, expiresAt, at: now },
});
const confirm = (holdId: string): CalendarCommand => ({ type: 'ConfirmHold', data: { holdId, now } });
const confirmed = (holdId: string): CalendarEvent => ({
  type: 'HoldConfirmed',
  data: { holdId, bookingId: `b-${holdId}`, keys: nights, units: 1, at: now },
});
const release = (holdId: string, reason: ReleaseReason = 'cancelled'): CalendarCommand => ({ type: 'ReleaseHold', data: { holdId, reason, now } });
const released = (holdId: string, reason: ReleaseReason = 'cancelled', at = now): CalendarEvent => ({
  type: 'HoldReleased',
  data: { holdId, keys: nights, units: 1, reason, at },
});
const expire = (holdId: string, at: string): CalendarCommand => ({ type: 'ReleaseExpiredHold', data: { holdId, now: at } });
const block = (blockId: string, o: { keys?: string[]; units?: number; capacity?: number } = {}): CalendarCommand => ({
  type: 'BlockNights',
  data: { blockId, keys: o.keys ?? nights, units: o.units ?? 1, capacity: o.capacity ?? 1, actorId: 'host1', now },
});
const blocked = (blockId: string, o: { keys?: string[]; units?: number } = {}): CalendarEvent => ({
  type: 'NightsBlocked',
  data: { blockId, keys: o.keys ?? nights, units: o.units ?? 1, by: 'host1', at: now },
});
const unblock = (blockId: string): CalendarCommand => ({ type: 'UnblockNights', data: { blockId, now } });
const unblocked = (blockId: string): CalendarEvent => ({ type: 'NightsUnblocked', data: { blockId, keys: nights, units: 1, at: now } });

const spec = specFor(calendarDecider);
const fiveHeld = ['h1', 'h2', 'h3', 'h4', 'h5'].map((id) => placed(id));

describe('PlaceHold', () => {
  const cases: SpecCase<CalendarCommand, CalendarEvent>[] = [
    { name: 'holds free nights', when: hold('h1'), then: [placed('h1')] },
    {
      name: 'a hold placed with its booking says so (no deadline will watch it)',
      when: { type: 'PlaceHold', data: { ...(hold('h1').data as object), withBooking: true } } as CalendarCommand,
      then: [{ type: 'HoldPlaced', data: { ...(placed('h1').data as object), withBooking: true } } as CalendarEvent],
    },
    { name: 'capacity 1: a second hold fails', given: [placed('h1')], when: hold('h2'), throws: 'NIGHTS_UNAVAILABLE', details: { unavailable: nights } },
    {
      name: 'names only the nights that are taken',
      given: [placed('h1', { keys: ['2026-07-11'] })],
      when: hold('h2', { keys: ['2026-07-12', '2026-07-11', '2026-07-10'] }),
      throws: 'NIGHTS_UNAVAILABLE',
      details: { unavailable: ['2026-07-11'] },
    },
    { name: 'capacity 5: the fifth hold fits', given: fiveHeld.slice(0, 4), when: hold('h5', { capacity: 5 }), then: [placed('h5')] },
    { name: 'capacity 5: the sixth hold fails', given: fiveHeld, when: hold('h6', { capacity: 5 }), throws: 'NIGHTS_UNAVAILABLE' },
    { name: 'units count against capacity', given: [placed('h1', { units: 3 })], when: hold('h2', { units: 3, capacity: 5 }), throws: 'NIGHTS_UNAVAILABLE' },
    {
      name: 'several units fit together',
      given: [placed('h1', { units: 3 })],
      when: hold('h2', { units: 2, capacity: 5 }),
      then: [placed('h2', { units: 2 })],
    },
    { name: 'a lowered capacity counts what is already held', given: fiveHeld.slice(0, 3), when: hold('h4', { capacity: 2 }), throws: 'NIGHTS_UNAVAILABLE' },
    { name: 'release frees the nights', given: [placed('h1'), released('h1')], when: hold('h2'), then: [placed('h2')] },
    { name: 'expiry frees the nights', given: [placed('h1'), released('h1', 'expired')], when: hold('h2'), then: [placed('h2')] },
    { name: 'confirmed holds keep the nights', given: [placed('h1'), confirmed('h1')], when: hold('h2'), throws: 'NIGHTS_UNAVAILABLE' },
    { name: 'other nights stay free', given: [placed('h1')], when: hold('h2', { keys: ['2026-07-12'] }), then: [placed('h2', { keys: ['2026-07-12'] })] },
    { name: 'the same hold again records nothing', given: [placed('h1')], when: hold('h1'), then: [] },
    {
      name: 'the same hold with its keys in another order records nothing',
      given: [placed('h1')],
      when: hold('h1', { keys: [...nights].reverse() }),
      then: [],
    },
    { name: 'the same hold id for other nights is refused', given: [placed('h1')], when: hold('h1', { keys: ['2026-07-12'] }), throws: 'HOLD_CONFLICT' },
    { name: 'the same hold id for other units is refused', given: [placed('h1')], when: hold('h1', { units: 2, capacity: 5 }), throws: 'HOLD_CONFLICT' },
    { name: 'the same hold id for another booking is refused', given: [placed('h1')], when: hold('h1', { bookingId: 'b-other' }), throws: 'HOLD_CONFLICT' },
    { name: 'a released hold is not revived by a retry', given: [placed('h1'), released('h1')], when: hold('h1'), throws: 'HOLD_RELEASED' },
    {
      name: 'slot instants are stored in one spelling',
      when: hold('t1', { keys: ['2026-07-10T19:30:00Z'] }),
      then: [placed('t1', { keys: ['2026-07-10T19:30:00.000Z'] })],
    },
    {
      name: 'one slot spelt two ways is one slot',
      given: [placed('t1', { keys: ['2026-07-10T19:30:00.000Z'] })],
      when: hold('t2', { keys: ['2026-07-10T19:30Z'] }),
      throws: 'NIGHTS_UNAVAILABLE',
      details: { unavailable: ['2026-07-10T19:30:00.000Z'] },
    },
    {
      name: 'a key that is no date nor instant',
      when: hold('h1', { keys: ['tomorrow'] }),
      throws: 'CALENDAR_KEYS_INVALID',
      details: { invalid: ['tomorrow'] },
    },
    { name: 'a date that does not exist', when: hold('h1', { keys: ['2026-02-30'] }), throws: 'CALENDAR_KEYS_INVALID' },
    { name: 'an instant that does not exist', when: hold('h1', { keys: ['2026-02-30T19:00:00Z'] }), throws: 'CALENDAR_KEYS_INVALID' },
    { name: 'no keys', when: hold('h1', { keys: [] }), throws: 'CALENDAR_KEYS_INVALID' },
    { name: 'a repeated key', when: hold('h1', { keys: ['2026-07-10', '2026-07-10'] }), throws: 'CALENDAR_KEYS_INVALID' },
    { name: 'keys of two months', when: hold('h1', { keys: ['2026-07-31', '2026-08-01'] }), throws: 'CALENDAR_KEYS_INVALID' },
    {
      name: 'a date change may overlap the hold it replaces',
      given: [placed('h1')],
      when: hold('h1m', { keys: ['2026-07-11', '2026-07-12'], bookingId: 'b-h1', replacing: 'h1' }),
      then: [{ type: 'HoldPlaced', data: { holdId: 'h1m', bookingId: 'b-h1', keys: ['2026-07-11', '2026-07-12'], units: 1, expiresAt, at: now } }],
    },
    {
      name: 'a replacement still needs the nights the old hold did not have',
      given: [placed('h1'), placed('h2', { keys: ['2026-07-12'] })],
      when: hold('h1m', { keys: ['2026-07-11', '2026-07-12'], bookingId: 'b-h1', replacing: 'h1' }),
      throws: 'NIGHTS_UNAVAILABLE',
      details: { unavailable: ['2026-07-12'] },
    },
    {
      name: "a hold cannot replace another booking's hold",
      given: [placed('h1')],
      when: hold('h9', { bookingId: 'b-other', replacing: 'h1' }),
      throws: 'HOLD_CONFLICT',
    },
    { name: 'nights mixed with slots', when: hold('h1', { keys: ['2026-07-10', '2026-07-10T19:00:00Z'] }), throws: 'CALENDAR_KEYS_INVALID' },
  ];
  it.each(cases)('$name', spec.run);
});

describe('ConfirmHold', () => {
  const cases: SpecCase<CalendarCommand, CalendarEvent>[] = [
    { name: 'confirms a hold', given: [placed('h1')], when: confirm('h1'), then: [confirmed('h1')] },
    { name: 'confirming twice records nothing', given: [placed('h1'), confirmed('h1')], when: confirm('h1'), then: [] },
    { name: 'an unknown hold', when: confirm('h1'), throws: 'HOLD_NOT_FOUND' },
    { name: 'a released hold cannot be confirmed', given: [placed('h1'), released('h1', 'expired')], when: confirm('h1'), throws: 'HOLD_RELEASED' },
  ];
  it.each(cases)('$name', spec.run);
});

describe('ReleaseHold', () => {
  const cases: SpecCase<CalendarCommand, CalendarEvent>[] = [
    { name: 'releases a hold with its reason', given: [placed('h1')], when: release('h1', 'declined'), then: [released('h1', 'declined')] },
    { name: 'releases a confirmed hold (a cancellation)', given: [placed('h1'), confirmed('h1')], when: release('h1'), then: [released('h1')] },
    { name: 'an unknown hold records nothing', when: release('h1'), then: [] },
    { name: 'releasing twice records nothing', given: [placed('h1'), released('h1')], when: release('h1', 'orphaned'), then: [] },
  ];
  it.each(cases)('$name', spec.run);
});

describe('ReleaseExpiredHold', () => {
  const cases: SpecCase<CalendarCommand, CalendarEvent>[] = [
    { name: 'not before expiry', given: [placed('h1')], when: expire('h1', '2026-07-01T10:14:59.999Z'), then: [] },
    { name: 'at expiry', given: [placed('h1')], when: expire('h1', expiresAt), then: [released('h1', 'expired', expiresAt)] },
    {
      name: 'after expiry',
      given: [placed('h1')],
      when: expire('h1', '2026-07-02T00:00:00.000Z'),
      then: [released('h1', 'expired', '2026-07-02T00:00:00.000Z')],
    },
    { name: 'never when confirmed', given: [placed('h1'), confirmed('h1')], when: expire('h1', '2026-07-02T00:00:00.000Z'), then: [] },
    { name: 'never twice', given: [placed('h1'), released('h1')], when: expire('h1', '2026-07-02T00:00:00.000Z'), then: [] },
    { name: 'an unknown hold records nothing', when: expire('h1', '2026-07-02T00:00:00.000Z'), then: [] },
  ];
  it.each(cases)('$name', spec.run);
});

describe('BlockNights and UnblockNights', () => {
  const cases: SpecCase<CalendarCommand, CalendarEvent>[] = [
    { name: 'blocks free nights', when: block('k1'), then: [blocked('k1')] },
    { name: 'a block reduces capacity', given: [blocked('k1')], when: hold('h1'), throws: 'NIGHTS_UNAVAILABLE' },
    {
      name: 'a block takes only its units',
      given: [blocked('k1', { units: 2 })],
      when: hold('h1', { units: 3, capacity: 5 }),
      then: [placed('h1', { units: 3 })],
    },
    { name: 'held nights cannot be blocked', given: [placed('h1')], when: block('k1'), throws: 'NIGHTS_UNAVAILABLE', details: { unavailable: nights } },
    { name: 'the same block again records nothing', given: [blocked('k1')], when: block('k1'), then: [] },
    { name: 'the same block id for other nights is refused', given: [blocked('k1')], when: block('k1', { keys: ['2026-07-20'] }), throws: 'HOLD_CONFLICT' },
    { name: 'bad keys are refused', when: block('k1', { keys: ['2026-07-31', '2026-08-01'] }), throws: 'CALENDAR_KEYS_INVALID' },
    { name: 'unblocks', given: [blocked('k1')], when: unblock('k1'), then: [unblocked('k1')] },
    { name: 'unblocking frees the nights', given: [blocked('k1'), unblocked('k1')], when: hold('h1'), then: [placed('h1')] },
    { name: 'an unknown block records nothing', when: unblock('k1'), then: [] },
    { name: 'unblocking twice records nothing', given: [blocked('k1'), unblocked('k1')], when: unblock('k1'), then: [] },
  ];
  it.each(cases)('$name', spec.run);
});

describe('calendar state', () => {
  const stateOf = (events: CalendarEvent[]): CalendarState => fold(calendarDecider, events);

  it('counts free units per key', () => {
    const state = stateOf([placed('h1', { units: 2 }), blocked('k1', { keys: ['2026-07-10'] })]);
    expect(freeUnits(state, '2026-07-10', 5)).toBe(2);
    expect(freeUnits(state, '2026-07-11', 5)).toBe(3);
    expect(freeUnits(state, '2026-07-12', 5)).toBe(5);
    expect(freeUnits(state, '2026-07-10', 1)).toBe(0);
  });

  it('forgets keys once nothing takes them, but remembers released holds', () => {
    const state = stateOf([placed('h1'), blocked('k1'), released('h1'), unblocked('k1')]);
    expect(state.keys).toEqual({});
    expect(state.blocks).toEqual({});
    expect(holdOf(state, 'h1')?.status).toBe('released');
  });

  it('of N competing holds exactly capacity succeed, for any N and capacity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 10 }), (requests, capacity) => {
        let state = calendarDecider.initialState;
        let succeeded = 0;
        for (let i = 0; i < requests; i++) {
          try {
            const events = calendarDecider.decide(hold(`h${i}`, { capacity }), state);
            state = events.reduce(calendarDecider.evolve, state);
            succeeded++;
          } catch (error) {
            if (!(error instanceof DomainError) || error.code !== 'NIGHTS_UNAVAILABLE') throw error;
          }
        }
        expect(succeeded).toBe(Math.min(requests, capacity));
      }),
    );
  });

  it('never takes more than capacity under any mix of holds, releases and blocks', () => {
    const days = nightsOf('2026-07-01', '2026-07-06');
    const step = fc.oneof(
      fc.record({
        op: fc.constant('hold' as const),
        id: fc.integer({ min: 0, max: 9 }),
        from: fc.integer({ min: 0, max: 4 }),
        length: fc.integer({ min: 1, max: 3 }),
        units: fc.integer({ min: 1, max: 3 }),
      }),
      fc.record({
        op: fc.constant('block' as const),
        id: fc.integer({ min: 0, max: 4 }),
        from: fc.integer({ min: 0, max: 4 }),
        length: fc.integer({ min: 1, max: 3 }),
        units: fc.integer({ min: 1, max: 3 }),
      }),
      fc.record({ op: fc.constantFrom('release' as const, 'confirm' as const, 'expire' as const, 'unblock' as const), id: fc.integer({ min: 0, max: 9 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (steps, capacity) => {
        let state = calendarDecider.initialState;
        for (const s of steps) {
          const keys = 'from' in s ? days.slice(s.from, s.from + s.length) : [];
          const units = 'units' in s ? s.units : 1;
          const command: CalendarCommand =
            s.op === 'hold'
              ? hold(`h${s.id}`, { keys, units, capacity })
              : s.op === 'block'
                ? block(`k${s.id}`, { keys, units, capacity })
                : s.op === 'release'
                  ? release(`h${s.id}`)
                  : s.op === 'confirm'
                    ? confirm(`h${s.id}`)
                    : s.op === 'expire'
                      ? expire(`h${s.id}`, '2026-07-02T00:00:00.000Z')
                      : unblock(`k${s.id}`);
          try {
            state = calendarDecider.decide(command, state).reduce(calendarDecider.evolve, state);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
          }
          for (const day of days) expect(used(state, day)).toBeLessThanOrEqual(capacity);
        }
      }),
    );
  });
});

const used = (state: CalendarState, key: string): number => {
  const usage = state.keys[key];
  return usage ? usage.held + usage.blocked : 0;
};

describe('calendar keys', () => {
  it('names the stream of a unit type and month', () => expect(calendarStreamId('ut-1', '2026-07')).toBe('calendar-ut-1-2026-07'));

  it('partitions a stay into month streams, in order', () => {
    expect(partitionByMonth(nightsOf('2026-07-30', '2026-08-02'))).toEqual([
      { month: '2026-07', keys: ['2026-07-30', '2026-07-31'] },
      { month: '2026-08', keys: ['2026-08-01'] },
    ]);
    expect(partitionByMonth(['2027-01-01', '2026-12-31', '2026-12-31'])).toEqual([
      { month: '2026-12', keys: ['2026-12-31'] },
      { month: '2027-01', keys: ['2027-01-01'] },
    ]);
    expect(partitionByMonth(['2026-07-31T23:30:00Z'])).toEqual([{ month: '2026-07', keys: ['2026-07-31T23:30:00.000Z'] }]);
    expect(partitionByMonth([])).toEqual([]);
  });

  it('names the stream of each month part: holds and blocks alike', () => {
    expect(calendarParts('l1.room', ['2026-08-01', '2026-07-31'])).toEqual([
      { month: '2026-07', keys: ['2026-07-31'], streamId: 'calendar-l1.room-2026-07' },
      { month: '2026-08', keys: ['2026-08-01'], streamId: 'calendar-l1.room-2026-08' },
    ]);
  });

  it.each([
    ['2026-07-10', '2026-07-10'],
    ['2026-07-10T19:30Z', '2026-07-10T19:30:00.000Z'],
    ['2026-07-10T19:30:00.5Z', '2026-07-10T19:30:00.500Z'],
    ['2026-07-10T19:30:00+02:00', undefined],
    ['2026-13-01', undefined],
    ['2026-07-32T10:00:00Z', undefined],
    ['soon', undefined],
  ])('canonicalKey(%s) is %s', (key, canonical) => expect(canonicalKey(key)).toBe(canonical));

  it('validates commands', () => {
    expect(CalendarCommand.safeParse(hold('h1')).success).toBe(true);
    expect(CalendarCommand.safeParse(hold('h1', { units: 0 })).success).toBe(false);
    expect(CalendarCommand.safeParse(release('h1', 'bored' as ReleaseReason)).success).toBe(false);
  });
});
