/**
 * Writes from many callers that share one statement, and so one commit: every item that arrives
 * while a write runs waits and goes into the next one. Alone, an item is written at once; under
 * load, one WAL flush serves all the items that queued meanwhile. Each caller's promise settles
 * when the write that carried its item has committed (or failed: every item it carried fails).
 */
export class SharedWrites<T> {
  private queued: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private writing = false;

  constructor(
    private readonly write: (items: T[]) => Promise<unknown>,
    private readonly maxItems = 1000,
  ) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.writing || this.queued.length === 0) return;
    const taken = this.queued.splice(0, this.maxItems);
    this.writing = true;
    this.write(taken.map((q) => q.item))
      .then(
        () => taken.forEach((q) => q.resolve()),
        (error: unknown) => taken.forEach((q) => q.reject(error)),
      )
      .finally(() => {
        this.writing = false;
        this.next();
      });
  }
}
