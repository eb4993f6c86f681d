import type { Pool } from 'pg';
import { decodePosition, type EventStore } from '@stayhub/event-sourcing';
import type { EventSource } from './run.ts';

/** The PostgreSQL event store, which can also count what is left to read (for the progress bar). */
export const pgEventSource = (pool: Pool, store: EventStore): EventSource => ({
  read: (after, maxCount) => store.readAll({ after, maxCount }),
  async countAfter(after) {
    const { tx, position } = decodePosition(after);
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*) AS n FROM es_events
        WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())`,
      [tx, position],
    );
    return Number(rows[0]?.n ?? 0);
  },
});
