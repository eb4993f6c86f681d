import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import { CALENDAR_BLOCKS } from './pg-projection.ts';

/** A block in force: its nights (or slots) across every month it spans. */
export type CalendarBlock = { blockId: string; unitTypeId: string; keys: string[]; units: number; blockedBy: string; blockedAt: string };

export interface CalendarBlockReader {
  /** The listing's blocks not lifted, by their first night or slot. */
  ofListing(listingId: string): Promise<CalendarBlock[]>;
}

export class PgCalendarBlockReader implements CalendarBlockReader {
  constructor(private readonly pool: Pool) {}

  async ofListing(listingId: string): Promise<CalendarBlock[]> {
    const table = (await liveTargets(this.pool, [CALENDAR_BLOCKS]))[CALENDAR_BLOCKS]!;
    const { rows } = await this.pool.query<{ block_id: string; unit_type_id: string; keys: string[]; units: number; blocked_by: string; blocked_at: Date }>(
      `SELECT block_id, min(unit_type_id) AS unit_type_id, array_agg(k ORDER BY k) AS keys, min(units) AS units, min(blocked_by) AS blocked_by, min(blocked_at) AS blocked_at
         FROM ${table}, unnest(keys) AS k
        WHERE listing_id = $1 AND lifted_at IS NULL
        GROUP BY block_id
        ORDER BY min(k), block_id
        LIMIT 500`,
      [listingId],
    );
    return rows.map((r) => ({
      blockId: r.block_id,
      unitTypeId: r.unit_type_id,
      keys: r.keys,
      units: r.units,
      blockedBy: r.blocked_by,
      blockedAt: r.blocked_at.toISOString(),
    }));
  }
}
