import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/infra';

/**
 * A read model kept in PostgreSQL. `apply` runs inside the runner's transaction, which also moves
 * the checkpoint, so each event takes effect exactly once. `target` names the tables, so a replay
 * can build a fresh copy beside the live one (see the replay tool).
 */
export type PgProjection = {
  name: string;
  /** Event types it reads; others only move the checkpoint. */
  handles: ReadonlySet<string>;
  migrate(client: PoolClient, target: string): Promise<void>;
  apply(client: PoolClient, event: RecordedEvent, target: string): Promise<void>;
  /** Drops a target's tables (after a swap, or a rebuild started over). */
  drop(client: PoolClient, target: string): Promise<void>;
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
  drop(target: string): Promise<void>;
};
