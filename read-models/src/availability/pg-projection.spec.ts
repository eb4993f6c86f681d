import { expect } from 'vitest';
import { describeProjection, recorded } from '../testing/projection-spec.ts';
import { availabilityProjection } from './pg-projection.ts';

const at = '2030-01-01T10:00:00.000Z';
const placed = (holdId: string, keys: string[], units = 1) => ({
  type: 'HoldPlaced',
  data: { holdId, bookingId: `b-${holdId}`, keys, units, expiresAt: at, at },
});
const released = (holdId: string, keys: string[], units = 1) => ({ type: 'HoldReleased', data: { holdId, keys, units, reason: 'cancelled', at } });
const calendar = 'calendar-room-2030-02';
const used = (rows: Record<string, unknown[]>, table: string) =>
  Object.fromEntries((rows[table] as { key: string; used: number }[]).map((r) => [r.key, r.used]));

describeProjection('availability projection', {
  projection: availabilityProjection,
  tables: (target) => [target],
  // Counters: the checkpoint, moved in the same transaction, is what applies an event once.
  guardedByRevision: false,
  cases: [
    {
      name: 'a hold takes its nights',
      when: recorded(calendar, [placed('h1', ['2030-02-01', '2030-02-02'], 2)]),
      then: (rows, [table]) => expect(used(rows, table!)).toEqual({ '2030-02-01': 2, '2030-02-02': 2 }),
    },
    {
      name: 'holds on one night add up, a release gives back, within one batch too',
      given: recorded(calendar, [placed('h1', ['2030-02-01'])]),
      when: recorded(calendar, [placed('h2', ['2030-02-01', '2030-02-03']), released('h1', ['2030-02-01']), placed('h3', ['2030-02-01'])], 1),
      then: (rows, [table]) => expect(used(rows, table!)).toEqual({ '2030-02-01': 2, '2030-02-03': 1 }),
    },
    {
      name: 'a night released down to nothing stays as zero',
      given: recorded(calendar, [placed('h1', ['2030-02-05'])]),
      when: recorded(calendar, [released('h1', ['2030-02-05'])], 1),
      then: (rows, [table]) => expect(used(rows, table!)).toEqual({ '2030-02-05': 0 }),
    },
  ],
});
