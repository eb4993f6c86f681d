import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/infra';

/**
 * A read model kept in PostgreSQL. `apply` runs inside the runner's transaction, which also moves
 * the checkpoint, so each event takes effect exactly once. `target` names the tables, so a replay
 * can build a fresh copy beside the live one (see `projectors/src/replay`).
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
