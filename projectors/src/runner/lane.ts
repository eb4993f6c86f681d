import type { RecordedEvent } from '@stayhub/event-sourcing';

/** A page of the log as one projection sees it: the events it handles, and how far the page reached. */
type Page = { events: RecordedEvent[]; last: string; handedAt: number; inHandMs: number };

/** Wakes every waiter at once (`wake`), and all of them for good once `signal` aborts. */
export class WakeUps {
  private waiting: (() => void)[] = [];

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => this.wake(), { once: true });
  }

  next(): Promise<void> {
    if (this.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  wake(): void {
    const woken = this.waiting;
    this.waiting = [];
    for (const resolve of woken) resolve();
  }
}

/**
 * One projection's queue of pages handed over by the shared reader. `take` merges what queued, whole
 * pages up to `most` events (at least one page), so a projection that fell behind catches up with
 * fewer, larger transactions.
 */
export class Lane {
  private readonly pages: Page[] = [];
  private readonly arrived: WakeUps;
  /** Events queued, not yet taken. */
  queued = 0;

  constructor(
    /** The position pages were handed up to (the projection's checkpoint before the first). */
    public handedTo: string,
    private readonly signal: AbortSignal,
  ) {
    this.arrived = new WakeUps(signal);
  }

  push(page: Page): void {
    this.pages.push(page);
    this.queued += page.events.length;
    this.handedTo = page.last;
    this.arrived.wake();
  }

  /** The next pages merged (waits for one); undefined once the signal aborted. */
  async take(most: number): Promise<{ events: RecordedEvent[]; to: string; first: Page } | undefined> {
    while (this.pages.length === 0 && !this.signal.aborted) await this.arrived.next();
    if (this.signal.aborted) return undefined;
    let count = 0;
    let taken = 0;
    while (taken < this.pages.length && (taken === 0 || count + this.pages[taken]!.events.length <= most)) count += this.pages[taken++]!.events.length;
    const pages = this.pages.splice(0, taken);
    this.queued -= count;
    return {
      events: pages.length === 1 ? pages[0]!.events : pages.flatMap((page) => page.events),
      to: pages[pages.length - 1]!.last,
      first: pages[0]!,
    };
  }
}

/** At most `slots` holders at once; the others wait in turn. */
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(slots: number) {
    this.free = Math.max(1, slots);
  }

  async hold<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    }
  }
}
