import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolClient } from 'pg';
import { inTransaction, PostgresEventStore, type EventStore, type RecordedEvent } from '@stayhub/infra';
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
/** Events one projection may have waiting before the shared reader waits for it: bounds memory while one is slower than the log. */
const QUEUED_AT_MOST = 4 * SHARED_BATCH;

/**
 * Where one projection batch's time went, in ms (a `debug` log record, "batch stages"): `inHand`
 * from its newest event's `occurredAt` (the command's clock) until the shared reader had it,
 * `queued` until the projection took it (its previous batch still being written), `applied`
 * reading, folding and writing it, checkpoint included.
 */
export type BatchStages = { projection: string; events: number; inHandMs: number; queuedMs: number; appliedMs: number };

/** One projection's lane: the batches the shared reader handed it, taken and written one at a time, merged while it was busy. */
type Lane = {
  projection: PgProjection;
  target: string;
  /** Its position: everything up to it is applied or queued. */
  at: string;
  queue: { events: readonly RecordedEvent[]; handed: number; inHand: number }[];
  queued: number;
  running: Promise<void> | undefined;
};

const newestOccurred = (events: readonly RecordedEvent[]): number => {
  const at = Date.parse(events[events.length - 1]?.occurredAt ?? '');
  return Number.isNaN(at) ? Date.now() : at;
};

/**
 * Follows the event store into the live targets of all `projections` with one shared reader,
 * until `signal` aborts. The reader hands each batch to every projection's lane and reads on; each
 * lane writes in its own short transaction, at its own pace, merging what arrived while it was busy
 * into its next batch: a projection slower than the others (more tables per batch) delays only
 * itself, and batches are small while live and large while catching up. The checkpoints of those a
 * batch does not concern, idle meanwhile, move in one statement. The reader starts after the least
 * advanced checkpoint and each projection skips what it has; it waits while a lane holds more than
 * `QUEUED_AT_MOST` events. A failure stops every lane and starts over from the checkpoints.
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
    // Stops on shutdown, on a lane's failure, or when a replay swapped a live target (start over on the new one).
    const restart = new AbortController();
    const wake = new EventTarget();
    const lanes: Lane[] = [];
    let failed: unknown;
    /** The reader waiting for a lane to take its queue or finish. */
    const waiting = new Set<() => void>();
    const drained = () => {
      for (const resolve of waiting) resolve();
      waiting.clear();
    };
    const laneMoved = () => new Promise<void>((resolve) => waiting.add(resolve));
    const fail = (error: unknown) => {
      failed ??= error;
      restart.abort();
      drained();
    };
    /** Writes a lane's queue, batch after batch, until it is empty. */
    const drain = async (lane: Lane): Promise<void> => {
      while (lane.queue.length > 0 && failed === undefined) {
        const taken = lane.queue.splice(0);
        lane.queued = 0;
        drained();
        const events = taken.length === 1 ? taken[0]!.events : taken.flatMap((batch) => batch.events);
        const from = lane.at;
        const last = events[events.length - 1]!.globalPosition;
        const handled = events.filter((event) => event.globalPosition > from && lane.projection.handles.has(event.type));
        const started = performance.now();
        const write = () => applyBatch(pool, lane.projection, lane.target, events, log, from);
        await (handled.length > 0 ? tracedApply(lane.projection.name, handled, log, write) : write());
        lane.at = last;
        const first = taken[0]!;
        log(
          'batch stages',
          {
            projection: lane.projection.name,
            events: handled.length,
            inHandMs: first.inHand,
            queuedMs: started - first.handed,
            appliedMs: performance.now() - started,
          } satisfies BatchStages,
          'debug',
        );
        // Readers waiting for a consistency token re-check now, and caches drop what changed (coalesced per pool).
        announceCheckpoints(pool, changesOf(new Map(), lane.projection, handled, last));
      }
    };
    const kick = (lane: Lane): void => {
      lane.running ??= drain(lane)
        .catch(fail)
        .finally(() => {
          lane.running = undefined;
          if (lane.queue.length > 0 && failed === undefined) kick(lane);
          drained();
          // No write of ours in flight any more: a read now sees what the snapshot guard held back behind them.
          if (lanes.every((other) => other.running === undefined)) wake.dispatchEvent(new Event('wake'));
        });
    };
    try {
      const live = await liveCheckpoints(pool, names);
      for (const projection of projections) {
        const { target, position } = live.get(projection.name)!;
        lanes.push({ projection, target, at: position, queue: [], queued: 0, running: undefined });
      }
      const after = lanes.map((lane) => lane.at).reduce((least, position) => (position < least ? position : least));
      let swapCheckedAt = performance.now();
      await eventStore.subscribe({
        after,
        batchSize: SHARED_BATCH,
        signal: AbortSignal.any([signal, restart.signal]),
        wake,
        onBatch: async (events) => {
          if (failed !== undefined) throw failed;
          const handed = performance.now();
          const inHand = Date.now() - newestOccurred(events);
          const last = events[events.length - 1]!.globalPosition;
          const idle: Lane[] = [];
          const kicked: Lane[] = [];
          for (const lane of lanes) {
            if (last <= lane.at && lane.queue.length === 0) continue;
            const concerned =
              lane.queue.length > 0 || lane.running !== undefined || events.some((e) => e.globalPosition > lane.at && lane.projection.handles.has(e.type));
            if (!concerned) {
              idle.push(lane);
              continue;
            }
            lane.queue.push({ events, handed, inHand });
            lane.queued += events.length;
            kick(lane);
            kicked.push(lane);
          }
          // Idle lanes (nothing queued, nothing in hand) have nothing to write: their checkpoints move in one statement.
          if (idle.length > 0) {
            await advanceCheckpoints(
              pool,
              idle.map((lane) => lane.target),
              last,
            );
            for (const lane of idle) lane.at = last;
            announceCheckpoints(pool);
          }
          failures = 0;
          // Reads at the pace of the fastest lane: once one that took this batch is free again, what
          // arrived meanwhile is its next batch (the busy ones merge it into theirs). And back-pressure:
          // it waits while a lane is far behind.
          while (failed === undefined && kicked.length > 0 && kicked.every((lane) => lane.running !== undefined)) await laneMoved();
          while (failed === undefined && lanes.some((lane) => lane.queued > QUEUED_AT_MOST)) await laneMoved();
          if (failed !== undefined) throw failed;
          // A replay's swap is noticed within a second (the retired target's checkpoint makes its lane skip meanwhile).
          if (performance.now() - swapCheckedAt > 1_000) {
            swapCheckedAt = performance.now();
            const targets = await liveCheckpoints(pool, names);
            if (lanes.some((lane) => targets.get(lane.projection.name)!.target !== lane.target)) restart.abort();
          }
        },
      });
      if (failed !== undefined) throw failed;
    } catch (error) {
      restart.abort();
      await Promise.allSettled(lanes.map((lane) => lane.running));
      if (signal.aborted) return;
      failures += 1;
      log('projections stopped; restarting', { projections: names, error: String(error) });
      await sleep(Math.min(500 * 2 ** (failures - 1), 10_000), undefined, { signal }).catch(() => undefined);
      continue;
    }
    // The reader stopped (shutdown or a swap): let the lanes finish what they hold, then start over.
    await Promise.allSettled(lanes.map((lane) => lane.running));
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
