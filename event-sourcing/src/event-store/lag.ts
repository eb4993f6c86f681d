import type { Pool } from 'pg';
import { decodePosition, PostgresEventStore } from './postgres.ts';
import type { EventStore } from './port.ts';

/**
 * Events a subscription at `position` has yet to see, counted up to `cap`: in PostgreSQL's
 * `es_events`; another store cannot count them, so `null` when behind its head and 0 at it.
 */
export const eventsAfter = async (pool: Pool, eventStore: EventStore, position: string, cap = 100_000): Promise<number | null> => {
  if (!(eventStore instanceof PostgresEventStore)) return position >= (await eventStore.headPosition()) ? 0 : null;
  const { tx, position: sequence } = decodePosition(position);
  const { rows } = await pool.query<{ lag: number }>(
    `SELECT count(*) AS lag FROM (SELECT 1 FROM es_events
      WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint) LIMIT $3) x`,
    [tx, sequence, cap],
  );
  return rows[0]?.lag ?? 0;
};

/**
 * A position as one number, for a gauge: the event's place in the log (PostgreSQL's global
 * position, KurrentDB's prepare position); 0 at the beginning.
 */
export const positionNumber = (position: string): number => Number(position.split('-')[1] ?? 0) || 0;
