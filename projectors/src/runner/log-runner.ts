/**
 * Projections fed by the log (`LOG=kafka`): one consumer group per projection's live target,
 * reading every topic. Per-stream order holds (the stream id is the key), but partitions
 * interleave, so no global position can be a checkpoint. Instead:
 * - PostgreSQL projections apply an event only if its stream revision is above the one recorded in
 *   `projection_stream_revisions`, moved in the same transaction as the rows;
 * - external stores (Redis, Elasticsearch, Cassandra) ignore revisions they already have;
 * - each batch records the position applied from its partition, and the target's checkpoint moves
 *   to the log watermark (everything up to it applied), which read-your-writes waits on.
 * Kafka offsets are committed only after that transaction.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerConfig, Kafka } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import { inTransaction, type RecordedEvent } from '@stayhub/event-sourcing';
import {
  logWatermark,
  logWatermarkSchema,
  saveApplied,
  advanceCheckpoints,
  announceCheckpoints,
  applyEvents,
  changesOf,
  lockCheckpoint,
  readCheckpoint,
  resetCheckpoint,
  type ExternalProjection,
  type Park,
  type PgProjection,
} from '@stayhub/read-models';
import { silentLogger, type Logger } from '../kafka/backoff.ts';
import { runKafkaProjection, type KafkaProjection, type PartitionLag, type ProjectionStatus as KafkaStatus } from '../kafka/consumer-runner.ts';
import { allTopics } from '../kafka/topics.ts';
import { liveTarget, type RunnerLog } from './pg-runner.ts';
import { tracedApply } from './traced.ts';

/** Where a batch came from: one partition of one topic. */
export type Source = { topic: string; partition: number };

const schema = /* sql */ `
${logWatermarkSchema}
CREATE TABLE IF NOT EXISTS projection_log_groups (
  projection_target text PRIMARY KEY,
  group_id          text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);
`;

export const migrateLogProjections = async (pool: Pool): Promise<void> => {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(727003)');
    await client.query(schema);
  });
};

/**
 * The consumer group of a target, made on first use. Its name carries a random part so that a new
 * database (or a target started over) never inherits offsets committed for another one.
 */
export const groupOf = async (pool: Pool, target: string): Promise<string> => {
  const candidate = `stayhub.projection.${target}.${randomBytes(4).toString('hex')}`;
  const { rows } = await pool.query<{ group_id: string }>(
    `INSERT INTO projection_log_groups (projection_target, group_id) VALUES ($1, $2)
     ON CONFLICT (projection_target) DO UPDATE SET group_id = projection_log_groups.group_id RETURNING group_id`,
    [target, candidate],
  );
  return rows[0]!.group_id;
};

const hasGroup = async (pool: Pool, target: string): Promise<boolean> =>
  (await pool.query('SELECT 1 FROM projection_log_groups WHERE projection_target = $1', [target])).rowCount === 1;

const newestPosition = (events: readonly RecordedEvent[]): string =>
  events.reduce((newest, event) => (event.globalPosition > newest ? event.globalPosition : newest), '');

/** After a batch was applied: its partition's position, then the checkpoint to the watermark. */
const recordApplied = async (client: PoolClient, target: string, events: readonly RecordedEvent[], source: Source): Promise<void> => {
  await saveApplied(client, target, { ...source, position: newestPosition(events) });
  const watermark = await logWatermark(client, target);
  await advanceCheckpoints(client, [target], watermark);
};

/**
 * Applies one partition's batch to a PostgreSQL target in one transaction: events up to the
 * checkpoint (all applied) and stream revisions already recorded are skipped, so a redelivered or
 * republished event changes nothing.
 */
export const applyPgFromLog = async (pool: Pool, projection: PgProjection, target: string, events: readonly RecordedEvent[], source: Source): Promise<void> => {
  if (events.length === 0) return;
  const changes = new Map<string, string>();
  await inTransaction(pool, async (client) => {
    const done = await lockCheckpoint(client, target);
    const fresh = events.filter((event) => event.globalPosition > done && projection.handles.has(event.type));
    if (fresh.length > 0) {
      const { rows: seen } = await client.query<{ stream_id: string; revision: number }>(
        'SELECT stream_id, revision FROM projection_stream_revisions WHERE projection_target = $1 AND stream_id = ANY($2) FOR UPDATE',
        [target, [...new Set(fresh.map((event) => event.streamId))]],
      );
      const revisions = new Map(seen.map((row) => [row.stream_id, Number(row.revision)]));
      const moved = new Map<string, number>();
      const kept = fresh.filter((event) => {
        if (event.streamRevision <= (revisions.get(event.streamId) ?? -1)) return false;
        revisions.set(event.streamId, event.streamRevision);
        moved.set(event.streamId, event.streamRevision);
        return true;
      });
      await applyEvents(client, projection, kept, target);
      changesOf(changes, projection, kept, newestPosition(events));
      if (moved.size > 0) {
        await client.query(
          `INSERT INTO projection_stream_revisions (projection_target, stream_id, revision)
           SELECT $1, * FROM unnest($2::text[], $3::bigint[])
           ON CONFLICT (projection_target, stream_id) DO UPDATE SET revision = excluded.revision`,
          [target, [...moved.keys()], [...moved.values()]],
        );
      }
    }
    await recordApplied(client, target, events, source);
  });
  announceCheckpoints(pool, changes);
};

/** A malformed event fails the batch; the consumer runner then goes one by one and parks it on the dead-letter topic. */
const toDeadLetter: Park = async (_event, error) => {
  throw error;
};

/** Applies one partition's batch to an external store (idempotent by stream revision), then records it in PostgreSQL. */
const applyExternalFromLog = async (
  pool: Pool,
  projection: ExternalProjection,
  target: string,
  events: readonly RecordedEvent[],
  source: Source,
): Promise<void> => {
  if (events.length === 0) return;
  const done = await readCheckpoint(pool, target);
  const fresh = events.filter((event) => event.globalPosition > done && projection.handles.has(event.type));
  if (fresh.length > 0) await projection.applyBatch(fresh, target, toDeadLetter);
  await inTransaction(pool, (client) => recordApplied(client, target, events, source));
  announceCheckpoints(pool, changesOf(new Map(), projection, fresh, newestPosition(events)));
};

/**
 * Before consuming into an external target: a store that lost the target (a Redis restarted empty)
 * is rebuilt from the start of the log under a new group; a store holding data no group of ours
 * wrote is emptied first (the revision guard would skip events otherwise). Starting over from the
 * log is complete only while the topics keep every event (retention); else use the replay tool.
 */
const prepareExternal = async (pool: Pool, projection: ExternalProjection, target: string, log: RunnerLog): Promise<void> => {
  const existed = await projection.prepare(target);
  const consumed = (await readCheckpoint(pool, target)) !== '' || (await hasGroup(pool, target));
  if (!existed && consumed) {
    log('store holds nothing of its target; consuming the log again from its start', { projection: projection.name, target });
    await inTransaction(pool, async (client) => {
      await resetCheckpoint(client, target);
      await client.query('DELETE FROM projection_partition_positions WHERE projection_target = $1', [target]);
      await client.query('DELETE FROM projection_log_groups WHERE projection_target = $1', [target]);
    });
  } else if (existed && !consumed) {
    await projection.drop(target);
    await projection.prepare(target);
  }
};

const OUTAGE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', '53300', '57P01', '57P02', '57P03']);
const OUTAGE_NAMES = new Set([
  'ConnectionError',
  'NoLivingConnectionsError',
  'TimeoutError',
  'NoHostAvailableError',
  'OperationTimedOutError',
  'MaxRetriesPerRequestError',
]);

/** The read store is down (retry without end), as opposed to an event it cannot take (park it). */
export const isOutage = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  const code = String((error as { code?: unknown }).code ?? '');
  return OUTAGE_CODES.has(code) || code.startsWith('08') || OUTAGE_NAMES.has(error.name) || /connection (is closed|terminated)/i.test(error.message);
};

export type LogProjectionStatus = KafkaStatus & { name: string; target: string; lag: PartitionLag[] | null };

export type LogProjections = {
  /** Settles once every consumer stopped after `signal` aborted. */
  done: Promise<void>;
  /** Per projection: its group, counters and lag per partition (`null` while the group cannot be asked). */
  status(): Promise<LogProjectionStatus[]>;
};

export type LogProjectionsOptions = {
  pool: Pool;
  kafka: Kafka;
  pg: readonly PgProjection[];
  external: readonly ExternalProjection[];
  signal: AbortSignal;
  log?: RunnerLog;
  logger?: Logger;
  topics?: readonly string[];
  consumer?: Omit<ConsumerConfig, 'groupId'>;
};

type Running = { name: string; target: string; projection: KafkaProjection };

/** Runs every projection as its own consumer group until `signal` aborts. Migrate the projections first. */
export const runLogProjections = async (options: LogProjectionsOptions): Promise<LogProjections> => {
  const { pool, kafka, signal } = options;
  const log = options.log ?? (() => undefined);
  await migrateLogProjections(pool);
  const running = new Map<string, Running>();

  const follow = async (
    name: string,
    apply: (events: RecordedEvent[], target: string, source: Source) => Promise<void>,
    prepare?: (target: string) => Promise<void>,
  ) => {
    for (let failures = 0; !signal.aborted; ) {
      try {
        const target = await liveTarget(pool, name);
        await prepare?.(target);
        // Stops on shutdown, or when a replay swapped the live target (its own group starts on the new one).
        const swapped = new AbortController();
        const projection = await runKafkaProjection({
          kafka,
          groupId: await groupOf(pool, target),
          topics: options.topics ?? allTopics,
          signal: AbortSignal.any([signal, swapped.signal]),
          handle: async (events, source) => {
            await tracedApply(name, events, log, () => apply(events, target, source), source.traceparents);
            failures = 0;
            if ((await liveTarget(pool, name)) !== target) swapped.abort();
          },
          retryForever: isOutage,
          ...(options.consumer ? { consumer: options.consumer } : {}),
          logger: options.logger ?? silentLogger,
        });
        running.set(name, { name, target, projection });
        await projection.done;
      } catch (error) {
        if (signal.aborted) return;
        failures += 1;
        log('log projection stopped; restarting', { projection: name, error: String(error) });
        await sleep(Math.min(500 * 2 ** (failures - 1), 10_000), undefined, { signal }).catch(() => undefined);
      }
    }
  };

  const done = Promise.all([
    ...options.pg.map((projection) => follow(projection.name, (events, target, source) => applyPgFromLog(pool, projection, target, events, source))),
    ...options.external.map((projection) =>
      follow(
        projection.name,
        (events, target, source) => applyExternalFromLog(pool, projection, target, events, source),
        (target) => prepareExternal(pool, projection, target, log),
      ),
    ),
  ]).then(() => undefined);

  const status = async (): Promise<LogProjectionStatus[]> =>
    Promise.all(
      [...running.values()].map(async ({ name, target, projection }) => ({
        name,
        target,
        ...projection.status(),
        lag: await projection.lag().catch(() => null),
      })),
    );
  return { done, status };
};
