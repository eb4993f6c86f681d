/**
 * Statements from many callers that share one round trip (and, for a write, one commit): every
 * item that arrives while a statement runs waits and goes into the next one. Alone, an item goes
 * at once; under load, one statement (one WAL flush) serves all the items that queued meanwhile.
 * Each caller's promise settles when the statement that carried its item has finished: with its
 * own result (`run` answers one per item, in order), or with the error that failed them all.
 */
export class SharedStatement<T, R = void> {
  private queued: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly run: (items: T[]) => Promise<R[] | unknown>,
    private readonly maxItems = 1000,
  ) {}

  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queued.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.running || this.queued.length === 0) return;
    const taken = this.queued.splice(0, this.maxItems);
    this.running = true;
    this.run(taken.map((q) => q.item))
      .then(
        (results) => {
          for (const [i, q] of taken.entries()) q.resolve((Array.isArray(results) ? results[i] : undefined) as R);
        },
        (error: unknown) => {
          for (const q of taken) q.reject(error);
        },
      )
      .finally(() => {
        this.running = false;
        this.next();
      });
  }
}
