import type { Pool, PoolClient } from 'pg';
import type { CheckpointChanges } from './checkpoint-changes.ts';

/**
 * Read-your-writes when projections are fed by the log (`LOG=kafka`).
 *
 * A projection then reads many partitions that interleave, so it has no single global position.
 * What it has instead: the relay publishes in global-position order, so on each partition positions
 * only grow. The relay records, with its checkpoint, the last position it published to each
 * partition (its "head"); each projection records the last position it applied from each partition.
 * A projection has then applied every event up to
 *
 *   watermark = min(newest published position, every lagging partition's applied position)
 *
 * (a partition lags when its applied position is below its head). So a command's consistency token
 * keeps its meaning under Kafka: "everything up to my write", not only the stream I wrote.
 */
export const logWatermarkSchema = /* sql */ `
CREATE TABLE IF NOT EXISTS log_partition_heads (
  topic      text NOT NULL,
  partition  int NOT NULL,
  position   text COLLATE "C" NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, partition)
);
CREATE TABLE IF NOT EXISTS projection_partition_positions (
  projection_target text NOT NULL,
  topic             text NOT NULL,
  partition         int NOT NULL,
  position          text COLLATE "C" NOT NULL,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (projection_target, topic, partition)
);
CREATE TABLE IF NOT EXISTS projection_stream_revisions (
  projection_target text NOT NULL,
  stream_id         text NOT NULL,
  revision          bigint NOT NULL,
  PRIMARY KEY (projection_target, stream_id)
);
`;

export type PartitionHead = { topic: string; partition: number; position: string };

/** The relay's part, in the transaction that saves its checkpoint: positions on a partition only grow. */
export const saveHeads = async (client: PoolClient, heads: readonly PartitionHead[]): Promise<void> => {
  if (heads.length === 0) return;
  await client.query(
    `INSERT INTO log_partition_heads (topic, partition, position)
     SELECT * FROM unnest($1::text[], $2::int[], $3::text[])
     ON CONFLICT (topic, partition) DO UPDATE SET position = excluded.position, updated_at = now()
       WHERE log_partition_heads.position < excluded.position`,
    [heads.map((h) => h.topic), heads.map((h) => h.partition), heads.map((h) => h.position)],
  );
};

/** A projection's part, in the transaction that applies a batch read from one partition. */
export const saveApplied = async (client: PoolClient | Pool, target: string, head: PartitionHead): Promise<void> => {
  await client.query(
    `INSERT INTO projection_partition_positions (projection_target, topic, partition, position) VALUES ($1, $2, $3, $4)
     ON CONFLICT (projection_target, topic, partition) DO UPDATE SET position = excluded.position, updated_at = now()
       WHERE projection_partition_positions.position < excluded.position`,
    [target, head.topic, head.partition, head.position],
  );
};

/** `SELECT` of the watermark of the target named by parameter `$n` ('' when nothing was published). */
const watermarkOf = (param: string) => /* sql */ `
  coalesce(least(
    (SELECT max(h.position) FROM log_partition_heads h),
    (SELECT min(coalesce(a.position, '')) FROM log_partition_heads h
       LEFT JOIN projection_partition_positions a ON a.projection_target = ${param} AND a.topic = h.topic AND a.partition = h.partition
      WHERE coalesce(a.position, '') < h.position)
  ), '')`;

/** Every event up to the returned position has been applied to `target` (see the module comment). */
export const logWatermark = async (client: PoolClient | Pool, target: string): Promise<string> => {
  const { rows } = await client.query<{ watermark: string }>(`SELECT ${watermarkOf('$1::text')} AS watermark`, [target]);
  return rows[0]?.watermark ?? '';
};

/**
 * As `waitForPosition`, for projections fed by the log: waits until every named projection's live
 * target has applied everything up to `position` (its checkpoint, or its log watermark, got there),
 * checking again at each announcement of the projectors and the relay.
 */
export const waitForLogPosition = async (changes: CheckpointChanges, projections: readonly string[], position: string, timeoutMs = 2000): Promise<boolean> =>
  !position ||
  changes.until(
    () =>
      changes.pool
        .query<{ behind: number }>(
          `SELECT count(*) AS behind FROM projection_targets t
             LEFT JOIN projection_checkpoints c ON c.name = t.target
            WHERE t.projection = ANY($1)
              AND coalesce(c.position, '') < $2 COLLATE "C"
              AND ${watermarkOf('t.target')} < $2 COLLATE "C"`,
          [projections, position],
        )
        .then(({ rows }) => Number(rows[0]?.behind ?? 0) === 0)
        // Tables not made yet (projectors or relay not started): behind.
        .catch(() => false),
    timeoutMs,
  );
