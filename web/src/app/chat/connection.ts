import type { ChatEvent } from './types.ts';

/** The part of a browser WebSocket the connection uses (a test passes its own). */
export type SocketLike = {
  readonly readyState: number;
  send: (data: string) => void;
  close: (code?: number, reason?: string) => void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
};

export type ConnectionState = 'connecting' | 'open' | 'offline';

/** A message the server has not acknowledged yet: resent, with the same client id, after a reconnect. */
export type Pending = { conversationId: string; clientMessageId: string; text: string; failed?: string };

type Follower = { onEvent: (event: ChatEvent) => void; onTyping?: (userId: string) => void };

type ServerFrame =
  | { type: 'ready' }
  | { type: 'subscribed'; conversationId: string; head: number }
  | { type: 'event'; event: ChatEvent }
  | { type: 'ack'; ref?: string; conversationId: string; seq: number; clientMessageId?: string }
  | { type: 'typing'; conversationId: string; userId: string }
  | { type: 'pong' }
  | { type: 'error'; ref?: string; status: number; code: string; detail: string; conversationId?: string; retryAfterMs?: number };

export type ConnectionOptions = {
  /** The socket's URL (the token goes in the query string: browsers cannot set its headers). */
  url: string;
  open: (url: string) => SocketLike;
  /** Delay before the n-th reconnect attempt in a row. */
  backoffMs?: (attempt: number) => number;
  newId?: () => string;
};

const OPEN = 1;

/**
 * One WebSocket to the chat for the signed-in user. For each followed conversation it keeps the
 * highest sequence seen; after any drop it reconnects, subscribes again from that sequence and
 * drops what it has already seen, so each event reaches the page once and in order. Messages
 * typed while the socket is down wait here and go out (with their client id, which the server
 * deduplicates) once it is back.
 */
export class ChatConnection {
  private socket: SocketLike | undefined;
  private state: ConnectionState = 'connecting';
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private changes = 0;
  private readonly lastSeq = new Map<string, number>();
  private readonly followers = new Map<string, Set<Follower>>();
  private readonly pending = new Map<string, Pending>();
  private readonly stateListeners = new Set<() => void>();
  private readonly backoffMs: (attempt: number) => number;
  private readonly newId: () => string;

  constructor(private readonly options: ConnectionOptions) {
    this.backoffMs = options.backoffMs ?? ((attempt) => Math.min(5_000, 250 * 2 ** attempt));
    this.newId = options.newId ?? (() => crypto.randomUUID());
    this.connect();
  }

  /** Grows with every change of state or of the waiting messages (a snapshot for React). */
  get version(): number {
    return this.changes;
  }

  get status(): ConnectionState {
    return this.state;
  }

  /** Messages not yet acknowledged (waiting for the connection, or refused with `failed`). */
  pendingOf(conversationId: string): Pending[] {
    return [...this.pending.values()].filter((p) => p.conversationId === conversationId);
  }

  onChange(listener: () => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /**
   * Delivers the conversation's events after `after` (the last sequence the page has), then live
   * ones; a second follower of the same conversation gets what comes next.
   */
  follow(conversationId: string, after: number, follower: Follower): () => void {
    const followers = this.followers.get(conversationId) ?? new Set();
    this.followers.set(conversationId, followers);
    followers.add(follower);
    if (!this.lastSeq.has(conversationId) || (this.lastSeq.get(conversationId) ?? -1) < after) this.lastSeq.set(conversationId, after);
    if (followers.size === 1) this.subscribe(conversationId);
    return () => {
      followers.delete(follower);
      if (followers.size > 0) return;
      this.followers.delete(conversationId);
      this.lastSeq.delete(conversationId);
      this.frame({ type: 'unsubscribe', conversationId });
    };
  }

  send(conversationId: string, text: string): Pending {
    const message: Pending = { conversationId, clientMessageId: this.newId(), text };
    this.pending.set(message.clientMessageId, message);
    this.frame({ type: 'send', ref: message.clientMessageId, conversationId, clientMessageId: message.clientMessageId, text });
    this.changed();
    return message;
  }

  /** Sends a refused message again (e.g. after a rate limit's wait), under the same client id. */
  retry(clientMessageId: string): void {
    const message = this.pending.get(clientMessageId);
    if (!message) return;
    const { conversationId, text } = message;
    this.pending.set(clientMessageId, { conversationId, clientMessageId, text });
    this.frame({ type: 'send', ref: clientMessageId, conversationId, clientMessageId, text });
    this.changed();
  }

  /** Forgets a message the server refused. */
  discard(clientMessageId: string): void {
    this.pending.delete(clientMessageId);
    this.changed();
  }

  markRead(conversationId: string, upTo: number): void {
    this.frame({ type: 'read', conversationId, upTo });
  }

  typing(conversationId: string): void {
    this.frame({ type: 'typing', conversationId });
  }

  /** The browser says the network is gone: drop the socket now rather than wait for it to time out. */
  wentOffline(): void {
    this.socket?.close(4000, 'offline');
  }

  /** The browser is back online: try at once instead of waiting out the backoff. */
  cameOnline(): void {
    if (this.state === 'open' || this.closed) return;
    clearTimeout(this.timer);
    this.attempt = 0;
    this.connect();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.close(1000, 'signed out');
  }

  private connect(): void {
    if (this.closed) return;
    const socket = this.options.open(this.options.url);
    this.socket = socket;
    this.setState('connecting');
    socket.onmessage = (event) => {
      if (this.socket !== socket || typeof event.data !== 'string') return;
      this.receive(JSON.parse(event.data) as ServerFrame);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.setState('offline');
      if (this.closed) return;
      this.timer = setTimeout(() => this.connect(), this.backoffMs(this.attempt++));
    };
    socket.onerror = () => undefined;
  }

  private receive(frame: ServerFrame): void {
    switch (frame.type) {
      case 'ready':
        this.attempt = 0;
        this.setState('open');
        for (const conversationId of this.followers.keys()) this.subscribe(conversationId);
        for (const message of this.pending.values()) {
          if (message.failed) continue;
          const { conversationId, clientMessageId, text } = message;
          this.frame({ type: 'send', ref: clientMessageId, conversationId, clientMessageId, text });
        }
        return;
      case 'event': {
        const { conversationId, seq } = frame.event;
        const last = this.lastSeq.get(conversationId);
        if (last === undefined || seq <= last) return; // seen already (a replay after a reconnect)
        this.lastSeq.set(conversationId, seq);
        for (const follower of this.followers.get(conversationId) ?? []) follower.onEvent(frame.event);
        return;
      }
      case 'ack':
        if (frame.clientMessageId && this.pending.delete(frame.clientMessageId)) this.changed();
        return;
      case 'typing':
        for (const follower of this.followers.get(frame.conversationId) ?? []) follower.onTyping?.(frame.userId);
        return;
      case 'error': {
        const message = frame.ref ? this.pending.get(frame.ref) : undefined;
        if (message) {
          this.pending.set(frame.ref!, { ...message, failed: frame.detail });
          this.changed();
        }
        return;
      }
      case 'subscribed':
      case 'pong':
        return;
      default:
        assertNever(frame);
    }
  }

  private subscribe(conversationId: string): void {
    this.frame({ type: 'subscribe', conversationId, after: this.lastSeq.get(conversationId) ?? -1 });
  }

  /** Sent now if the socket is open; otherwise what it asks for is redone on the next `ready`. */
  private frame(frame: Record<string, unknown>): void {
    if (this.socket?.readyState === OPEN && this.state === 'open') this.socket.send(JSON.stringify(frame));
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.changed();
  }

  private changed(): void {
    this.changes++;
    for (const listener of this.stateListeners) listener();
  }
}

const assertNever = (frame: never): void => void frame;
