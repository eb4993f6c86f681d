import type { Pool, PoolClient } from 'pg';
import { inOneRoundTrip, type OwnTransactions } from '@stayhub/event-sourcing';
import { preparedStatements, type InlinedStatement } from './inlined-write.ts';

type Queued = { statements: readonly InlinedStatement[]; resolve: () => void; reject: (error: unknown) => void };

/**
 * The batches of several projections written in one transaction: one round trip, one BEGIN and one
 * COMMIT for all the lanes whose batches are ready while the last shared write is on its way (group
 * commit, as `SharedStatement` does for single statements), instead of one transaction a lane.
 * Each batch brings its own statements and its own checkpoint's compare-and-set, so each is still
 * all or nothing with its checkpoint, and a projection never waits for another's fold (only for a
 * write in flight). When a shared transaction fails, each of its batches is written again alone in
 * a transaction of its own, so only the one at fault fails (a checkpoint that moved, a value the
 * server refuses), with its own error.
 */
export class SharedWrites {
  private queued: Queued[] = [];
  private inFlight = 0;

  constructor(
    private readonly pool: Pool,
    private readonly ownTransactions?: OwnTransactions,
    /**
     * Shared transactions in flight at once (each on a connection of its own; never two batches of one
     * projection at once: its lane waits for its write). One: the batches that get ready while it is
     * on its way all go in the next.
     */
    private readonly maxInFlight = 1,
  ) {}

  /** Writes `statements` (a batch's, its checkpoint's move last) in the next shared transaction; settles once it committed or failed. */
  write(statements: readonly InlinedStatement[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ statements, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.inFlight >= this.maxInFlight || this.queued.length === 0) return;
    const taken = this.queued;
    this.queued = [];
    this.inFlight += 1;
    this.run(taken)
      .catch(() => undefined)
      .finally(() => {
        this.inFlight -= 1;
        this.next();
      });
  }

  private transaction(statements: readonly InlinedStatement[]): Promise<void> {
    const sent = (client: PoolClient) => preparedStatements(client, statements);
    return this.ownTransactions ? this.ownTransactions.runInOneRoundTrip(this.pool, sent) : inOneRoundTrip(this.pool, sent);
  }

  private async run(taken: Queued[]): Promise<void> {
    try {
      await this.transaction(taken.flatMap((q) => q.statements));
      for (const q of taken) q.resolve();
      return;
    } catch (error) {
      if (taken.length === 1) return taken[0]!.reject(error);
    }
    await Promise.all(
      taken.map((q) =>
        this.transaction(q.statements).then(
          () => q.resolve(),
          (error: unknown) => q.reject(error),
        ),
      ),
    );
  }
}
