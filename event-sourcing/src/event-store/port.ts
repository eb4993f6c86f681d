/**
 * The event store port. Revisions count from 0 (the first event of a stream is revision 0;
 * a stream that does not exist has revision -1). Global positions are opaque strings that sort
 * lexicographically in the order `readAll` and `subscribe` deliver events.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export type EventMetadata = {
  correlationId?: string;
  causationId?: string;
  actor?: string;
  traceparent?: string;
  idempotencyKey?: string;
  [key: string]: unknown;
};

export type EventToAppend = {
  eventId: string;
  type: string;
  schemaVersion?: number;
  data: unknown;
  metadata?: EventMetadata;
  occurredAt?: string;
};

export type RecordedEvent<Data = unknown> = {
  eventId: string;
  type: string;
  schemaVersion: number;
  streamId: string;
  streamRevision: number;
  globalPosition: string;
  occurredAt: string;
  data: Data;
  metadata: EventMetadata;
};

export type AppendResult = {
  /** The revision of the last event now in the stream. */
  nextExpectedRevision: number;
  /** The global position of the last event appended. */
  position: string;
};

/** One stream's part of a multi-stream append: its events and its own expected revision. */
export type StreamAppend = { streamId: string; events: EventToAppend[]; expected: ExpectedRevision };

export type MultiStreamAppendResult = {
  /** Per stream, in the order given: the revision of its last event now. */
  streams: { streamId: string; nextExpectedRevision: number }[];
  /** The global position of the last event appended. */
  position: string;
};

export type ReadStreamResult = { events: RecordedEvent[]; revision: number };

export type SubscribeOptions = {
  /** Deliver events after this position; `''` or omitted means from the beginning. */
  after?: string;
  batchSize?: number;
  /**
   * The subscriber's own transactions that never append events (see `OwnTransactions`): PostgreSQL's
   * reader passes them while they are in flight instead of waiting for them; other stores ignore it.
   */
  ownTransactions?: { applicationName: string };
  signal: AbortSignal;
  onBatch: (events: RecordedEvent[]) => Promise<void>;
};

export interface EventStore {
  append(streamId: string, events: EventToAppend[], expected: ExpectedRevision): Promise<AppendResult>;
  /**
   * Appends to several streams at once, all or nothing: every stream's expectation holds and all
   * events are stored, or nothing is (`WrongExpectedRevision` names a stream whose expectation
   * failed). Each stream appears once and gets at least one event; the events enter the global log
   * in the order given. An append whose event ids are all stored already returns the stored result.
   */
  appendMultiple(appends: StreamAppend[]): Promise<MultiStreamAppendResult>;
  /**
   * Several independent multi-stream appends that may share one commit: each settles on its own
   * (a conflict in one never fails another), in the order given, later ones seeing earlier ones'
   * revisions. Rejects as a whole only when the commit itself failed, and then nothing was stored.
   * PostgreSQL runs them in one transaction; a store that cannot share a commit runs them in turn.
   */
  appendBatch(groups: StreamAppend[][]): Promise<PromiseSettledResult<MultiStreamAppendResult>[]>;
  readStream(streamId: string, options?: { fromRevision?: number; maxCount?: number }): Promise<ReadStreamResult>;
  readAll(options?: { after?: string; maxCount?: number }): Promise<RecordedEvent[]>;
  /**
   * Resolves once `signal` aborts; rejects if `onBatch` throws. Never skips an event. A subscriber
   * wakes promptly after any append commits, in this process or another (how is the adapter's).
   */
  subscribe(options: SubscribeOptions): Promise<void>;
  /** The position of the newest event a reader could see now (`''` when empty). */
  headPosition(): Promise<string>;
  close(): Promise<void>;
}

export class WrongExpectedRevision extends Error {
  override readonly name = 'WrongExpectedRevision';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number,
  ) {
    super(`Stream ${streamId}: expected revision ${String(expected)}, actual ${actual}`);
  }
}

export class DuplicateEventConflict extends Error {
  override readonly name = 'DuplicateEventConflict';
  constructor(readonly streamId: string) {
    super(`Stream ${streamId}: some but not all event ids of the append already exist`);
  }
}

export const isAfter = (position: string, other: string): boolean => position > other;
