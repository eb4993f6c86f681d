import type { WireEvent } from './protocol.ts';

/** What one chat process tells the others: stored events to deliver, and typing (never stored). */
export type FanoutMessage = { kind: 'events'; conversationId: string; events: WireEvent[] } | { kind: 'typing'; conversationId: string; userId: string };

/**
 * How chat processes share what each of them accepted. Each process delivers its own messages to
 * its own sockets at once; the fan-out brings them to the sockets of the other processes that
 * follow the conversation. Losing a fan-out message costs latency, never a message: a cursor
 * that sees a later sequence fills the gap from the store.
 */
export interface Fanout {
  publish(message: FanoutMessage): void;
  /** Start and stop receiving a conversation's messages from the other processes. */
  follow(conversationId: string): void;
  unfollow(conversationId: string): void;
  /** A user's first socket on this process opened (`true`) or their last one closed (`false`). */
  present(userId: string, online: boolean): void;
  /** Whether a user has a socket open on another process (offline notifications ask it). */
  onlineElsewhere(userId: string): Promise<boolean>;
  close(): Promise<void>;
}

/** One process: nothing to share (the embedded default). */
export const localFanout = (): Fanout => ({
  publish: () => undefined,
  follow: () => undefined,
  unfollow: () => undefined,
  present: () => undefined,
  onlineElsewhere: async () => false,
  close: async () => undefined,
});
