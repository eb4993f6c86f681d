import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolClient } from 'pg';
import { inTransaction, OwnTransactions, PostgresEventStore, type EventStore, type RecordedEvent } from '@stayhub/event-sourcing';
import {
  advanceCheckpoint,
  advanceCheckpoints,
  advanceCheckpointsTo,
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
  SharedWrites,
  writeBatch,
  type BatchOptions,
  type PgProjection,
} from '@stayhub/read-models';

import { Lane, Slots, WakeUps } from './lane.ts';
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
 * not given, to `options.to` or the last event's position). A batch with nothing for the projection
 * only moves the checkpoint. When the batch fails, each event is retried on its own (savepoints)
 * with backoff, and one that still fails is parked with its error so the rest go on.
 */
export const applyBatch = async (
  pool: Pool,
  projection: PgProjection,
  target: string,
  events: readonly RecordedEvent[],
  log: RunnerLog,
  from?: string,
  options: BatchOptions = {},
): Promise<void> => {
  if (events.length === 0) return;
  const done = from ?? (await readCheckpoint(pool, target));
  const last = options.to ?? events[events.length - 1]!.globalPosition;
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
  const oneByOne = async (client: PoolClient) => {
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
  };
  await (options.ownTransactions ? options.ownTransactions.run(pool, oneByOne) : inTransaction(pool, oneByOne));
};

/** Events the shared reader asks the store for at once: a page is what arrived since the last one, up to this. */
const SHARED_BATCH = 2_000;
/** At most this many events (whole pages) in one projection's transaction: what queued while its last one was written. */
const LANE_BATCH = 5_000;
/** The shortest time between two reads of the log while pages are not full (appends arriving one by one under load). */
const PAGE_EVERY_MS = 15;
/** Connections of the runner's pool no lane write takes: the reader's, the idle checkpoints', an announcement's. */
const RESERVED_CONNECTIONS = 3;
/** The reader waits while a projection has more than this many events queued (memory stays bounded while one catches up). */
const LANE_QUEUE = 10_000;

/**
 * Where one projection batch's time went, in ms (a `debug` log record, "batch stages"): `inHand`
 * from its oldest page's newest event's `occurredAt` (the command's clock) until the shared reader
 * had that page, `queued` from then until the projection began writing it (behind its own previous
 * batch), `applied` reading, folding and writing it (checkpoint included).
 */
export type BatchStages = { projection: string; events: number; inHandMs: number; queuedMs: number; appliedMs: number };

const newestOccurred = (events: readonly RecordedEvent[]): number => {
  const at = Date.parse(events[events.length - 1]?.occurredAt ?? '');
  return Number.isNaN(at) ? Date.now() : at;
};

/**
 * Checkpoints of projections a page did not concern, moved together: those asked for within one
 * turn of the event loop share one statement.
 */
const idleCheckpoints = (pool: Pool) => {
  let pending: { positions: Map<string, string>; written: Promise<void> } | undefined;
  return (target: string, to: string): Promise<void> => {
    if (!pending) {
      const positions = new Map<string, string>();
      const written = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        pending = undefined;
        return advanceCheckpointsTo(pool, positions);
      });
      pending = { positions, written };
    }
    pending.positions.set(target, to);
    return pending.written;
  };
};

/**
 * Follows the event store into the live targets of all `projections` until `signal` aborts: one
 * shared reader of the log, and one lane per projection. The reader hands each page to every lane
 * and reads on; a lane writes what queued for it (merged, up to LANE_BATCH) in one short
 * transaction, so no projection waits for a slower one, and a slow one writes more per transaction.
 * The lanes whose writes are ready while the last one is on its way share the next transaction
 * (`SharedWrites`: one round trip and one commit for all, each batch still with its checkpoint).
 * The lanes' transactions never store events, so the reader passes them while they are in flight
 * (`OwnTransactions`) and still waits for every other transaction (the snapshot guard). Lanes a
 * page does not concern move their checkpoints together, in one statement. Any lane's failure (or
 * a replay's swap) stops all of them, and the whole starts over from the checkpoints.
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
  const ownTransactions = new OwnTransactions();
  let failures = 0;
  while (!signal.aborted) {
    // Stops on shutdown, a lane's failure, or when a replay swapped a live target (start over on the new one).
    const stopped = new AbortController();
    const stop = AbortSignal.any([signal, stopped.signal]);
    // Each lane and the reader's waits listen to it.
    setMaxListeners(projections.length + 10, stop);
    let failed: unknown;
    const lanesRunning: Promise<void>[] = [];
    try {
      const live = await liveCheckpoints(pool, names);
      const after = [...live.values()].map((c) => c.position).reduce((least, position) => (position < least ? position : least));
      const progress = new WakeUps(stop);
      const idle = idleCheckpoints(pool);
      // Lanes whose batches are ready together commit together (a transaction each when one fails).
      const shared = new SharedWrites(pool, ownTransactions);
      // Lanes writing at once leave connections of the pool to the reader and the checkpoint moves, so the reader never queues behind them.
      const writing = new Slots((pool.options.max ?? 10) - RESERVED_CONNECTIONS);
      const lanes = projections.map((projection) => {
        const { target, position } = live.get(projection.name)!;
        const lane = new Lane(position, stop);
        const run = async () => {
          let at = position;
          for (let next = await lane.take(LANE_BATCH); next; next = await lane.take(LANE_BATCH)) {
            const { events, to, first } = next;
            if (events.length === 0) await idle(target, to);
            else {
              const began = performance.now();
              await writing.hold(() =>
                tracedApply(projection.name, events, log, () => applyBatch(pool, projection, target, events, log, at, { to, ownTransactions, shared })),
              );
              const stages: BatchStages = {
                projection: projection.name,
                events: events.length,
                inHandMs: first.inHandMs,
                queuedMs: began - first.handedAt,
                appliedMs: performance.now() - began,
              };
              log('batch stages', stages, 'debug');
              // Readers waiting for a consistency token re-check now, and caches drop what the batch changed.
              announceCheckpoints(pool, changesOf(new Map(), projection, events, to));
            }
            at = to;
            failures = 0;
            progress.wake();
          }
        };
        lanesRunning.push(
          run().catch((error: unknown) => {
            failed ??= error;
            stopped.abort();
          }),
        );
        return { projection, lane };
      });
      let swapCheckedAt = performance.now();
      await eventStore.subscribe({
        after,
        batchSize: SHARED_BATCH,
        ownTransactions,
        signal: stop,
        onBatch: async (events) => {
          const handedAt = performance.now();
          const inHandMs = Date.now() - newestOccurred(events);
          const last = events[events.length - 1]!.globalPosition;
          for (const { projection, lane } of lanes) {
            const from = lane.handedTo;
            if (last <= from) continue;
            lane.push({ events: events.filter((event) => event.globalPosition > from && projection.handles.has(event.type)), last, handedAt, inHandMs });
          }
          // A page that was not full: the next read waits until PAGE_EVERY_MS after this one, so a steady
          // stream of appends makes pages of a few ms each rather than one per append (each a write per projection).
          if (events.length < SHARED_BATCH) await sleep(handedAt + PAGE_EVERY_MS - performance.now(), undefined, { signal: stop }).catch(() => undefined);
          // Memory stays bounded: a lane far behind holds the reader back.
          while (!stop.aborted && lanes.some(({ lane }) => lane.queued > LANE_QUEUE)) await progress.next();
          // A replay's swap is noticed within a second, not with a round trip per page: until then a
          // write to the retired target fails its checkpoint's compare-and-set (and starts over), and an
          // idle one cannot move its checkpoint back.
          if (performance.now() - swapCheckedAt >= 1_000) {
            swapCheckedAt = performance.now();
            const targets = await liveCheckpoints(pool, names);
            if (names.some((name) => targets.get(name)!.target !== live.get(name)!.target)) stopped.abort();
          }
        },
      });
    } catch (error) {
      failed ??= error;
    } finally {
      // Each lane ends after the batch in hand (its transaction committed or rolled back); what queued is read again.
      stopped.abort();
      await Promise.all(lanesRunning);
    }
    if (signal.aborted) return;
    if (failed !== undefined) {
      failures += 1;
      log('projections stopped; restarting', { projections: names, error: String(failed) });
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
