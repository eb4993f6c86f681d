import type { Pool, PoolClient } from 'pg';
import { ASYNC_COMMIT, type RecordedEvent } from '@stayhub/event-sourcing';
import type { Queryable } from './pg-documents.ts';
import type { CheckpointChanges } from './checkpoint-changes.ts';

/**
 * Checkpoints: how far each target of a read model has applied the log, which target readers use,
 * and the events a projection parked. Every runner (PostgreSQL, external stores, Kafka), the replay
 * tool and the query side's read-your-writes use these and no other SQL on these tables.
 */
export const checkpointSchema = /* sql */ `
CREATE TABLE IF NOT EXISTS projection_checkpoints (
  name       text PRIMARY KEY,
  position   text COLLATE "C" NOT NULL DEFAULT '',
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS projection_targets (
  projection text PRIMARY KEY,
  target     text NOT NULL,
  swapped_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS projection_parked (
  projection text NOT NULL,
  event_id   uuid NOT NULL,
  position   text COLLATE "C" NOT NULL,
  event      jsonb NOT NULL,
  error      text NOT NULL,
  parked_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (projection, event_id)
);
`;

/** Thrown when a target's checkpoint is no longer where a batch started: another writer (or a swap) moved it. */
export class CheckpointMoved extends Error {
  override readonly name = 'CheckpointMoved';
  constructor(readonly target: string) {
    super(`The checkpoint of ${target} moved under this batch`);
  }
}

/** The live target of a projection: what readers use (its tables' suffix). */
export const liveTarget = async (db: Queryable, projection: string): Promise<string> => {
  const { rows } = await db.query<{ target: string }>('SELECT target FROM projection_targets WHERE projection = $1', [projection]);
  return rows[0]?.target ?? projection;
};

/** A target's position (`''` before the first event). */
export const readCheckpoint = async (db: Queryable, target: string): Promise<string> => {
  const { rows } = await db.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1', [target]);
  return rows[0]?.position ?? '';
};

/** A target's position, its row locked until the transaction ends (writers that take turns on one target). */
export const lockCheckpoint = async (client: PoolClient, target: string): Promise<string> => {
  const { rows } = await client.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1 FOR UPDATE', [target]);
  return rows[0]?.position ?? '';
};

/** Live target and its position, for each projection, in one query. */
export const liveCheckpoints = async (db: Queryable, projections: readonly string[]): Promise<Map<string, { target: string; position: string }>> => {
  const { rows } = await db.query<{ projection: string; target: string | null; position: string | null }>(
    `SELECT p.projection, t.target, c.position FROM unnest($1::text[]) AS p(projection)
       LEFT JOIN projection_targets t ON t.projection = p.projection
       LEFT JOIN projection_checkpoints c ON c.name = coalesce(t.target, p.projection)`,
    [projections],
  );
  return new Map(rows.map((row) => [row.projection, { target: row.target ?? row.projection, position: row.position ?? '' }]));
};

/** Creates a target's checkpoint at `from` unless it has one; true when created. */
export const createCheckpoint = async (db: Queryable, target: string, from = ''): Promise<boolean> => {
  const { rowCount } = await db.query('INSERT INTO projection_checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [target, from]);
  return (rowCount ?? 0) > 0;
};

/**
 * Moves a target's checkpoint from `from` to `to`, last in the transaction that wrote the batch's
 * rows. The compare-and-set makes a second writer (or a batch begun before a swap retired the
 * target) roll back instead of applying events twice.
 */
export const advanceCheckpoint = async (client: PoolClient, target: string, from: string, to: string): Promise<void> => {
  const { rowCount } = await client.query('UPDATE projection_checkpoints SET position = $3, updated_at = now() WHERE name = $1 AND position = $2', [
    target,
    from,
    to,
  ]);
  if (rowCount === 0) throw new CheckpointMoved(target);
};

/** `advanceCheckpointStatement` with parameters: the target, `from` and `to`. */
export const ADVANCE_CHECKPOINT = `WITH moved AS (UPDATE projection_checkpoints SET position = $3, updated_at = now()
                   WHERE name = $1 AND position = $2 RETURNING 1)
   SELECT 1 / (SELECT count(*) FROM moved)::int AS moved`;

/**
 * `advanceCheckpoint` as one statement without parameters, to send with the COMMIT in one round trip
 * (`OwnTransactions.run`'s `commitWith`): when the checkpoint is not at `from` it divides by zero, so
 * the statement fails and the COMMIT sent with it never runs (see `isCheckpointMiss`).
 */
export const advanceCheckpointStatement = (client: Pick<PoolClient, 'escapeLiteral'>, target: string, from: string, to: string): string =>
  ADVANCE_CHECKPOINT.replace(/\$([123])/g, (_, n: string) => client.escapeLiteral([target, from, to][Number(n) - 1]!));

/** The failure of `advanceCheckpointStatement` when the checkpoint had moved. */
export const isCheckpointMiss = (error: unknown): boolean => (error as { code?: string }).code === '22012';

/** Moves checkpoints forward only (never back over a retired one), for targets a batch did not concern: one statement for all. */
export const advanceCheckpoints = async (db: Queryable, targets: readonly string[], to: string): Promise<void> => {
  if (targets.length === 0) return;
  await db.query('UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE name = ANY($1::text[]) AND position < $2', [targets, to]);
};

/**
 * As `advanceCheckpoints`, each target to its own position: one statement for all, named (planned
 * once per connection, not per page), and committed without waiting for its WAL flush (see
 * ASYNC_COMMIT: a move a crash loses only has those pages, which concern none of its targets, read
 * again). Outside a transaction (a transaction it runs in would not wait either).
 */
export const advanceCheckpointsTo = async (db: Queryable, positions: ReadonlyMap<string, string>): Promise<void> => {
  if (positions.size === 0) return;
  await db.query({
    name: 'advance_checkpoints_to',
    text: `UPDATE projection_checkpoints c SET position = v.position, updated_at = now()
             FROM unnest($1::text[], $2::text[]) AS v(name, position), ${ASYNC_COMMIT}
            WHERE c.name = v.name AND c.position < v.position COLLATE "C"`,
    values: [[...positions.keys()], [...positions.values()]],
  });
};

/**
 * The checkpoint a swapped-out target is left with. It sorts after every position, so a live
 * projector still on the old target skips its next batch instead of writing to dropped tables,
 * then notices the swap and moves to the new target.
 */
export const RETIRED = '~retired';

/** Fences a target a swap replaced (waits for a batch in hand on it: its row lock). */
export const retireCheckpoint = async (db: Queryable, target: string): Promise<void> => {
  await db.query('UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE name = $1', [target, RETIRED]);
};

/** Starts a target over from the first event (its store lost it). */
export const resetCheckpoint = async (db: Queryable, target: string): Promise<void> => {
  await db.query("UPDATE projection_checkpoints SET position = '', updated_at = now() WHERE name = $1", [target]);
};

/** Sets aside an event a projection cannot apply, with its error, so the rest go on; listed and retried by the replay tool. */
export const parkEvent = async (db: Queryable, projection: string, event: RecordedEvent, error: unknown): Promise<void> => {
  await db.query(
    `INSERT INTO projection_parked (projection, event_id, position, event, error) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (projection, event_id) DO UPDATE SET error = excluded.error, parked_at = now()`,
    [projection, event.eventId, event.globalPosition, JSON.stringify(event), String(error)],
  );
};

/**
 * Read models live in tables named after their live target (`listings`, or `listings_r2` after a
 * replay swapped a rebuilt copy in). The projectors write a target; the query side reads the live one.
 */
export const liveTargets = async (pool: Pool, projections: readonly string[]): Promise<Record<string, string>> => {
  const { rows } = await pool
    .query<{ projection: string; target: string }>('SELECT projection, target FROM projection_targets WHERE projection = ANY($1)', [projections])
    .catch(() => ({ rows: [] as { projection: string; target: string }[] }));
  return Object.fromEntries(projections.map((p) => [p, rows.find((r) => r.projection === p)?.target ?? p]));
};

/**
 * The newest committed position of PostgreSQL's event store (whatever transactions are still open),
 * which no genuine consistency token can pass; undefined where the events live elsewhere.
 */
export const committedHead = async (pool: Pool): Promise<string | undefined> => {
  try {
    const { rows } = await pool.query<{ head: string }>(
      "SELECT lpad(transaction_id::text, 20, '0') || '-' || lpad(global_position::text, 20, '0') AS head FROM es_events ORDER BY transaction_id DESC, global_position DESC LIMIT 1",
    );
    return rows[0]?.head ?? '';
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return undefined;
    throw error;
  }
};

/** Whether every named projection's live target has applied the event at `position`. */
export const positionReached = async (db: Queryable, projections: readonly string[], position: string): Promise<boolean> => {
  const { rows } = await db.query<{ behind: number }>(
    `SELECT count(*) AS behind FROM projection_targets t
       LEFT JOIN projection_checkpoints c ON c.name = t.target
      WHERE t.projection = ANY($1) AND coalesce(c.position, '') < $2 COLLATE "C"`,
    [projections, position],
  );
  return Number(rows[0]?.behind ?? 0) === 0;
};

/**
 * Read-your-writes: waits until every named projection has applied the event at `position`,
 * checking again each time a projector announces that checkpoints moved; false if not in time.
 */
export const waitForPosition = async (changes: CheckpointChanges, projections: readonly string[], position: string, timeoutMs = 2000): Promise<boolean> =>
  !position || changes.until(() => positionReached(changes.pool, projections, position), timeoutMs);
