import { setTimeout as sleep } from 'node:timers/promises';
import { v7 as uuidv7 } from 'uuid';
import type { Decider } from '@stayhub/domain';
import { WrongExpectedRevision, type EventMetadata, type EventStore, type RecordedEvent } from '../event-store/port.ts';

type AnyEvent = { type: string; data: unknown };

/** The caller decided on a revision (an `If-Match`) that is no longer the stream's. */
export class StaleRevision extends Error {
  override readonly name = 'StaleRevision';
  constructor(
    readonly streamId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`Stream ${streamId} is at revision ${actual}, not ${expected}`);
  }
}

export type StreamDecider<C, S, E extends AnyEvent> = Decider<C, S, E> & {
  /** Turns a stored event (of any schema version) into the current shape; identity when omitted. */
  readonly upcast?: (event: RecordedEvent) => E;
};

export type Handled<S, E> = {
  events: E[];
  state: S;
  /** Revision of the stream after this command's events (or as read, when it decided nothing). */
  revision: number;
  /** Global position of the append that carried this command's events ('' if nothing was appended). */
  position: string;
};

type Pending<C, S, E> = {
  command: C;
  metadata: EventMetadata;
  expectedRevision: number | undefined;
  resolve: (result: Handled<S, E>) => void;
  reject: (error: unknown) => void;
};

type Cached = { state: unknown; revision: number };

type Queue = { decider: StreamDecider<any, any, any>; pending: Pending<any, any, any>[]; running: boolean };

export type CommandProcessorOptions = {
  /** Most commands of one stream decided together and appended at once. */
  maxBatch?: number;
  /** Retries of a batch after another process appended to the same stream first. */
  maxRetries?: number;
  /** Streams whose state stays in memory between commands. */
  cacheSize?: number;
  schemaVersionOf?: (type: string) => number;
};

/**
 * Handles commands stream by stream: the commands of one stream queue up and are decided in turn
 * against freshly evolved state, and their events appended in one expected-revision append. A
 * conflict with another process re-reads and re-decides. Each command still gets its own answer:
 * its events, or the error its decision threw (which does not affect the others in the batch).
 */
export class CommandProcessor {
  private readonly queues = new Map<string, Queue>();
  private readonly cache = new Map<string, Cached>();
  private readonly maxBatch: number;
  private readonly maxRetries: number;
  private readonly cacheSize: number;
  private readonly schemaVersionOf: (type: string) => number;

  constructor(
    private readonly store: EventStore,
    options: CommandProcessorOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 100;
    this.maxRetries = options.maxRetries ?? 20;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.schemaVersionOf = options.schemaVersionOf ?? (() => 1);
  }

  handle<C, S, E extends AnyEvent>(
    streamId: string,
    decider: StreamDecider<C, S, E>,
    command: C,
    metadata: EventMetadata = {},
    options: { expectedRevision?: number } = {},
  ): Promise<Handled<S, E>> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(streamId);
      if (!queue) {
        queue = { decider, pending: [], running: false };
        this.queues.set(streamId, queue);
      }
      queue.pending.push({ command, metadata, expectedRevision: options.expectedRevision, resolve, reject } as Pending<any, any, any>);
      if (!queue.running) void this.drain(streamId, queue);
    });
  }

  /** Reads a stream's current state (through the cache) without deciding anything. */
  async load<C, S, E extends AnyEvent>(streamId: string, decider: StreamDecider<C, S, E>): Promise<{ state: S; revision: number }> {
    const loaded = await this.catchUp(streamId, decider);
    return { state: loaded.state as S, revision: loaded.revision };
  }

  private async drain(streamId: string, queue: Queue): Promise<void> {
    queue.running = true;
    try {
      while (queue.pending.length > 0) {
        const batch = queue.pending.splice(0, this.maxBatch);
        await this.process(streamId, queue.decider, batch);
      }
    } finally {
      queue.running = false;
      if (queue.pending.length === 0) this.queues.delete(streamId);
      else void this.drain(streamId, queue);
    }
  }

  private async process(streamId: string, decider: StreamDecider<any, any, any>, batch: Pending<any, any, any>[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const loaded = await this.catchUp(streamId, decider);
        let state = loaded.state;
        const outcomes: ({ ok: true; events: AnyEvent[]; state: unknown; upTo: number } | { ok: false; error: unknown })[] = [];
        const toAppend: { event: AnyEvent; metadata: EventMetadata }[] = [];
        for (const pending of batch) {
          try {
            const current = loaded.revision + toAppend.length;
            if (pending.expectedRevision !== undefined && pending.expectedRevision !== current) {
              throw new StaleRevision(streamId, pending.expectedRevision, current);
            }
            const events = decider.decide(pending.command, state) as AnyEvent[];
            for (const event of events) state = decider.evolve(state, event);
            toAppend.push(...events.map((event) => ({ event, metadata: pending.metadata })));
            outcomes.push({ ok: true, events, state, upTo: toAppend.length });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
        let position = '';
        let revision = loaded.revision;
        if (toAppend.length > 0) {
          const result = await this.store.append(
            streamId,
            toAppend.map(({ event, metadata }) => ({
              eventId: uuidv7(),
              type: event.type,
              schemaVersion: this.schemaVersionOf(event.type),
              data: event.data,
              metadata,
            })),
            loaded.revision === -1 ? 'no_stream' : loaded.revision,
          );
          position = result.position;
          revision = result.nextExpectedRevision;
          this.remember(streamId, { state, revision });
        }
        batch.forEach((pending, i) => {
          const outcome = outcomes[i]!;
          if (!outcome.ok) return pending.reject(outcome.error);
          pending.resolve({
            events: outcome.events,
            state: outcome.state,
            revision: loaded.revision + outcome.upTo,
            position: outcome.events.length > 0 ? position : '',
          });
        });
        return;
      } catch (error) {
        this.cache.delete(streamId);
        if (error instanceof WrongExpectedRevision && attempt < this.maxRetries) {
          await sleep(Math.random() * Math.min(100, 5 * 2 ** attempt));
          continue;
        }
        for (const pending of batch) pending.reject(error);
        return;
      }
    }
  }

  private async catchUp(streamId: string, decider: StreamDecider<any, any, any>): Promise<Cached> {
    const cached = this.cache.get(streamId) ?? { state: decider.initialState, revision: -1 };
    const read = await this.store.readStream(streamId, { fromRevision: cached.revision + 1 });
    if (read.events.length === 0 && read.revision === cached.revision) return cached;
    let state = cached.state;
    for (const recorded of read.events) {
      state = decider.evolve(state, decider.upcast ? decider.upcast(recorded) : { type: recorded.type, data: recorded.data });
    }
    const fresh = { state, revision: read.events.at(-1)?.streamRevision ?? read.revision };
    this.remember(streamId, fresh);
    return fresh;
  }

  private remember(streamId: string, entry: Cached): void {
    this.cache.delete(streamId);
    this.cache.set(streamId, entry);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }
}
