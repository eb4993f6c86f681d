import type { Pool } from 'pg';
import { inTransaction, type RecordedEvent } from '@stayhub/event-sourcing';
import { liveTarget } from '../runner/pg-runner.ts';
import { applyEvents, type PgProjection } from '@stayhub/read-models';
import { tableExists } from './replay.ts';

export type ParkedEvent = { eventId: string; position: string; type: string; streamId: string; error: string; parkedAt: string; event: RecordedEvent };

/** Events a projection parked after they kept failing, oldest first. */
export const listParked = async (pool: Pool, projection: string): Promise<ParkedEvent[]> => {
  if (!(await tableExists(pool, 'projection_parked'))) return [];
  const { rows } = await pool.query<{ event_id: string; position: string; event: RecordedEvent; error: string; parked_at: Date }>(
    'SELECT event_id, position, event, error, parked_at FROM projection_parked WHERE projection = $1 ORDER BY position',
    [projection],
  );
  return rows.map((r) => ({
    eventId: r.event_id,
    position: r.position,
    type: r.event.type,
    streamId: r.event.streamId,
    error: r.error,
    parkedAt: r.parked_at.toISOString(),
    event: r.event,
  }));
};

export type RetryResult = { retried: string[]; failed: { eventId: string; error: string }[] };

/**
 * Applies each parked event to the live target again (after a fix) and unparks it in the same
 * transaction, so that it takes effect exactly once; one still failing stays parked with its new error.
 */
export const retryParked = async (pool: Pool, projection: PgProjection): Promise<RetryResult> => {
  const result: RetryResult = { retried: [], failed: [] };
  for (const parked of await listParked(pool, projection.name)) {
    try {
      const applied = await inTransaction(pool, async (client) => {
        const { rows } = await client.query('SELECT 1 FROM projection_parked WHERE projection = $1 AND event_id = $2 FOR UPDATE', [
          projection.name,
          parked.eventId,
        ]);
        if (rows.length === 0) return false; // retried meanwhile by someone else
        await applyEvents(client, projection, [parked.event], await liveTarget(client, projection.name));
        await client.query('DELETE FROM projection_parked WHERE projection = $1 AND event_id = $2', [projection.name, parked.eventId]);
        return true;
      });
      if (applied) result.retried.push(parked.eventId);
    } catch (error) {
      await pool.query('UPDATE projection_parked SET error = $3, parked_at = now() WHERE projection = $1 AND event_id = $2', [
        projection.name,
        parked.eventId,
        String(error),
      ]);
      result.failed.push({ eventId: parked.eventId, error: String(error) });
    }
  }
  return result;
};
