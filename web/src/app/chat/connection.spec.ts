import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatConnection, type SocketLike } from './connection.ts';
import type { ChatEvent } from './types.ts';

/** A socket the test plays the server of: it records frames and says what the server says. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code = 1000, reason = '') {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  ready() {
    this.readyState = 1;
    this.onopen?.({});
    this.server({ type: 'ready', userId: 'u1', role: 'guest' });
  }
  server(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  event(conversationId: string, seq: number, text = `m${seq}`) {
    const event: ChatEvent = { conversationId, seq, type: 'MessageSent', data: { text }, at: '2026-01-01T00:00:00Z' };
    this.server({ type: 'event', event });
  }
}

const setup = () => {
  const sockets: FakeSocket[] = [];
  let ids = 0;
  const connection = new ChatConnection({
    url: 'ws://test/api/chat/ws?access_token=t',
    open: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    backoffMs: () => 10,
    newId: () => `c${++ids}`,
  });
  return { connection, sockets, latest: () => sockets.at(-1)! };
};

afterEach(() => vi.useRealTimers());

describe('the chat connection', () => {
  it('subscribes from the sequence the page has and hands on each event once, in order', () => {
    const { connection, latest } = setup();
    const seen: number[] = [];
    connection.follow('conv-1', 4, { onEvent: (e) => seen.push(e.seq) });
    latest().ready();
    expect(latest().sent).toEqual([{ type: 'subscribe', conversationId: 'conv-1', after: 4 }]);
    latest().event('conv-1', 4); // the page had it already
    latest().event('conv-1', 5);
    latest().event('conv-1', 6);
    latest().event('conv-1', 6);
    latest().event('conv-2', 7); // not followed
    expect(seen).toEqual([5, 6]);
  });

  it('after a drop it reconnects, resumes from the last sequence seen and drops what it saw twice', async () => {
    vi.useFakeTimers();
    const { connection, sockets, latest } = setup();
    const seen: number[] = [];
    connection.follow('conv-1', -1, { onEvent: (e) => seen.push(e.seq) });
    latest().ready();
    latest().event('conv-1', 0);
    latest().event('conv-1', 1);
    latest().close(1006);
    expect(connection.status).toBe('offline');

    await vi.advanceTimersByTimeAsync(10);
    expect(sockets).toHaveLength(2);
    latest().ready();
    expect(connection.status).toBe('open');
    expect(latest().sent).toEqual([{ type: 'subscribe', conversationId: 'conv-1', after: 1 }]);
    // A server that replays a little too much: the overlap is dropped.
    for (const seq of [1, 2, 3]) latest().event('conv-1', seq);
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('keeps a message typed while offline and sends it, under the same client id, once connected; the ack clears it', async () => {
    vi.useFakeTimers();
    const { connection, latest } = setup();
    latest().ready();
    latest().close(1006);
    const message = connection.send('conv-1', 'Is there parking?');
    expect(connection.pendingOf('conv-1')).toEqual([message]);

    await vi.advanceTimersByTimeAsync(10);
    latest().ready();
    expect(latest().sent).toEqual([{ type: 'send', ref: 'c1', conversationId: 'conv-1', clientMessageId: 'c1', text: 'Is there parking?' }]);
    // Dropped again before the ack: sent again with the same id (the server stores it once).
    latest().close(1006);
    await vi.advanceTimersByTimeAsync(10);
    latest().ready();
    expect(latest().sent).toEqual([{ type: 'send', ref: 'c1', conversationId: 'conv-1', clientMessageId: 'c1', text: 'Is there parking?' }]);
    latest().server({ type: 'ack', ref: 'c1', conversationId: 'conv-1', seq: 3, clientMessageId: 'c1', duplicate: true });
    expect(connection.pendingOf('conv-1')).toEqual([]);
  });

  it('shows a refused message with the reason, sends it again on request, or forgets it', () => {
    const { connection, latest } = setup();
    latest().ready();
    connection.send('conv-1', 'hello');
    latest().server({ type: 'error', ref: 'c1', status: 429, code: 'rate_limited', detail: 'Too many messages: wait 3 s', conversationId: 'conv-1' });
    expect(connection.pendingOf('conv-1')).toEqual([{ conversationId: 'conv-1', clientMessageId: 'c1', text: 'hello', failed: 'Too many messages: wait 3 s' }]);
    connection.retry('c1');
    expect(latest().sent.at(-1)).toEqual({ type: 'send', ref: 'c1', conversationId: 'conv-1', clientMessageId: 'c1', text: 'hello' });
    expect(connection.pendingOf('conv-1')[0]?.failed).toBeUndefined();
    latest().server({ type: 'error', ref: 'c1', status: 429, code: 'rate_limited', detail: 'again', conversationId: 'conv-1' });
    connection.discard('c1');
    expect(connection.pendingOf('conv-1')).toEqual([]);
  });

  it('drops the socket when the browser goes offline and tries again at once when it is back', () => {
    const { connection, sockets, latest } = setup();
    latest().ready();
    connection.wentOffline();
    expect(connection.status).toBe('offline');
    connection.cameOnline();
    expect(sockets).toHaveLength(2);
    expect(connection.status).toBe('connecting');
  });

  it('unsubscribes when the last follower leaves, and stops for good when closed', async () => {
    vi.useFakeTimers();
    const { connection, sockets, latest } = setup();
    latest().ready();
    const stop = connection.follow('conv-1', 2, { onEvent: () => undefined });
    stop();
    expect(latest().sent.at(-1)).toEqual({ type: 'unsubscribe', conversationId: 'conv-1' });
    connection.close();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sockets).toHaveLength(1);
  });
});
