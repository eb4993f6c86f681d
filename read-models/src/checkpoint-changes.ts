import type { Pool, PoolClient } from 'pg';

/**
 * Read-your-writes without polling: a projector announces on this channel after each commit that
 * moved checkpoints, and a query waiting for a consistency token re-checks when it hears one.
 */
export const CHECKPOINT_CHANNEL = 'projection_checkpoints';

/**
 * Sent after the commit rather than inside it (a NOTIFY inside a transaction makes every commit that
 * notifies queue for one server-wide lock). It carries no state, so it need not wait for a WAL flush.
 */
const ANNOUNCE = `SET LOCAL synchronous_commit = off; NOTIFY ${CHECKPOINT_CHANNEL}`;

/** Per pool: whether an announcement is on its way, and whether another commit came meanwhile. */
const announcing = new WeakMap<Pool, { again: boolean }>();

/**
 * Tells waiting readers that checkpoints moved, once the moving transaction committed. Coalesced:
 * one NOTIFY at a time per pool, and commits made while one is on its way share the next. Never
 * throws: a lost announcement costs a reader one re-check interval.
 */
export const announceCheckpoints = (pool: Pool): void => {
  const pending = announcing.get(pool);
  if (pending) {
    pending.again = true;
    return;
  }
  const state = { again: false };
  announcing.set(pool, state);
  Promise.resolve()
    .then(() => pool.query(ANNOUNCE))
    .catch(() => undefined)
    .finally(() => {
      announcing.delete(pool);
      if (state.again) announceCheckpoints(pool);
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
 */
export class CheckpointChanges {
  private listener: PoolClient | undefined;
  private connecting: Promise<void> | undefined;
  private generation = 0;
  private readonly waiters = new Set<() => void>();
  private closed = false;
  private readonly recheckMs: number;

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

  /** Whether announcements reach this process now (else waiters re-check at the interval). */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  /** Stops listening; waiters re-check once more and then time out on their own. */
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
    if (this.generation !== seen || this.closed) return Promise.resolve();
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
    const client = await this.pool.connect();
    client.on('notification', this.wakeAll);
    client.on('error', (error) => {
      // Dropped by the pool; the next wait listens again. Waiters re-check now rather than at their interval.
      if (this.listener !== client) return;
      this.listener = undefined;
      this.connecting = undefined;
      client.release(error);
      this.wakeAll();
    });
    try {
      await client.query(`LISTEN ${CHECKPOINT_CHANNEL}`);
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    if (this.closed) {
      client.release();
      return;
    }
    this.listener = client;
  }
}
