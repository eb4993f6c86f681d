import { Cursor, type ReadEvents } from './cursor.ts';
import type { Fanout, FanoutMessage } from './fanout.ts';
import type { WireEvent } from './protocol.ts';

/** One connected socket as the hub sees it. */
export type Listener = {
  userId: string;
  event: (event: WireEvent) => void;
  typing: (conversationId: string, userId: string) => void;
  failed: (error: unknown) => void;
};

/**
 * The delivery side of one chat process: which sockets follow which conversation (each through
 * its own cursor), who is online here, and the fan-out to the other processes.
 */
export class Hub {
  private readonly followers = new Map<string, Map<Listener, Cursor>>();
  private readonly online = new Map<string, number>();
  private fanout: Fanout | undefined;

  constructor(private readonly read: ReadEvents) {}

  useFanout(fanout: Fanout): void {
    this.fanout = fanout;
  }

  connected(listener: Listener): void {
    const before = this.online.get(listener.userId) ?? 0;
    this.online.set(listener.userId, before + 1);
    if (before === 0) this.fanout?.present(listener.userId, true);
  }

  disconnected(listener: Listener): void {
    for (const conversationId of [...this.followers.keys()]) this.unsubscribe(listener, conversationId);
    const left = (this.online.get(listener.userId) ?? 1) - 1;
    if (left > 0) this.online.set(listener.userId, left);
    else {
      this.online.delete(listener.userId);
      this.fanout?.present(listener.userId, false);
    }
  }

  isOnline(userId: string): boolean {
    return this.online.has(userId);
  }

  /** Online here or, through the fan-out, on another chat process. */
  async isOnlineAnywhere(userId: string): Promise<boolean> {
    return this.online.has(userId) || ((await this.fanout?.onlineElsewhere(userId)) ?? false);
  }

  connections(): number {
    let total = 0;
    for (const count of this.online.values()) total += count;
    return total;
  }

  /** Follows a conversation from `after` (what the listener saw last; −1 for everything). */
  subscribe(listener: Listener, conversationId: string, after: number): void {
    let cursors = this.followers.get(conversationId);
    if (!cursors) {
      cursors = new Map();
      this.followers.set(conversationId, cursors);
      this.fanout?.follow(conversationId);
    }
    cursors.get(listener)?.close();
    const cursor = new Cursor(conversationId, this.read, listener.event, listener.failed);
    cursors.set(listener, cursor);
    cursor.start(after);
  }

  unsubscribe(listener: Listener, conversationId: string): void {
    const cursors = this.followers.get(conversationId);
    const cursor = cursors?.get(listener);
    if (!cursors || !cursor) return;
    cursor.close();
    cursors.delete(listener);
    if (cursors.size === 0) {
      this.followers.delete(conversationId);
      this.fanout?.unfollow(conversationId);
    }
  }

  /** Events this process just stored: to its own followers at once, and to the other processes. */
  publish(conversationId: string, events: WireEvent[]): void {
    if (events.length === 0) return;
    this.deliver(conversationId, events);
    this.fanout?.publish({ kind: 'events', conversationId, events });
  }

  typing(conversationId: string, userId: string): void {
    this.showTyping(conversationId, userId);
    this.fanout?.publish({ kind: 'typing', conversationId, userId });
  }

  /** A message from another process. */
  receive(message: FanoutMessage): void {
    if (message.kind === 'events') this.deliver(message.conversationId, message.events);
    else this.showTyping(message.conversationId, message.userId);
  }

  close(): void {
    for (const cursors of this.followers.values()) for (const cursor of cursors.values()) cursor.close();
    this.followers.clear();
  }

  private deliver(conversationId: string, events: WireEvent[]): void {
    const cursors = this.followers.get(conversationId);
    if (!cursors) return;
    for (const cursor of cursors.values()) for (const event of events) cursor.offer(event);
  }

  private showTyping(conversationId: string, userId: string): void {
    for (const listener of this.followers.get(conversationId)?.keys() ?? []) if (listener.userId !== userId) listener.typing(conversationId, userId);
  }
}
