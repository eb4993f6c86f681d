import type { Pool, PoolClient } from 'pg';
import { inOneRoundTrip, inTransaction, type OwnTransactions, type RecordedEvent } from '@stayhub/event-sourcing';
import { ADVANCE_CHECKPOINT, advanceCheckpointStatement, CheckpointMoved, isCheckpointMiss } from './checkpoints.ts';
import { preparedStatements, recordedStatements, statementOf } from './inlined-write.ts';
import type { FoldOptions, PgWrite, Queryable } from './pg-documents.ts';
import type { SharedWrites } from './shared-writes.ts';

/**
 * A read model kept in PostgreSQL. `fold` takes a batch of the events it handles, reads what it
 * needs through `db` (outside any write transaction) and folds them in memory; the runner then
 * runs the returned write and moves the checkpoint in one short transaction, so each event takes
 * effect exactly once. `target` names the tables, so a replay can build a fresh copy beside the
 * live one.
 */
export type PgProjection = {
  name: string;
  /** Event types it reads; others only move the checkpoint. */
  handles: ReadonlySet<string>;
  /** Creates a target's tables; with `indexes: false`, only what writing needs (a bulk load builds the rest after, with `index`). */
  migrate(client: PoolClient, target: string, options?: { indexes?: boolean }): Promise<void>;
  /** Builds the secondary indexes of a target loaded without them. */
  index(client: PoolClient, target: string): Promise<void>;
  fold(db: Queryable, events: readonly RecordedEvent[], target: string, options?: FoldOptions): Promise<PgWrite>;
  /** What a batch of the events it handles changes, as announced to caches (see `changesOf`); its name when omitted. */
  changes?(events: readonly RecordedEvent[]): readonly string[];
  /** Drops a target's tables (after a swap, or a rebuild started over). */
  drop(client: PoolClient, target: string): Promise<void>;
};

/**
 * How a live runner writes a batch, beyond how it is folded: `to`, the position the checkpoint moves
 * to (a page's last, past its newest event this projection handles; else the last event's), and
 * `ownTransactions`, which registers the write transaction so that the runner's own log reader
 * passes it while it is in flight, and `shared`, the transactions it shares with the batches of the
 * other projections that are ready at the same time (a write that can go in one round trip).
 */
export type BatchOptions = FoldOptions & { to?: string; ownTransactions?: OwnTransactions; shared?: SharedWrites };

/**
 * One batch into a target, the way every PostgreSQL runner writes it: fold the events after `from`
 * (reading outside any write transaction), then one short transaction writes each table once and
 * moves the checkpoint from `from` to the batch's last position (or `to`), last.
 */
export const writeBatch = async (
  pool: Pool,
  projection: PgProjection,
  target: string,
  events: readonly RecordedEvent[],
  from: string,
  options: BatchOptions = {},
): Promise<void> => {
  const last = options.to ?? events[events.length - 1]?.globalPosition;
  if (last === undefined || last <= from) return;
  const relevant = events.filter((event) => event.globalPosition > from && projection.handles.has(event.type));
  const write = relevant.length > 0 ? await projection.fold(pool, relevant, target, options.bulk ? { bulk: true } : {}) : undefined;
  // A write that reads nothing back goes with its BEGIN, the checkpoint's move and the COMMIT in one
  // round trip, its statements prepared once per connection; the live runner's transactions run as
  // its own (its log reader passes them while they are in flight). A bulk load's COPY cannot be inlined.
  const recorded = options.bulk ? undefined : write ? await recordedStatements(write) : [];
  if (recorded) {
    const all = [...recorded, statementOf(ADVANCE_CHECKPOINT, [target, from, last])];
    const statements = (client: PoolClient) => preparedStatements(client, all);
    try {
      if (options.shared) await options.shared.write(all);
      else await (options.ownTransactions ? options.ownTransactions.runInOneRoundTrip(pool, statements) : inOneRoundTrip(pool, statements));
    } catch (error) {
      throw isCheckpointMiss(error) ? new CheckpointMoved(target) : error;
    }
    return;
  }
  // Else the checkpoint's move goes with the COMMIT, one round trip for both.
  let wrote = false;
  const work = async (client: PoolClient) => {
    await write?.(client);
    wrote = true;
  };
  const advance = (client: PoolClient) => advanceCheckpointStatement(client, target, from, last);
  try {
    await (options.ownTransactions ? options.ownTransactions.run(pool, work, advance) : inTransaction(pool, work, 'BEGIN', advance));
  } catch (error) {
    throw wrote && isCheckpointMiss(error) ? new CheckpointMoved(target) : error;
  }
};

/** Folds and writes `events` with `client` (inside the caller's transaction, if any). */
export const applyEvents = async (client: PoolClient, projection: PgProjection, events: readonly RecordedEvent[], target: string): Promise<void> => {
  const relevant = events.filter((event) => projection.handles.has(event.type));
  if (relevant.length > 0) await (await projection.fold(inTurn(client), relevant, target))(client);
};

/**
 * A connection runs one statement at a time. A fold reads its tables side by side (on a pool,
 * each read takes a connection of its own); given one connection, its reads go in turn here rather
 * than queue inside the driver, which pg 8 only tolerates with a deprecation and pg 9 refuses.
 */
const inTurn = (client: PoolClient): Queryable => {
  let previous: Promise<unknown> = Promise.resolve();
  const query = (...args: unknown[]) => {
    const next = previous.then(() => (client.query as (...a: unknown[]) => Promise<unknown>)(...args));
    previous = next.catch(() => undefined);
    return next;
  };
  return { query } as unknown as Queryable;
};

export type Park = (event: RecordedEvent, error: unknown) => Promise<void>;

/**
 * A read model kept outside PostgreSQL (Redis, Elasticsearch…). Its checkpoint stays in
 * PostgreSQL and moves only after the store accepted a batch, so after a crash the events since
 * the checkpoint come again: `applyBatch` must be idempotent (e.g. guarded by stream revision).
 */
export type ExternalProjection = {
  name: string;
  /** Event types it reads; others only move the checkpoint. */
  handles: ReadonlySet<string>;
  /** Makes the target ready; `false` when the store holds nothing of it (new, or lost), so the run starts from the first event. */
  prepare(target: string): Promise<boolean>;
  /**
   * Applies the events it handles, in order. A store failure throws (the batch is retried, the
   * checkpoint stays); an event that can never apply (malformed) is handed to `park` instead.
   */
  applyBatch(events: RecordedEvent[], target: string, park: Park): Promise<void>;
  /** What a batch of the events it handles changes, as announced to caches (see `changesOf`); its name when omitted. */
  changes?(events: readonly RecordedEvent[]): readonly string[];
  drop(target: string): Promise<void>;
};

/**
 * Adds to `into` what the events a projection handled (already applied and committed, up to
 * `position`) changed: the names its `changes` gives, else the projection's own name. Runners
 * announce these with the checkpoints, so that a cache of answers derived from them drops them.
 */
export const changesOf = (
  into: Map<string, string>,
  projection: Pick<PgProjection, 'name' | 'changes'>,
  handled: readonly RecordedEvent[],
  position: string,
): Map<string, string> => {
  if (handled.length === 0) return into;
  for (const name of projection.changes?.(handled) ?? [projection.name]) if (position > (into.get(name) ?? '')) into.set(name, position);
  return into;
};

/** A `fold` for a projection written event by event (one statement per event; small read models and tests). */
export const eachEvent =
  (apply: (client: PoolClient, event: RecordedEvent, target: string) => Promise<void>): PgProjection['fold'] =>
  async (_db, events, target) =>
  async (client) => {
    for (const event of events) await apply(client, event, target);
  };
