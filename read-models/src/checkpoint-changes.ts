import type { Pool, PoolClient } from 'pg';
import { listenOn } from '@stayhub/event-sourcing';

/**
 * Read-your-writes without polling: a projector announces on this channel after each commit that
 * moved checkpoints, and a query waiting for a consistency token re-checks when it hears one.
 */
export const CHECKPOINT_CHANNEL = 'projection_checkpoints';

/**
 * Sent after the commit rather than inside it (a NOTIFY inside a transaction makes every commit that
 * notifies queue for one server-wide lock). It carries no state, so it need not wait for a WAL flush.
 * Its payload names what changed (see `ReadChanges`), '' when only checkpoints moved.
 */
const announcement = (payload: string): string =>
  `SET LOCAL synchronous_commit = off; NOTIFY ${CHECKPOINT_CHANNEL}${payload ? `, '${payload.replaceAll("'", "''")}'` : ''}`;

/**
 * What a committed batch changed in the read models, by name (`listing-documents`, `calendars`…:
 * what a cache of derived answers depends on), each with the position the batch reached. Readers
 * hear it with the checkpoint announcement, so that a cached answer depending on it is not served
 * again.
 */
type ReadChanges = ReadonlyMap<string, string>;

const encodeChanges = (changes: ReadChanges): string => [...changes].map(([name, position]) => `${name}=${position}`).join(';');

const decodeChanges = (payload: string): Map<string, string> =>
  new Map(
    payload
      .split(';')
      .map((part) => part.split('='))
      .filter((pair): pair is [string, string] => pair.length === 2 && pair[0] !== ''),
  );

/** Per pool: whether an announcement is on its way, and what commits made meanwhile changed (they share the next). */
const announcing = new WeakMap<Pool, { again: boolean; changes: Map<string, string> }>();

const mergeChanges = (into: Map<string, string>, changes: ReadChanges): void => {
  for (const [name, position] of changes) if (position > (into.get(name) ?? '')) into.set(name, position);
};

/**
 * Tells waiting readers that checkpoints moved, once the moving transaction committed, and what the
 * commit changed (`changes`). Coalesced: one NOTIFY at a time per pool, and commits made while one is
 * on its way share the next (their changes merged). Never throws: a lost announcement costs a reader
 * one re-check interval, and a cache one TTL.
 */
export const announceCheckpoints = (pool: Pool, changes: ReadChanges = new Map()): void => {
  const pending = announcing.get(pool);
  if (pending) {
    pending.again = true;
    mergeChanges(pending.changes, changes);
    return;
  }
  const state = { again: false, changes: new Map<string, string>() };
  announcing.set(pool, state);
  Promise.resolve()
    .then(() => pool.query(announcement(encodeChanges(changes))))
    .catch(() => undefined)
    .finally(() => {
      announcing.delete(pool);
      if (state.again) announceCheckpoints(pool, state.changes);
    });
};

export type CheckpointChangesOptions = {
  /** How often a waiter re-checks without an announcement (one lost while the database was away): a safety net, not the way news arrives. */
  recheckMs?: number;
};

/**
 * One LISTEN connection per process on the checkpoint channel, shared by every waiting reader. A
 * reader takes the current generation before it checks, so an announcement that lands between its
 * check and its wait still wakes it. A lost connection wakes everyone (to re-check) and is opened
 * again by the next wait; until then the re-check interval covers.
 *
 * It also keeps, per name, the newest change announced (`versionOf`), for caches of derived answers.
 */
export class CheckpointChanges {
  private listener: PoolClient | undefined;
  private connecting: Promise<void> | undefined;
  private generation = 0;
  private readonly waiters = new Set<() => void>();
  private closed = false;
  private readonly recheckMs: number;
  private readonly changed = new Map<string, string>();
  /** Starts over whenever announcements may have been missed (a lost connection), so that no version seen before is trusted again. */
  private epoch = 0;

  constructor(
    readonly pool: Pool,
    options: CheckpointChangesOptions = {},
  ) {
    this.recheckMs = options.recheckMs ?? 500;
  }

  /**
   * Resolves true as soon as `caughtUp()` does, checking at once and again after each announcement
   * (or re-check interval); false once `timeoutMs` passed without it.
   */
  async until(caughtUp: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    // Not listening (the database is away): the re-check interval alone drives the checks.
    await this.listen().catch(() => undefined);
    for (;;) {
      const seen = this.generation;
      if (await caughtUp()) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.changeAfter(seen, Math.min(left, this.recheckMs));
    }
  }

  /** Listens from now on (else from the first wait): a cache keyed by `versionOf` needs every announcement. */
  async start(): Promise<void> {
    await this.listen().catch(() => undefined);
  }

  /**
   * A token that changes whenever one of `names` was announced as changed (or announcements may
   * have been missed): a cache key with it in is not asked for again after such a change. The same
   * in every process that heard the same announcements, so a shared cache shares it.
   */
  versionOf(names: readonly string[]): string {
    const listening = this.listener ? String(this.epoch) : `away-${this.epoch}`;
    return [listening, ...names.map((name) => this.changed.get(name) ?? '')].join('/');
  }

  /** Whether announcements reach this process now (else waiters re-check at the interval). */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  /** Stops listening; a waiter then re-checks at the re-check interval until its bound. */
  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    const listener = this.listener;
    this.listener = undefined;
    if (listener) {
      await listener.query(`UNLISTEN ${CHECKPOINT_CHANNEL}`).catch(() => undefined);
      listener.release();
    }
    this.wakeAll();
  }

  private readonly wakeAll = (): void => {
    this.generation += 1;
    for (const wake of [...this.waiters]) wake();
  };

  private changeAfter(seen: number, ms: number): Promise<void> {
    if (this.generation !== seen) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private listen(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.connecting ??= this.open().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = await listenOn(this.pool, CHECKPOINT_CHANNEL, {
      onNotification: (message) => {
        if (message.payload) mergeChanges(this.changed, decodeChanges(message.payload));
        this.wakeAll();
      },
      // Dropped by the pool; the next wait listens again. Waiters re-check now rather than at their interval.
      onLost: (lost) => {
        if (this.listener !== lost) return false;
        this.listener = undefined;
        this.connecting = undefined;
        this.epoch += 1;
        this.wakeAll();
        return true;
      },
    });
    if (this.closed) {
      client.release();
      return;
    }
    this.listener = client;
  }
}
