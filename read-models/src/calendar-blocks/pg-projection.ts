import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { noWrite, type Queryable } from '../pg-documents.ts';
import type { PgProjection } from '../projection.ts';
import { unitTypeOfCalendar } from '../availability/availability-changes.ts';

export const CALENDAR_BLOCKS = 'calendar_blocks';

type Blocked = { blockId: string; keys: string[]; units: number; by: string; at: string };
type Lifted = { blockId: string; at: string };
type BlockRow = {
  block_id: string;
  month: string;
  listing_id: string;
  unit_type_id: string;
  keys: string[];
  units: number;
  blocked_by: string;
  blocked_at: string;
};

/** `calendar-{unitTypeId}-{yyyy-mm}` → its month. */
const monthOfCalendar = (streamId: string): string => streamId.slice(-'yyyy-mm'.length);
/** Unit type ids are scoped to their listing as `{listingId}.{key}`. */
const listingOfUnitType = (unitTypeId: string): string => unitTypeId.slice(0, Math.max(0, unitTypeId.indexOf('.')));

const rowsOf = (events: readonly RecordedEvent[]) => {
  const blocked = new Map<string, BlockRow>();
  const lifted = new Map<string, { block_id: string; month: string; lifted_at: string }>();
  for (const event of events) {
    const month = monthOfCalendar(event.streamId);
    if (event.type === 'NightsBlocked') {
      const data = event.data as Blocked;
      const key = `${data.blockId} ${month}`;
      const unitTypeId = unitTypeOfCalendar(event.streamId);
      if (!blocked.has(key)) {
        blocked.set(key, {
          block_id: data.blockId,
          month,
          listing_id: listingOfUnitType(unitTypeId),
          unit_type_id: unitTypeId,
          keys: data.keys,
          units: data.units,
          blocked_by: data.by,
          blocked_at: data.at,
        });
      }
    } else if (event.type === 'NightsUnblocked') {
      const data = event.data as Lifted;
      const key = `${data.blockId} ${month}`;
      if (!lifted.has(key)) lifted.set(key, { block_id: data.blockId, month, lifted_at: data.at });
    }
  }
  return { blocked: [...blocked.values()], lifted: [...lifted.values()] };
};

/**
 * The blocks a host put on a listing's calendar, one row per block and month (a block over a
 * month's end is one event in each month's stream). A lifted block keeps its row with `lifted_at`,
 * so that its `NightsBlocked` delivered again cannot bring it back.
 */
export const calendarBlocksProjection: PgProjection = {
  name: CALENDAR_BLOCKS,
  handles: new Set(['NightsBlocked', 'NightsUnblocked']),
  async migrate(client: PoolClient, target: string, options = {}) {
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${target} (
        block_id     text NOT NULL,
        month        text NOT NULL,
        listing_id   text NOT NULL,
        unit_type_id text NOT NULL,
        keys         text[] NOT NULL,
        units        int NOT NULL,
        blocked_by   text NOT NULL,
        blocked_at   timestamptz NOT NULL,
        lifted_at    timestamptz,
        PRIMARY KEY (block_id, month)
      );
      ${options.indexes === false ? '' : `CREATE INDEX IF NOT EXISTS ${target}_listing ON ${target} (listing_id) WHERE lifted_at IS NULL;`}`);
  },
  async index(client: PoolClient, target: string) {
    await client.query(`CREATE INDEX IF NOT EXISTS ${target}_listing ON ${target} (listing_id) WHERE lifted_at IS NULL`);
  },
  async fold(_db: Queryable, events, target) {
    const { blocked, lifted } = rowsOf(events);
    if (blocked.length === 0 && lifted.length === 0) return noWrite;
    return async (client) => {
      if (blocked.length > 0) {
        await client.query(
          `INSERT INTO ${target} (block_id, month, listing_id, unit_type_id, keys, units, blocked_by, blocked_at)
           SELECT block_id, month, listing_id, unit_type_id, keys, units, blocked_by, blocked_at FROM json_populate_recordset(NULL::${target}, $1::json)
           ON CONFLICT (block_id, month) DO NOTHING`,
          [JSON.stringify(blocked)],
        );
      }
      if (lifted.length > 0) {
        await client.query(
          `UPDATE ${target} t SET lifted_at = l.lifted_at FROM json_populate_recordset(NULL::${target}, $1::json) l
            WHERE t.block_id = l.block_id AND t.month = l.month AND t.lifted_at IS NULL`,
          [JSON.stringify(lifted)],
        );
      }
    };
  },
  async drop(client: PoolClient, target: string) {
    await client.query(`DROP TABLE IF EXISTS ${target}`);
  },
};
