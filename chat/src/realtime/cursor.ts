import type { WireEvent } from './protocol.ts';

export type ReadEvents = (conversationId: string, fromSeq: number, maxCount: number) => Promise<WireEvent[]>;

const PAGE = 500;
const GAP_RETRY_MS = 20;
const GAP_ATTEMPTS = 250;

/**
 * One subscriber's position in one conversation. It hands every event to `send` exactly once,
 * in sequence order, with no gap: events that arrive early (another process's fan-out overtook
 * ours, or the subscriber is still catching up) wait in `pending`, and a gap is filled from the
 * store. `start(after)` first replays what the subscriber missed after `after`.
 */
export class Cursor {
  private next = 0;
  private readonly pending = new Map<number, WireEvent>();
  private filling: Promise<void> | undefined;
  private closed = false;

  constructor(
    readonly conversationId: string,
    private readonly read: ReadEvents,
    private readonly send: (event: WireEvent) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Delivers what was stored after `after` (−1: everything), then live events. */
  start(after: number): void {
    this.next = after + 1;
    this.fill(Number.POSITIVE_INFINITY);
  }

  offer(event: WireEvent): void {
    if (this.closed || event.seq < this.next) return;
    this.pending.set(event.seq, event);
    this.drain();
  }

  close(): void {
    this.closed = true;
    this.pending.clear();
  }

  private drain(): void {
    if (this.filling || this.closed) return;
    for (let event = this.pending.get(this.next); event; event = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      this.deliver(event);
    }
    if (this.pending.size > 0) this.fill(Math.max(...this.pending.keys()));
  }

  private deliver(event: WireEvent): void {
    if (event.seq !== this.next) return;
    this.next++;
    this.send(event);
  }

  /** Reads the store from `next` until `upTo` is delivered (or the stream ends, for a catch-up). */
  private fill(upTo: number): void {
    const catchUp = upTo === Number.POSITIVE_INFINITY;
    this.filling = (async () => {
      for (let attempt = 0; !this.closed && this.next < upTo && attempt < GAP_ATTEMPTS; ) {
        const events = await this.read(this.conversationId, this.next, PAGE);
        for (const event of events) if (!this.closed) this.deliver(event);
        for (const seq of this.pending.keys()) if (seq < this.next) this.pending.delete(seq);
        if (catchUp && events.length < PAGE) return;
        if (events.length === 0) {
          // What overtook us is visible only once its predecessors are: they are committing.
          attempt++;
          await new Promise((resolve) => setTimeout(resolve, GAP_RETRY_MS));
        }
      }
    })()
      .catch(this.onError)
      .finally(() => {
        this.filling = undefined;
        this.drain();
      });
  }
}
