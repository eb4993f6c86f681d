import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolClient } from 'pg';
import { inTransaction, PostgresEventStore, type EventStore, type RecordedEvent } from '@stayhub/infra';
import type { PgProjection } from '@stayhub/read-models';
import { projectorSchema } from './schema.ts';

export type RunnerLog = (message: string, context?: Record<string, unknown>) => void;

/** The live target of a projection: what readers use (its tables' suffix). */
export const liveTarget = async (pool: Pool | PoolClient, projection: string): Promise<string> => {
  const { rows } = await pool.query<{ target: string }>('SELECT target FROM projection_targets WHERE projection = $1', [projection]);
  return rows[0]?.target ?? projection;
};

/** Registers each projection's live target and checkpoint row; `migrate`, when given, makes its tables. */
export const registerProjections = async (
  pool: Pool,
  projections: readonly { name: string; migrate?: (client: PoolClient, target: string) => Promise<void> }[],
): Promise<void> => {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(727003)');
    await client.query(projectorSchema);
    for (const projection of projections) {
      const target = await liveTarget(client, projection.name);
      await client.query('INSERT INTO projection_targets (projection, target) VALUES ($1, $2) ON CONFLICT DO NOTHING', [projection.name, target]);
      await client.query('INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT DO NOTHING', [target]);
      await projection.migrate?.(client, target);
    }
  });
};

export const migrateProjector = (pool: Pool, projections: readonly PgProjection[]): Promise<void> =>
  registerProjections(pool, projections.map((p) => ({ name: p.name, migrate: (client: PoolClient, target: string) => p.migrate(client, target) })));

const RETRIES = 3;

/**
 * Applies a batch of events to a target and moves its checkpoint in one transaction. When the
 * batch fails, each event is retried on its own (savepoints) with backoff, and one that still
 * fails is parked with its error so the rest go on.
 */
export const applyBatch = async (pool: Pool, projection: PgProjection, target: string, events: RecordedEvent[], log: RunnerLog): Promise<void> => {
  const relevant = events.filter((event) => projection.handles.has(event.type));
  const last = events[events.length - 1]!.globalPosition;
  const checkpoint = (client: PoolClient) =>
    client.query('UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE name = $1 AND position < $2', [target, last]);
  const alreadyApplied = (client: PoolClient) =>
    client.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1 FOR UPDATE', [target]);
  try {
    await inTransaction(pool, async (client) => {
      const { rows } = await alreadyApplied(client);
      const from = rows[0]?.position ?? '';
      for (const event of relevant) if (event.globalPosition > from) await projection.apply(client, event, target);
      await checkpoint(client);
    });
    return;
  } catch (error) {
    log('batch failed; retrying event by event', { projection: projection.name, error: String(error) });
  }
  await inTransaction(pool, async (client) => {
    const { rows } = await alreadyApplied(client);
    const from = rows[0]?.position ?? '';
    for (const event of relevant) {
      if (event.globalPosition <= from) continue;
      let lastError: unknown;
      for (let attempt = 1; attempt <= RETRIES; attempt++) {
        await client.query('SAVEPOINT one_event');
        try {
          await projection.apply(client, event, target);
          await client.query('RELEASE SAVEPOINT one_event');
          lastError = undefined;
          break;
        } catch (error) {
          lastError = error;
          await client.query('ROLLBACK TO SAVEPOINT one_event');
          await sleep(50 * 2 ** attempt);
        }
      }
      if (lastError !== undefined) {
        log('event parked', { projection: projection.name, eventId: event.eventId, error: String(lastError) });
        await client.query(
          `INSERT INTO projection_parked (projection, event_id, position, event, error) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (projection, event_id) DO UPDATE SET error = excluded.error, parked_at = now()`,
          [projection.name, event.eventId, event.globalPosition, JSON.stringify(event), String(lastError)],
        );
      }
    }
    await checkpoint(client);
  });
};

/** Follows the event store into a projection's live target until `signal` aborts. */
export const runPgProjection = async (
  pool: Pool,
  eventStore: EventStore,
  projection: PgProjection,
  signal: AbortSignal,
  log: RunnerLog = () => undefined,
): Promise<void> => {
  while (!signal.aborted) {
    try {
      const target = await liveTarget(pool, projection.name);
      const { rows } = await pool.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1', [target]);
      const stop = new AbortController();
      const onAbort = () => stop.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      await eventStore.subscribe({
        after: rows[0]?.position ?? '',
        signal: stop.signal,
        onBatch: async (events) => {
          await applyBatch(pool, projection, target, events, log);
          // A replay swapped targets: start over on the new one.
          if ((await liveTarget(pool, projection.name)) !== target) stop.abort();
        },
      });
      signal.removeEventListener('abort', onAbort);
    } catch (error) {
      if (signal.aborted) return;
      log('projection stopped; restarting', { projection: projection.name, error: String(error) });
      await sleep(500);
    }
  }
};

export type ProjectionStatus = {
  name: string;
  target: string;
  position: string;
  /** Events not yet applied; `null` when the event store cannot count them (KurrentDB) and the projection is behind its head. */
  lag: number | null;
  parked: number;
  updatedAt: string | null;
};

const COUNTED_LAG = `(SELECT count(*) FROM (SELECT 1 FROM es_events e
                   -- via numeric: xid8 reads a zero-padded number as octal
                   WHERE (e.transaction_id, e.global_position) > (split_part(coalesce(nullif(c.position, ''), '0-0'), '-', 1)::numeric::text::xid8,
                                                                split_part(coalesce(nullif(c.position, ''), '0-0'), '-', 2)::bigint)
                   LIMIT 100000) x)`;

/**
 * Position, lag and parked count per projection, for /health and the replay tool. Lag is counted in
 * PostgreSQL's `es_events`; with another event store (`eventStore` not PostgreSQL) it is only known
 * to be 0 at the store's head position.
 */
export const projectionStatus = async (pool: Pool, names: readonly string[], options: { eventStore?: EventStore } = {}): Promise<ProjectionStatus[]> => {
  const head = options.eventStore && !(options.eventStore instanceof PostgresEventStore) ? await options.eventStore.headPosition() : undefined;
  return Promise.all(
    names.map(async (name) => {
      const target = await liveTarget(pool, name);
      const { rows } = await pool.query<{ position: string; updated_at: Date | null; parked: number; lag: number | null }>(
        `SELECT c.position, c.updated_at,
                (SELECT count(*) FROM projection_parked p WHERE p.projection = $2) AS parked,
                ${head === undefined ? COUNTED_LAG : 'NULL::bigint'} AS lag
           FROM projection_checkpoints c WHERE c.name = $1`,
        [target, name],
      );
      const row = rows[0];
      const position = row?.position ?? '';
      const lag = head === undefined ? (row?.lag ?? 0) : position >= head ? 0 : null;
      return { name, target, position, lag, parked: row?.parked ?? 0, updatedAt: row?.updated_at?.toISOString() ?? null };
    }),
  );
};

