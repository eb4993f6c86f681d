import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsText } from '@stayhub/platform-kit';
import { person, startChat, type ChatStack, type SocketClient } from '../testing/harness.ts';

let stack: ChatStack;
beforeAll(async () => {
  stack = await startChat();
});
afterAll(async () => {
  await stack?.close();
});

const texts = (client: SocketClient, conversationId: string) =>
  client.events(conversationId).flatMap((event) => (event.type === 'MessageSent' ? [(event.data as { text: string }).text] : []));
const sequences = (client: SocketClient, conversationId: string) => client.events(conversationId).map((event) => event.seq);

describe('delivery over WebSocket', () => {
  it('two clients exchange messages in order; one reconnects with its last sequence and gets what it missed, once', async () => {
    const { guest, host, conversationId } = await stack.booking();
    const guestSocket = await stack.socket(guest.token);
    const hostSocket = await stack.socket(host.token);
    expect(await guestSocket.request({ type: 'subscribe', conversationId, after: -1 })).toMatchObject({ type: 'subscribed', head: 1 });
    expect(await hostSocket.request({ type: 'subscribe', conversationId, after: -1 })).toMatchObject({ type: 'subscribed', head: 1 });

    for (let i = 0; i < 5; i++) {
      const [from, to] = i % 2 === 0 ? [guestSocket, hostSocket] : [hostSocket, guestSocket];
      const ack = await from.request({ type: 'send', conversationId, clientMessageId: `m${i}`, text: `message ${i}` });
      expect(ack).toMatchObject({ type: 'ack', conversationId, seq: 2 + i, clientMessageId: `m${i}` });
      await to.waitForSeq(conversationId, 2 + i);
    }
    expect(texts(hostSocket, conversationId)).toEqual(['message 0', 'message 1', 'message 2', 'message 3', 'message 4']);
    expect(sequences(guestSocket, conversationId)).toEqual([0, 1, 2, 3, 4, 5, 6]);

    const lastSeen = Math.max(...sequences(hostSocket, conversationId));
    hostSocket.terminate();
    for (let i = 5; i < 12; i++) await guestSocket.request({ type: 'send', conversationId, clientMessageId: `m${i}`, text: `message ${i}` });

    const again = await stack.socket(host.token);
    await again.request({ type: 'subscribe', conversationId, after: lastSeen });
    await again.waitForSeq(conversationId, 13);
    await guestSocket.request({ type: 'send', conversationId, clientMessageId: 'm12', text: 'message 12' });
    await again.waitForSeq(conversationId, 14);
    expect(sequences(again, conversationId)).toEqual([7, 8, 9, 10, 11, 12, 13, 14]);
    expect(texts(again, conversationId)).toEqual(['message 5', 'message 6', 'message 7', 'message 8', 'message 9', 'message 10', 'message 11', 'message 12']);
    await Promise.all([guestSocket.close(), again.close()]);
  });

  it('a message resent after a lost ack is stored once and acknowledged with its first sequence', async () => {
    const { guest, conversationId } = await stack.booking();
    const socket = await stack.socket(guest.token);
    const first = await socket.request({ type: 'send', conversationId, clientMessageId: 'same', text: 'only once' });
    const again = await socket.request({ type: 'send', conversationId, clientMessageId: 'same', text: 'only once' });
    expect(again).toMatchObject({ type: 'ack', seq: (first as { seq: number }).seq, duplicate: true });
    const page = await stack.http('GET', `/conversations/${conversationId}/messages`, { token: guest.token });
    expect(page.body.events.filter((event: { type: string }) => event.type === 'MessageSent')).toHaveLength(1);
    await socket.close();
  });

  it('200 concurrent senders in one conversation: every client sees one identical total order, without gap', async () => {
    const { guest, host, conversationId } = await stack.booking();
    const SENDERS = 200;
    const PER_SENDER = 3;
    const sockets = await Promise.all(Array.from({ length: SENDERS }, (_, i) => stack.socket((i % 2 === 0 ? guest : host).token)));
    await Promise.all(sockets.map((socket) => socket.request({ type: 'subscribe', conversationId, after: 1 })));
    const acks = await Promise.all(
      sockets.map(async (socket, i) => {
        const seqs: number[] = [];
        for (let n = 0; n < PER_SENDER; n++) {
          const ack = await socket.request({ type: 'send', conversationId, clientMessageId: `s${i}-${n}`, text: `from ${i} #${n}` });
          expect(ack.type).toBe('ack');
          seqs.push((ack as { seq: number }).seq);
        }
        return seqs;
      }),
    );
    const last = 1 + SENDERS * PER_SENDER;
    expect(new Set(acks.flat()).size).toBe(SENDERS * PER_SENDER);
    await Promise.all(sockets.map((socket) => socket.waitForSeq(conversationId, last, 60_000)));
    const reference = sockets[0]!.events(conversationId).map((event) => `${event.seq}:${(event.data as { text: string }).text}`);
    expect(reference).toHaveLength(SENDERS * PER_SENDER);
    expect(sockets[0]!.events(conversationId).map((event) => event.seq)).toEqual(Array.from({ length: SENDERS * PER_SENDER }, (_, i) => i + 2));
    for (const socket of sockets)
      expect(socket.events(conversationId).map((event) => `${event.seq}:${(event.data as { text: string }).text}`)).toEqual(reference);
    // each sender's own messages keep the order it sent them in
    for (const seqs of acks) expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    await Promise.all(sockets.map((socket) => socket.close()));
  });

  it('typing reaches the other party, is not stored, and is not echoed to the typist', async () => {
    const { guest, host, conversationId } = await stack.booking();
    const guestSocket = await stack.socket(guest.token);
    const hostSocket = await stack.socket(host.token);
    await guestSocket.request({ type: 'subscribe', conversationId });
    await hostSocket.request({ type: 'subscribe', conversationId });
    guestSocket.send({ type: 'typing', conversationId });
    await hostSocket.waitFor((frame) => frame.type === 'typing' && frame.userId === guest.userId);
    await guestSocket.request({ type: 'ping' });
    expect(guestSocket.frames.some((frame) => frame.type === 'typing')).toBe(false);
    const page = await stack.http('GET', `/conversations/${conversationId}/messages`, { token: guest.token });
    expect(page.body.head).toBe(1);
    await Promise.all([guestSocket.close(), hostSocket.close()]);
  });

  it('a read receipt reaches the other party as an event', async () => {
    const { guest, host, conversationId } = await stack.booking();
    const guestSocket = await stack.socket(guest.token);
    await guestSocket.request({ type: 'subscribe', conversationId });
    const sent = await guestSocket.request({ type: 'send', conversationId, clientMessageId: 'q', text: 'Parking?' });
    const hostSocket = await stack.socket(host.token);
    await hostSocket.request({ type: 'subscribe', conversationId, after: -1 });
    const seq = (sent as { seq: number }).seq;
    expect(await hostSocket.request({ type: 'read', conversationId, upTo: seq })).toMatchObject({ type: 'ack', seq: seq + 1 });
    await guestSocket.waitFor((frame) => frame.type === 'event' && frame.event.type === 'MessagesRead');
    expect(guestSocket.events(conversationId).at(-1)).toMatchObject({ seq: seq + 1, type: 'MessagesRead', data: { readerId: host.userId, upTo: seq } });
    await Promise.all([guestSocket.close(), hostSocket.close()]);
  });

  it('someone who is not a party cannot subscribe; an anonymous upgrade is refused with 401', async () => {
    const { conversationId } = await stack.booking();
    const stranger = await person('guest');
    const socket = await stack.socket(stranger.token);
    expect(await socket.request({ type: 'subscribe', conversationId })).toMatchObject({ type: 'error', status: 403, code: 'NOT_CONVERSATION_PARTY' });
    await socket.close();
    await expect(stack.socket('not-a-token')).rejects.toMatchObject({ status: 401 });
  });

  it('metrics: sockets open now, opened, closed by code, and events delivered to each subscribed socket', async () => {
    const value = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await metricsText())?.[1] ?? 0);
    const before = {
      open: await value('chat_connections'),
      opened: await value('chat_connections_opened_total'),
      delivered: await value('chat_events_delivered_total'),
    };
    const { guest, host, conversationId } = await stack.booking();
    const guestSocket = await stack.socket(guest.token);
    const hostSocket = await stack.socket(host.token);
    expect(await value('chat_connections')).toBe(before.open + 2);
    expect(await value('chat_connections_opened_total')).toBe(before.opened + 2);
    await guestSocket.request({ type: 'subscribe', conversationId, after: -1 });
    await hostSocket.request({ type: 'subscribe', conversationId, after: -1 });
    await guestSocket.request({ type: 'send', conversationId, clientMessageId: 'metered', text: 'counted' });
    await hostSocket.waitForSeq(conversationId, 2);
    await guestSocket.waitForSeq(conversationId, 2);
    // Each socket got the conversation's two events on subscribing, then the message: 3 each.
    expect(await value('chat_events_delivered_total')).toBe(before.delivered + 6);
    await hostSocket.close();
    await expect.poll(() => value('chat_connections')).toBe(before.open + 1);
    expect(await metricsText()).toMatch(/^chat_connections_closed_total\{code="\d+"\} [1-9]/m);
    await guestSocket.close();
    // Operators' figures: not the public's, nor a guest's (METRICS_PORT serves them to Prometheus).
    expect((await stack.http('GET', '/metrics')).status).toBe(401);
    expect((await stack.http('GET', '/metrics', { token: guest.token })).status).toBe(403);
  });
});
