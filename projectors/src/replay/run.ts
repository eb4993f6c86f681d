import type { Pool } from 'pg';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import type { Progress } from './progress.ts';
import type { Comparison, RebuildAdapter } from './target.ts';

/** What a replay run reads, writes and reports: shared by the rebuild, its catch-up and its verification. */
export type EventSource = {
  /** With `types`, events of other types may come without their data and metadata (nobody reads them). */
  read(after: string, maxCount: number, options?: { types?: ReadonlySet<string> }): Promise<RecordedEvent[]>;
  /** Events after `after` up to the head, when the store can count them cheaply. */
  countAfter?(after: string): Promise<number>;
};

export type ReplayDeps = {
  /** Bookkeeping: checkpoints, live targets, rebuilds (PostgreSQL whatever the read store). */
  pool: Pool;
  events: EventSource;
  adapter: RebuildAdapter;
  print: (line: string) => void;
  progress: (label: string) => Progress;
};

export type RebuildOptions = {
  names: readonly string[];
  from?: string;
  swap?: boolean;
  dryRun?: boolean;
  verify?: boolean;
  /** Drop the unfinished rebuild of these projections and start a fresh one. */
  restart?: boolean;
  batchSize?: number;
  /** Stops after the batch in hand (Ctrl-C); a rerun resumes. */
  signal?: AbortSignal;
  /** Readers that looked up the old target just before the swap finish within this grace. */
  dropAfterMs?: number;
  /** How long `--verify` waits for the live projection to reach the rebuilt position. */
  verifyWaitMs?: number;
};

export type RebuildTargetState = { projection: string; target: string; position: string; resumed: boolean };

export type RebuildOutcome = {
  status: 'planned' | 'interrupted' | 'built' | 'swapped';
  targets: RebuildTargetState[];
  /** Events read from the store in this run, and how long that took. */
  events: number;
  seconds: number;
  comparisons: Record<string, Comparison>;
  /** The targets readers used before the swap (now dropped). */
  replaced: Record<string, string>;
};
