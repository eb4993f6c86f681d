/**
 * The event store port on KurrentDB (formerly EventStoreDB).
 *
 * Client: `@kurrent/kurrentdb-client`, the maintained successor of `@eventstore/db-client` (same
 * operations and options; `KurrentDBClient` replaces `EventStoreDBClient`, and the new client only
 * connects by connection string). Its maintainers route `readStream`/`readAll` through a Rust
 * native bridge for faster reads; the old package no longer receives those changes.
 */
import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  START,
  StreamNotFoundError,
  excludeSystemEvents,
  type AllStreamResolvedEvent,
  type ReadPosition,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import {
  decodePosition,
  encodePosition,
  isSystemEvent,
  toEventData,
  toRecordedEvent,
  toRevision,
  toStreamState,
  toWrongExpectedRevision,
  toAppendStreamRequest,
  toMultiStreamError,
  toMultiStreamResult,
} from './esdb-mapping.ts';
import {
  WrongExpectedRevision,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type MultiStreamAppendResult,
  type ReadStreamResult,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeOptions,
} from './port.ts';

export type KurrentEventStoreOptions = {
  /** A subscriber's batch is handed over at the latest this long after its first event arrived. */
  flushMs?: number;
};

const collect = async <T>(source: AsyncIterable<T>): Promise<T[]> => {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
};

const ours = (resolved: AllStreamResolvedEvent): RecordedEvent | undefined =>
  resolved.event && !isSystemEvent(resolved.event) ? toRecordedEvent(resolved.event) : undefined;

const HEAD_PAGE = 32;

export class KurrentEventStore implements EventStore {
  private readonly flushMs: number;

  constructor(
    private readonly client: KurrentDBClient,
    options: KurrentEventStoreOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 20;
  }

  /** Connects lazily: the first operation reports an unreachable server. */
  static connect(connectionString: string, options?: KurrentEventStoreOptions): KurrentEventStore {
    return new KurrentEventStore(KurrentDBClient.connectionString(connectionString), options);
  }

  async append(streamId: string, events: EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    let result: Awaited<ReturnType<KurrentDBClient['appendToStream']>>;
    try {
      result = await this.client.appendToStream(streamId, events.map(toEventData), { streamState: toStreamState(expected) });
    } catch (error) {
      throw toWrongExpectedRevision(error, streamId, expected) ?? error;
    }
    // Only with `throwOnAppendFailure=false` in the connection string; its revision is unreliable there.
    if (!result.success) throw new WrongExpectedRevision(streamId, expected, await this.head(streamId));
    const nextExpectedRevision = toRevision(result.nextExpectedRevision);
    // An idempotent replay of an append is answered without a position: look the event up.
    const position = result.position ? encodePosition(result.position) : await this.positionOf(streamId, nextExpectedRevision);
    return { nextExpectedRevision, position };
  }

  /** KurrentDB's atomic multi-stream append (server 25.1 or later; an older one answers `MultiStreamAppendUnsupported`). */
  async appendMultiple(appends: StreamAppend[]): Promise<MultiStreamAppendResult> {
    if (appends.some((a) => a.events.length === 0)) throw new Error('append needs at least one event per stream');
    if (new Set(appends.map((a) => a.streamId)).size !== appends.length) throw new Error('a stream appears twice in one append');
    try {
      return toMultiStreamResult(appends, await this.client.multiStreamAppend(appends.map(toAppendStreamRequest)));
    } catch (error) {
      throw toMultiStreamError(error, appends);
    }
  }

  /** KurrentDB commits each append on its own (its log has no shared commit to join): they run in turn. */
  async appendBatch(groups: StreamAppend[][]): Promise<PromiseSettledResult<MultiStreamAppendResult>[]> {
    const settled: PromiseSettledResult<MultiStreamAppendResult>[] = [];
    for (const group of groups) {
      try {
        settled.push({ status: 'fulfilled', value: await this.appendMultiple(group) });
      } catch (reason) {
        settled.push({ status: 'rejected', reason });
      }
    }
    return settled;
  }

  async readStream(streamId: string, options: { fromRevision?: number; maxCount?: number } = {}): Promise<ReadStreamResult> {
    const { fromRevision = 0, maxCount } = options;
    if (maxCount !== undefined && maxCount <= 0) return { events: [], revision: await this.head(streamId) };
    let read: ResolvedEvent[];
    try {
      read = await collect(
        this.client.readStream(streamId, {
          direction: FORWARDS,
          fromRevision: BigInt(Math.max(0, fromRevision)),
          ...(maxCount === undefined ? {} : { maxCount }),
        }),
      );
    } catch (error) {
      if (error instanceof StreamNotFoundError) return { events: [], revision: -1 };
      throw error;
    }
    const events = read.flatMap(({ event }) => (event ? [toRecordedEvent(event)] : []));
    const reachedEnd = events.length > 0 && (maxCount === undefined || read.length < maxCount);
    return { events, revision: reachedEnd ? events[events.length - 1]!.streamRevision : await this.head(streamId) };
  }

  async readAll(options: { after?: string; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    const { after = '', maxCount = 1000 } = options;
    const found: RecordedEvent[] = [];
    let from = after;
    while (found.length < maxCount) {
      // One more than needed: a read from a position may include the event at that position.
      const wanted = maxCount - found.length + 1;
      const page = await collect(
        this.client.readAll({
          direction: FORWARDS,
          fromPosition: decodePosition(from) ?? START,
          maxCount: wanted,
          filter: excludeSystemEvents(),
        }),
      );
      for (const resolved of page) {
        const event = ours(resolved);
        if (event && event.globalPosition > from) found.push(event);
      }
      const last = page[page.length - 1]?.event?.position;
      if (page.length < wanted || !last) break;
      from = encodePosition(last);
    }
    return found.slice(0, maxCount);
  }

  async headPosition(): Promise<string> {
    let from: ReadPosition = END;
    for (;;) {
      const page: AllStreamResolvedEvent[] = await collect(
        this.client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: HEAD_PAGE, filter: excludeSystemEvents() }),
      );
      const newest = page.find((resolved) => resolved.event && !isSystemEvent(resolved.event))?.event?.position;
      if (newest) return encodePosition(newest);
      const last = page[page.length - 1]?.event?.position;
      if (page.length < HEAD_PAGE || !last) return '';
      from = last;
    }
  }

  async subscribe({ after = '', batchSize = 500, signal, onBatch }: SubscribeOptions): Promise<void> {
    if (signal.aborted) return;
    const subscription = this.client.subscribeToAll(
      { fromPosition: decodePosition(after) ?? START, filter: excludeSystemEvents() },
      { highWaterMark: batchSize },
    );
    async function* events(): AsyncGenerator<RecordedEvent> {
      for await (const resolved of subscription) {
        const event = ours(resolved);
        // Subscription positions are exclusive; the guard keeps "exactly once" if a server differs.
        if (event && event.globalPosition > after) yield event;
      }
    }
    try {
      await pumpInBatches(events(), { batchSize, flushMs: this.flushMs, signal, onBatch });
    } finally {
      subscription.on('error', () => undefined); // a late error after we stopped must not crash the process
      await subscription.unsubscribe().catch(() => undefined);
      subscription.destroy();
    }
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  /** The revision of the stream's last event, -1 when there is none. */
  private async head(streamId: string): Promise<number> {
    try {
      const [last] = await collect(this.client.readStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }));
      return last?.event ? toRevision(last.event.revision) : -1;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return -1;
      throw error;
    }
  }

  private async positionOf(streamId: string, revision: number): Promise<string> {
    const [found] = await collect(this.client.readStream(streamId, { fromRevision: BigInt(revision), maxCount: 1 }));
    if (!found?.event) throw new Error(`Stream ${streamId} has no event at revision ${revision}`);
    return toRecordedEvent(found.event).globalPosition;
  }
}

export type PumpOptions<T> = {
  batchSize: number;
  flushMs: number;
  signal: AbortSignal;
  onBatch: (items: T[]) => Promise<void>;
};

/**
 * Hands `source`'s items to `onBatch` in batches, one call at a time, pulling nothing further while
 * a call runs (back-pressure). A batch goes out when full or `flushMs` after its first item.
 * Resolves when `signal` aborts (a partial batch is dropped: it was never checkpointed, so it comes
 * again on resubscribe); rejects if `onBatch` or the source fails, or if the source ends first.
 */
export const pumpInBatches = async <T>(source: AsyncIterator<T>, options: PumpOptions<T>): Promise<void> => {
  const { batchSize, flushMs, signal, onBatch } = options;
  if (signal.aborted) return;
  let stop = (): void => undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    stop = () => resolve('aborted');
    signal.addEventListener('abort', stop, { once: true });
  });
  let timer: NodeJS.Timeout | undefined;
  let due: Promise<'due'> | undefined;
  let pending: Promise<IteratorResult<T>> | undefined;
  let batch: T[] = [];
  const flush = async (): Promise<void> => {
    clearTimeout(timer);
    due = undefined;
    const items = batch;
    batch = [];
    if (items.length > 0) await onBatch(items);
  };
  try {
    while (!signal.aborted) {
      pending ??= source.next();
      const next = await Promise.race(due ? [pending, aborted, due] : [pending, aborted]);
      if (next === 'aborted') return;
      if (next === 'due') {
        await flush();
        continue;
      }
      pending = undefined;
      if (next.done) {
        await flush();
        throw new Error('The subscription ended before it was stopped');
      }
      batch.push(next.value);
      if (batch.length >= batchSize) await flush();
      else if (!due) due = new Promise((resolve) => (timer = setTimeout(() => resolve('due'), flushMs)));
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
    pending?.catch(() => undefined);
  }
};
