import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { applyEvents } from '../projection.ts';
import { describeProjection, recorded } from '../testing/projection-spec.ts';
import { calendarBlocksProjection } from './pg-projection.ts';
import { PgCalendarBlockReader } from './postgres.ts';

const at = '2026-06-01T10:00:00.000Z';
const blocked = (blockId: string, keys: string[], units = 1) => ({ type: 'NightsBlocked', data: { blockId, keys, units, by: 'h1', at } });
const lifted = (blockId: string, keys: string[], units = 1) => ({ type: 'NightsUnblocked', data: { blockId, keys, units, at } });
const june = 'calendar-l1.flat-2026-06';
const july = 'calendar-l1.flat-2026-07';

describeProjection('calendar blocks projection', {
  projection: calendarBlocksProjection,
  tables: (target) => [target],
  guardedByRevision: true,
  cases: [
    {
      name: 'a block over a month end is a row in each month',
      when: [...recorded(june, [blocked('b1', ['2026-06-29', '2026-06-30'])]), ...recorded(july, [blocked('b1', ['2026-07-01'])])],
      then: (rows, [table]) => {
        expect(
          rows[table!]!.map((r) => {
            const { block_id, month, listing_id, unit_type_id, keys, lifted_at } = r as Record<string, unknown>;
            return { block_id, month, listing_id, unit_type_id, keys, lifted_at };
          }),
        ).toEqual([
          { block_id: 'b1', month: '2026-06', listing_id: 'l1', unit_type_id: 'l1.flat', keys: ['2026-06-29', '2026-06-30'], lifted_at: null },
          { block_id: 'b1', month: '2026-07', listing_id: 'l1', unit_type_id: 'l1.flat', keys: ['2026-07-01'], lifted_at: null },
        ]);
      },
    },
    {
      name: 'a lifted block keeps its row, marked lifted',
      given: recorded(june, [blocked('b2', ['2026-06-10']), blocked('b3', ['2026-06-12'])]),
      when: recorded(june, [lifted('b2', ['2026-06-10'])], 2),
      then: (rows, [table]) => {
        const state = Object.fromEntries(
          rows[table!]!.map((r) => [(r as { block_id: string }).block_id, (r as { lifted_at: string | null }).lifted_at !== null]),
        );
        expect(state).toEqual({ b2: true, b3: false });
      },
    },
  ],
});

describe('calendar blocks, as the host reads them', () => {
  let pool: Pool;
  const apply = (events: ReturnType<typeof recorded>) =>
    inTransaction(pool, (client) => applyEvents(client, calendarBlocksProjection, events, 'calendar_blocks'));
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 2);
    await inTransaction(pool, (client) => calendarBlocksProjection.migrate(client, 'calendar_blocks'));
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('gathers a block across months, leaves out lifted ones and other listings, and a redelivered block stays lifted', async () => {
    const placed = recorded(june, [blocked('b1', ['2026-06-30'], 2), blocked('b2', ['2026-06-05'])]);
    await apply([
      ...placed,
      ...recorded(july, [blocked('b1', ['2026-07-01', '2026-07-02'], 2)]),
      ...recorded('calendar-l2.room-2026-06', [blocked('b9', ['2026-06-01'])]),
    ]);
    await apply(recorded(june, [lifted('b2', ['2026-06-05'])], 2));
    await apply([placed[1]!]); // the lifted block's NightsBlocked, delivered again

    expect(await new PgCalendarBlockReader(pool).ofListing('l1')).toEqual([
      { blockId: 'b1', unitTypeId: 'l1.flat', keys: ['2026-06-30', '2026-07-01', '2026-07-02'], units: 2, blockedBy: 'h1', blockedAt: at },
    ]);
  });
});
