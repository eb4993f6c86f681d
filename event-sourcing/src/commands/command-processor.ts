import { newId } from '../ids.ts';
import { DomainError, type Decider } from '@stayhub/domain';
import {
  WrongExpectedRevision,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type MultiStreamAppendResult,
  type StreamAppend,
} from '../event-store/port.ts';

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

/**
 * A decider of `{ type, data }` events. Stored events reach it as the store reads them: an older
 * version is upcast there, for every reader alike (see `secretFree`), not per decider.
 */
export type StreamDecider<C, S, E extends AnyEvent> = Decider<C, S, E>;

export type Handled<S, E> = {
  events: E[];
  state: S;
  /** Revision of the stream after this command's events (or as read, when it decided nothing). */
  revision: number;
  /** Global position of the append that carried this command's events ('' if nothing was appended). */
  position: string;
};

/**
 * One stream's part of a command that spans streams. `command` may be a function of the steps
 * before it (decided against the same states), e.g. a record of what they decided; when it returns
 * `undefined`, this stream has nothing to do (e.g. no new hold, because the booking kept its own).
 */
export type Step = {
  streamId: string;
  decider: StreamDecider<any, any, any>;
  command: unknown | ((earlier: Handled<any, any>[]) => unknown);
  /** The caller decided on this revision (an `If-Match`). */
  expectedRevision?: number;
  /** The stream is brand new (a fresh id): it is appended to without reading it first. */
  fresh?: boolean;
};

type Cached = { state: unknown; revision: number };

type Job = {
  steps: Step[];
  /** The first step's command type, once decided (for the observer). */
  type?: string;
  metadata: EventMetadata;
  attempts: number;
  resolve: (results: Handled<any, any>[]) => void;
  reject: (error: unknown) => void;
};

type Decided =
  | { ok: true; results: Handled<any, any>[]; after: Map<string, Cached & { before: number; events: EventToAppend[] }> }
  | { ok: false; error: unknown };

export type CommandProcessorOptions = {
  /** Most commands decided together and committed in one transaction. */
  maxBatch?: number;
  /** Commits (transactions) in flight at once, on disjoint streams. */
  maxInFlight?: number;
  /**
   * Least time between the starts of two commits (ms; 0, the default: none). Under a steady load a
   * commit then carries all that arrived in this time, so the store's fixed cost of a commit (its
   * statement, its WAL flush) is paid fewer times; a command that arrives after a quiet spell still
   * starts at once. Each command waits at most this long more.
   */
  commitEveryMs?: number;
  /** Retries of a command after another process appended to one of its streams first. */
  maxRetries?: number;
  /** Streams whose state stays in memory between commands. */
  cacheSize?: number;
  /** Told what the processor does (metrics); nothing is measured without it. */
  observer?: CommandObserver;
  /**
   * Whether another process appends to the streams this one writes (a workflow runner of its own,
   * a second command API). Then `load(…, { current: true })` reads what they appended since; alone,
   * this processor's cache is current by construction and is answered from (the default).
   */
  otherWriters?: boolean;
};

type CommandOutcome = 'ok' | 'conflict' | 'rejected' | 'error';

/** What an operator watches of the write path; every call is synchronous and cheap. */
export type CommandObserver = {
  /** A command answered: its type (the first step's), how, and how long it took from arrival. */
  answered(commandType: string, outcome: CommandOutcome, seconds: number): void;
  /** One command decided (all its steps) in this many seconds. */
  decided(commandType: string, seconds: number): void;
  /**
   * One commit: the commands it carried, the stream appends and events it stored, the stream appends
   * it refused for a wrong expected revision (another writer got there first), how long the store took.
   */
  committed(commit: { commands: number; appends: number; events: number; conflicts: number; seconds: number }): void;
  /** A command lost a race for one of its streams and is decided again. */
  retried(commandType: string): void;
};

/** The command kept losing the race for its streams. */
class TooManyConflicts extends Error {
  override readonly name = 'TooManyConflicts';
}

const typeOf = (command: unknown): string =>
  typeof command === 'object' && command !== null && typeof (command as { type?: unknown }).type === 'string' ? (command as { type: string }).type : 'unknown';

/**
 * Decides commands against in-memory stream states and commits them together.
 *
 * Commands queue up; whenever fewer than `maxInFlight` commits run, what is queued (on streams no
 * running commit touches) is decided in arrival order (a command on a stream sees the events of the
 * commands before it) and sent as one batch of atomic appends that share one commit. Each command is all or nothing over its streams and is
 * answered on its own: its events, the error its decision threw, or, when another process got to
 * one of its streams first, a fresh decision in a later batch. Nothing is answered before the
 * commit is durable.
 *
 * States are cached with their revision and trusted: an append states the cached revision and the
 * store refuses it if another process moved on, so a stream is re-read only after a conflict, or
 * before a refusal is answered (the refusal may rest on an old state). A commit that fails as a
 * whole (not a conflict: e.g. a value the database refuses) is re-run one command at a time, so
 * only the bad command fails.
 */
export class CommandProcessor {
  private readonly pending: Job[] = [];
  private inFlight = 0;
  private kickScheduled = false;
  /** No commit starts before this time (`performance.now()`), with `commitEveryMs`. */
  private nextStartAt = 0;
  /** Streams of the commits in flight. */
  private readonly busy = new Set<string>();
  private readonly cache = new Map<string, Cached>();
  private readonly loading = new Map<string, Promise<Cached>>();
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly commitEveryMs: number;
  private readonly maxRetries: number;
  private readonly cacheSize: number;
  private readonly observer: CommandObserver | undefined;
  private readonly otherWriters: boolean;

  constructor(
    private readonly store: EventStore,
    options: CommandProcessorOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256;
    this.maxInFlight = options.maxInFlight ?? 2;
    this.commitEveryMs = options.commitEveryMs ?? 0;
    this.maxRetries = options.maxRetries ?? 20;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.observer = options.observer;
    this.otherWriters = options.otherWriters ?? false;
  }

  async handle<C, S, E extends AnyEvent>(
    streamId: string,
    decider: StreamDecider<C, S, E>,
    command: C,
    metadata: EventMetadata = {},
    options: { expectedRevision?: number; fresh?: boolean } = {},
  ): Promise<Handled<S, E>> {
    const [handled] = await this.handleAll([{ streamId, decider, command, ...options }], metadata);
    return handled as Handled<S, E>;
  }

  /** One command over several streams, appended atomically: every step's events are stored, or none. */
  async handleAll(steps: Step[], metadata: EventMetadata = {}): Promise<Handled<any, any>[]> {
    if (!this.observer) return this.enqueue({ steps, metadata, attempts: 0 });
    const observer = this.observer;
    const started = performance.now();
    const job: Partial<Job> & Pick<Job, 'steps' | 'metadata' | 'attempts'> = { steps, metadata, attempts: 0 };
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const results = await this.enqueue(job);
      observer.answered(job.type ?? typeOf(steps[0]?.command), 'ok', seconds());
      return results;
    } catch (error) {
      const outcome = error instanceof StaleRevision || error instanceof TooManyConflicts ? 'conflict' : error instanceof DomainError ? 'rejected' : 'error';
      observer.answered(job.type ?? typeOf(steps[0]?.command), outcome, seconds());
      throw error;
    }
  }

  private async enqueue(job: Partial<Job> & Pick<Job, 'steps' | 'metadata' | 'attempts'>): Promise<Handled<any, any>[]> {
    await this.preload(job.steps);
    return new Promise((resolve, reject) => {
      this.pending.push(Object.assign(job, { resolve, reject }));
      this.kickSoon();
    });
  }

  /**
   * A stream's state: the cached one (kept current by this processor's own appends), else read.
   * `current: true`, for a decision taken outside the processor on a stream other processes write
   * too (a workflow's on a booking), also reads what they appended since, when there are any
   * (`otherWriters`): only the events after the cached revision.
   */
  async load<C, S, E extends AnyEvent>(
    streamId: string,
    decider: StreamDecider<C, S, E>,
    options: { current?: boolean } = {},
  ): Promise<{ state: S; revision: number }> {
    const loaded = (options.current && this.otherWriters ? undefined : this.cache.get(streamId)) ?? (await this.catchUp(streamId, decider));
    return { state: loaded.state as S, revision: loaded.revision };
  }

  private async preload(steps: Step[]): Promise<void> {
    await Promise.all(steps.filter((s) => !s.fresh && !this.cache.has(s.streamId)).map((s) => this.catchUp(s.streamId, s.decider)));
  }

  /**
   * Starts commits once the commands that arrive in this turn of the event loop have queued (group
   * commit): the callers a commit answers send their next commands in the microtasks that follow,
   * and a commit started at the first of them would carry it alone and keep the others waiting.
   * With `commitEveryMs`, not before the last commit's start is that old.
   */
  private kickSoon(): void {
    if (this.kickScheduled) return;
    this.kickScheduled = true;
    const run = () => {
      this.kickScheduled = false;
      this.kick();
    };
    const wait = this.nextStartAt - performance.now();
    if (wait > 0) setTimeout(run, wait);
    else setImmediate(run);
  }

  /**
   * Starts commits while fewer than `maxInFlight` run. A batch takes the queued commands whose
   * streams no running commit touches (a command behind one that waits, on a shared stream, waits
   * too, so each stream keeps its order): commits in flight never share a stream.
   */
  private kick(): void {
    while (this.inFlight < this.maxInFlight && this.pending.length > 0) {
      if (this.commitEveryMs > 0 && performance.now() < this.nextStartAt) {
        this.kickSoon();
        return;
      }
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      if (this.commitEveryMs > 0) this.nextStartAt = performance.now() + this.commitEveryMs;
      const streams = new Set(batch.flatMap((job) => job.steps.map((s) => s.streamId)));
      for (const s of streams) this.busy.add(s);
      this.inFlight++;
      void this.commit(batch)
        .catch((error: unknown) => {
          for (const job of batch) job.reject(error);
        })
        .finally(() => {
          this.inFlight--;
          for (const s of streams) this.busy.delete(s);
          this.kickSoon();
        });
    }
  }

  private takeBatch(): Job[] {
    const taken: Job[] = [];
    const waiting: Job[] = [];
    const blocked = new Set<string>();
    for (const job of this.pending) {
      const streams = job.steps.map((s) => s.streamId);
      if (taken.length < this.maxBatch && !streams.some((s) => this.busy.has(s) || blocked.has(s))) taken.push(job);
      else {
        waiting.push(job);
        for (const s of streams) blocked.add(s);
      }
    }
    this.pending.splice(0, this.pending.length, ...waiting);
    return taken;
  }

  private async commit(batch: Job[]): Promise<void> {
    // A stream evicted from the cache since its command was queued is read again first.
    await Promise.all(batch.map((job) => this.preload(job.steps)));
    const working = new Map<string, Cached>();
    const decided = batch.map((job) => this.decide(job, working));
    const appending = decided.flatMap((d, i) => (d.ok && [...d.after.values()].some((a) => a.events.length > 0) ? [i] : []));
    const groups: StreamAppend[][] = appending.map((i) =>
      [...(decided[i] as Extract<Decided, { ok: true }>).after].flatMap(([streamId, a]) =>
        a.events.length === 0 ? [] : [{ streamId, events: a.events, expected: a.before === -1 ? ('no_stream' as const) : a.before }],
      ),
    );

    let settled: PromiseSettledResult<MultiStreamAppendResult>[] = [];
    if (groups.length > 0) {
      try {
        const began = this.observer ? performance.now() : 0;
        settled = await this.store.appendBatch(groups);
        if (this.observer) {
          // Only what was stored counts as appended; a group refused is a conflict (or another failure).
          const stored = groups.filter((_, n) => settled[n]?.status === 'fulfilled');
          this.observer.committed({
            commands: groups.length,
            appends: stored.reduce((sum, group) => sum + group.length, 0),
            events: stored.reduce((sum, group) => sum + group.reduce((n, append) => n + append.events.length, 0), 0),
            conflicts: settled.filter((result) => result.status === 'rejected' && result.reason instanceof WrongExpectedRevision).length,
            seconds: (performance.now() - began) / 1000,
          });
        }
      } catch (error) {
        if (batch.length === 1) return batch[0]!.reject(error);
        // Not a conflict: the commit itself failed and stored nothing. One at a time, only the bad one fails.
        for (const job of batch) await this.commit([job]);
        return;
      }
    }

    const outcome = new Map<number, PromiseSettledResult<MultiStreamAppendResult>>(appending.map((i, n) => [i, settled[n]!]));
    const failedStreams = new Set<string>();
    const confirmed = new Set<string>();
    const toVerify: { job: Job; error: unknown }[] = [];
    const toRetry: Job[] = [];
    batch.forEach((job, i) => {
      const d = decided[i]!;
      const streams = job.steps.map((s) => s.streamId);
      // Decided on what an earlier command of this batch appended, and that command failed: decide again.
      const dependsOnFailure = streams.some((s) => failedStreams.has(s));
      const result = outcome.get(i);
      if (result?.status === 'rejected') {
        for (const s of streams) failedStreams.add(s);
        if (result.reason instanceof WrongExpectedRevision) {
          const cached = this.cache.get(result.reason.streamId);
          // Another process appended (not merely an earlier command of this batch that failed): read again.
          if (!dependsOnFailure && cached?.revision !== result.reason.actual) this.cache.delete(result.reason.streamId);
          for (const s of job.steps) if (s.streamId === result.reason.streamId) s.fresh = false;
          toRetry.push(job);
          return;
        }
        job.reject(result.reason);
        return;
      }
      if (dependsOnFailure) {
        for (const s of streams) failedStreams.add(s);
        toRetry.push(job);
        return;
      }
      if (!d.ok) {
        toVerify.push({ job, error: d.error });
        return;
      }
      const position = result?.status === 'fulfilled' ? result.value.position : '';
      for (const [streamId, after] of d.after) {
        if (after.events.length > 0) confirmed.add(streamId);
        this.remember(streamId, { state: after.state, revision: after.revision });
      }
      job.resolve(d.results.map((r) => ({ ...r, position: r.events.length > 0 ? position : '' })));
    });

    // A refusal may rest on a state another process has moved on from: answer it only once the
    // streams are known current (appended to in this commit, or read again now and unchanged).
    const stale = new Set<string>();
    const unverified = new Map<string, Step>();
    for (const { job } of toVerify) for (const s of job.steps) if (!confirmed.has(s.streamId) && !s.fresh) unverified.set(s.streamId, s);
    await Promise.all(
      [...unverified.values()].map(async (s) => {
        const before = this.cache.get(s.streamId)?.revision ?? -1;
        const now = await this.catchUp(s.streamId, s.decider);
        if (now.revision !== before) stale.add(s.streamId);
      }),
    );
    for (const { job, error } of toVerify) {
      if (job.steps.some((s) => stale.has(s.streamId))) toRetry.push(job);
      else job.reject(error);
    }
    for (const job of toRetry.reverse()) {
      if (++job.attempts > this.maxRetries) {
        job.reject(new TooManyConflicts(`Gave up after ${this.maxRetries} conflicting attempts on ${job.steps.map((s) => s.streamId).join(', ')}`));
        continue;
      }
      this.observer?.retried(job.type ?? 'unknown');
      this.pending.unshift(job);
    }
  }

  /** Decides a job's steps against the batch's working states; on success its events extend them. */
  private decide(job: Job, working: Map<string, Cached>): Decided {
    const after = new Map<string, Cached & { before: number; events: EventToAppend[] }>();
    const results: Handled<any, any>[] = [];
    const began = this.observer ? performance.now() : 0;
    try {
      for (const step of job.steps) {
        let current = after.get(step.streamId);
        if (!current) {
          const base = working.get(step.streamId) ?? this.cache.get(step.streamId) ?? { state: step.decider.initialState, revision: -1 };
          current = { ...base, before: base.revision, events: [] };
          after.set(step.streamId, current);
        }
        if (step.expectedRevision !== undefined && step.expectedRevision !== current.revision) {
          throw new StaleRevision(step.streamId, step.expectedRevision, current.revision);
        }
        const command = typeof step.command === 'function' ? (step.command as (earlier: Handled<any, any>[]) => unknown)(results) : step.command;
        if (command === undefined) {
          results.push({ events: [], state: current.state, revision: current.revision, position: '' });
          continue;
        }
        if (this.observer) job.type ??= typeOf(command);
        const events = step.decider.decide(command, current.state) as AnyEvent[];
        for (const event of events) current.state = step.decider.evolve(current.state, event);
        current.revision += events.length;
        current.events.push(...events.map((event) => this.toAppend(event, job.metadata)));
        results.push({ events, state: current.state, revision: current.revision, position: '' });
      }
    } catch (error) {
      this.observer?.decided(job.type ?? 'unknown', (performance.now() - began) / 1000);
      return { ok: false, error };
    }
    this.observer?.decided(job.type ?? 'unknown', (performance.now() - began) / 1000);
    for (const [streamId, a] of after) working.set(streamId, { state: a.state, revision: a.revision });
    return { ok: true, results, after };
  }

  private toAppend(event: AnyEvent, metadata: EventMetadata): EventToAppend {
    return { eventId: newId(), type: event.type, data: event.data, metadata };
  }

  /** Reads what a stream gained since the cached state (all of it when not cached); one read per stream at a time. */
  private catchUp(streamId: string, decider: StreamDecider<any, any, any>): Promise<Cached> {
    const inFlight = this.loading.get(streamId);
    if (inFlight) return inFlight;
    const loading = (async () => {
      const known = this.cache.get(streamId);
      const cached = known ?? { state: decider.initialState, revision: -1 };
      const read = await this.store.readStream(streamId, { fromRevision: cached.revision + 1 });
      if (read.events.length === 0 && read.revision === cached.revision) {
        if (!known) this.remember(streamId, cached);
        return cached;
      }
      let state = cached.state;
      for (const recorded of read.events) {
        state = decider.evolve(state, { type: recorded.type, data: recorded.data });
      }
      const fresh = { state, revision: read.events.at(-1)?.streamRevision ?? read.revision };
      this.remember(streamId, fresh);
      return this.cache.get(streamId) ?? fresh;
    })().finally(() => this.loading.delete(streamId));
    this.loading.set(streamId, loading);
    return loading;
  }

  /** Keeps the newest state of a stream (a read that started before an append must not undo it). */
  private remember(streamId: string, entry: Cached): void {
    const known = this.cache.get(streamId);
    if (known && known.revision > entry.revision) return;
    this.cache.delete(streamId);
    this.cache.set(streamId, entry);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }
}
