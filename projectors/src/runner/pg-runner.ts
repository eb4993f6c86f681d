import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolClient } from 'pg';
import { inTransaction, PostgresEventStore, type EventStore, type RecordedEvent } from '@stayhub/event-sourcing';
import {
  advanceCheckpoint,
  advanceCheckpoints,
  announceCheckpoints,
  applyEvents,
  changesOf,
  checkpointSchema,
  CheckpointMoved,
  createCheckpoint,
  liveCheckpoints,
  liveTarget,
  parkEvent,
  readCheckpoint,
  writeBatch,
  type FoldOptions,
  type PgProjection,
} from '@stayhub/read-models';

import { tracedApply } from './traced.ts';
import type { RunnerLog } from './log.ts';

export { liveTarget };

export type { RunnerLog } from './log.ts';

/** Registers each projection's live target and checkpoint row; `migrate`, when given, makes its tables. */
export const registerProjections = async (
  pool: Pool,
  projections: readonly { name: string; migrate?: (client: PoolClient, target: string) => Promise<void> }[],
): Promise<void> => {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(727003)');
    await client.query(checkpointSchema);
    for (const projection of projections) {
      const target = await liveTarget(client, projection.name);
      await client.query('INSERT INTO projection_targets (projection, target) VALUES ($1, $2) ON CONFLICT DO NOTHING', [projection.name, target]);
      await createCheckpoint(client, target);
      await projection.migrate?.(client, target);
    }
  });
};

export const migrateProjector = (pool: Pool, projections: readonly PgProjection[]): Promise<void> =>
  registerProjections(
    pool,
    projections.map((p) => ({ name: p.name, migrate: (client: PoolClient, target: string) => p.migrate(client, target) })),
  );

const RETRIES = 3;

/**
 * Applies a batch of events to a target. The projection folds the events it handles in memory,
 * reading the documents they touch outside any write transaction; then one short transaction
 * writes each table once and moves the checkpoint last (compare-and-set from `from`, read here when
 * not given). A batch with nothing for the projection only moves the checkpoint. When the batch
 * fails, each event is retried on its own (savepoints) with backoff, and one that still fails is
 * parked with its error so the rest go on.
 */
export const applyBatch = async (
  pool: Pool,
  projection: PgProjection,
  target: string,
  events: readonly RecordedEvent[],
  log: RunnerLog,
  from?: string,
  options: FoldOptions = {},
): Promise<void> => {
  if (events.length === 0) return;
  const done = from ?? (await readCheckpoint(pool, target));
  const last = events[events.length - 1]!.globalPosition;
  // Applied already, or a target a swap retired (its checkpoint sorts after every position).
  if (last <= done) return;
  const relevant = events.filter((event) => event.globalPosition > done && projection.handles.has(event.type));
  if (relevant.length === 0) return advanceCheckpoints(pool, [target], last);
  try {
    return await writeBatch(pool, projection, target, events, done, options);
  } catch (error) {
    if (error instanceof CheckpointMoved) throw error;
    log('batch failed; retrying event by event', { projection: projection.name, error: String(error) });
  }
  await inTransaction(pool, async (client) => {
    for (const event of relevant) {
      let lastError: unknown;
      for (let attempt = 1; attempt <= RETRIES; attempt++) {
        await client.query('SAVEPOINT one_event');
        try {
          await applyEvents(client, projection, [event], target);
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
        log('event parked', { projection: projection.name, eventId: event.eventId, correlationId: event.metadata.correlationId, error: String(lastError) });
        await parkEvent(client, projection.name, event, lastError);
      }
    }
    await advanceCheckpoint(client, target, done, last);
  });
};

/** Events the shared reader asks the store for at once: a batch is what arrived since the last one, up to this. */
const SHARED_BATCH = 2_000;

/**
 * Where one projection batch's time went, in ms (a `debug` log record, "batch stages"): `inHand`
 * from its newest event's `occurredAt` (the command's clock) until the shared reader had it,
 * `applied` reading, folding and writing it (checkpoint included), and `waited` from then until
 * every other projection had written the batch too (the next read waits for all of them).
 */
export type BatchStages = { projection: string; events: number; inHandMs: number; appliedMs: number; waitedMs: number };

const newestOccurred = (events: readonly RecordedEvent[]): number => {
  const at = Date.parse(events[events.length - 1]?.occurredAt ?? '');
  return Number.isNaN(at) ? Date.now() : at;
};

/**
 * Follows the event store into the live targets of all `projections` with one shared reader,
 * until `signal` aborts. Each batch goes to every projection at once (each in its own short
 * transaction); the checkpoints of those the batch does not concern move in one statement. The
 * reader starts after the least advanced checkpoint and each projection skips what it has.
 */
export const runPgProjections = async (
  pool: Pool,
  eventStore: EventStore,
  projections: readonly PgProjection[],
  signal: AbortSignal,
  log: RunnerLog = () => undefined,
): Promise<void> => {
  if (projections.length === 0) return;
  const names = projections.map((p) => p.name);
  let failures = 0;
  while (!signal.aborted) {
    try {
      const live = await liveCheckpoints(pool, names);
      const at = new Map(names.map((name) => [name, live.get(name)!.position]));
      const after = [...at.values()].reduce((least, position) => (position < least ? position : least));
      // Stops on shutdown, or when a replay swapped a live target (start over on the new one).
      const swapped = new AbortController();
      let swapCheckedAt = performance.now();
      await eventStore.subscribe({
        after,
        batchSize: SHARED_BATCH,
        signal: AbortSignal.any([signal, swapped.signal]),
        onBatch: async (events) => {
          const handed = performance.now();
          const inHandMs = Date.now() - newestOccurred(events);
          const last = events[events.length - 1]!.globalPosition;
          const idle: string[] = [];
          const changes = new Map<string, string>();
          const applied: { projection: string; events: number; ms: number }[] = [];
          const writes = projections.map(async (projection) => {
            const { target } = live.get(projection.name)!;
            const from = at.get(projection.name)!;
            if (last <= from) return;
            const handled = events.filter((event) => event.globalPosition > from && projection.handles.has(event.type));
            if (handled.length > 0) {
              await tracedApply(projection.name, handled, log, () => applyBatch(pool, projection, target, events, log, from));
              applied.push({ projection: projection.name, events: handled.length, ms: performance.now() - handed });
              changesOf(changes, projection, handled, last);
            } else idle.push(target);
            at.set(projection.name, last);
          });
          // Those the batch does not concern (known before any write began) move meanwhile, in one statement.
          await Promise.all([...writes, advanceCheckpoints(pool, idle, last)]);
          const allApplied = performance.now() - handed;
          for (const one of applied) {
            const stages: BatchStages = { projection: one.projection, events: one.events, inHandMs, appliedMs: one.ms, waitedMs: allApplied - one.ms };
            log('batch stages', stages, 'debug');
          }
          // Readers waiting for a consistency token re-check now, and caches drop what the batch changed: one announcement for the whole batch.
          announceCheckpoints(pool, changes);
          failures = 0;
          // A replay's swap is noticed within a second, not with a round trip per batch: until then a
          // write to the retired target fails its checkpoint's compare-and-set (and restarts), and an
          // idle one cannot move its checkpoint back.
          if (performance.now() - swapCheckedAt >= 1_000) {
            swapCheckedAt = performance.now();
            const targets = await liveCheckpoints(pool, names);
            if (names.some((name) => targets.get(name)!.target !== live.get(name)!.target)) swapped.abort();
          }
        },
      });
    } catch (error) {
      if (signal.aborted) return;
      failures += 1;
      log('projections stopped; restarting', { projections: names, error: String(error) });
      await sleep(Math.min(500 * 2 ** (failures - 1), 10_000), undefined, { signal }).catch(() => undefined);
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
  // Before the projectors first migrated: nothing applied yet (not an error for /health or a waiting caller).
  const { rows: migrated } = await pool.query<{ ok: boolean }>(
    "SELECT to_regclass('projection_checkpoints') IS NOT NULL AND to_regclass('projection_targets') IS NOT NULL AS ok",
  );
  if (!migrated[0]?.ok) return names.map((name) => ({ name, target: name, position: '', lag: null, parked: 0, updatedAt: null }));
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
