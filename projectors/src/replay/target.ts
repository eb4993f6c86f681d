import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/event-sourcing';

export type RowDifference = { table: string; key: Record<string, unknown>; rebuilt: unknown; live: unknown };

export type TableComparison = { table: string; rebuiltRows: number; liveRows: number; differences: number };

export type Comparison = {
  /** Both checkpoints, read in the same snapshot as the rows: equal means the comparison is exact. */
  rebuiltAt: string;
  liveAt: string;
  tables: TableComparison[];
  /** The first differences found, for printing. */
  samples: RowDifference[];
};

/**
 * One read model being rebuilt into a fresh target beside the live one: new tables here, a new
 * Elasticsearch index, Redis key prefix or Cassandra table in the at-scale adapters. Bookkeeping
 * (which rebuild is running, which target is live) stays in PostgreSQL whatever the adapter.
 */
export interface RebuildTarget {
  readonly projection: string;
  readonly target: string;
  /** The event types it reads (the data of others need not be read); every type when absent. */
  readonly handles?: ReadonlySet<string>;
  /** Creates the target's storage and its checkpoint at `from`; a no-op when resuming. */
  create(from: string): Promise<void>;
  /** Applies a batch and moves the checkpoint; events at or before the checkpoint are skipped. */
  apply(events: RecordedEvent[]): Promise<void>;
  checkpoint(): Promise<string>;
  /** After the bulk load: builds what was left out to load faster (secondary indexes). */
  finish?(): Promise<void>;
  /** Makes this target the one readers use, inside the caller's transaction; returns the previous one. */
  swap(tx: PoolClient): Promise<string>;
  /** Removes a target's storage: the old one after a swap, or an abandoned rebuild. */
  drop(target: string): Promise<void>;
  /** Row-by-row (document-by-document) differences between this target and `live`. */
  compare(live: string, sampleLimit: number): Promise<Comparison>;
}

/** What a storage technology provides to the replay tool. */
export type RebuildAdapter = {
  readonly projections: readonly string[];
  open(projection: string, target: string): RebuildTarget;
};
