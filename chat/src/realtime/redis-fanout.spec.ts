import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAnswers } from '@stayhub/event-sourcing';
import { startChat, type ChatStack } from '../testing/harness.ts';

// Two chat processes on one chat database, fanning out through Redis (REDIS_URL, by default 127.0.0.1:6379).
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const skip = (await redisAnswers(url)) ? undefined : `REDIS_URL (no Redis answered at ${url})`;

describe.skipIf(Boolean(skip))(`chat fan-out through Redis${skip ? ` (skipped: set ${skip})` : ''}`, () => {
  let first: ChatStack;
  let second: ChatStack;
  beforeAll(async () => {
    first = await startChat({ CHAT_FANOUT: 'redis', REDIS_URL: url });
    second = await startChat({ CHAT_FANOUT: 'redis', REDIS_URL: url }, first);
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('a guest on one process and the host on another see each other’s messages and typing, in one order', async () => {
    const { guest, host, conversationId } = await first.booking();
    const guestSocket = await first.socket(guest.token);
    const hostSocket = await second.socket(host.token);
    await guestSocket.request({ type: 'subscribe', conversationId, after: -1 });
    await hostSocket.request({ type: 'subscribe', conversationId, after: -1 });
    const sends = [];
    for (let i = 0; i < 20; i++) {
      const [socket, who] = i % 2 === 0 ? [guestSocket, 'guest'] : [hostSocket, 'host'];
      sends.push(socket.request({ type: 'send', conversationId, clientMessageId: `m${i}`, text: `${who} ${i}` }));
    }
    await Promise.all(sends);
    await guestSocket.waitForSeq(conversationId, 21);
    await hostSocket.waitForSeq(conversationId, 21);
    const order = (socket: typeof guestSocket) => socket.events(conversationId).map((event) => `${event.seq} ${event.type}`);
    expect(order(guestSocket)).toEqual(order(hostSocket));
    expect(guestSocket.events(conversationId).map((event) => event.seq)).toEqual(Array.from({ length: 22 }, (_, i) => i));
    hostSocket.send({ type: 'typing', conversationId });
    await guestSocket.waitFor((frame) => frame.type === 'typing' && frame.userId === host.userId);
    await Promise.all([guestSocket.close(), hostSocket.close()]);
  });

  it('a recipient online on another process gets no offline notification; once gone, they get one', async () => {
    const { guest, host, conversationId } = await first.booking();
    const hostSocket = await second.socket(host.token);
    await hostSocket.request({ type: 'subscribe', conversationId });
    const notifications = async () => (await first.http('GET', '/me/notifications', { token: host.token })).body.notifications;
    const unread = async () => (await first.http('GET', '/me/conversations', { token: host.token })).body.conversations[0]?.unread;

    // Both processes' inboxes follow the chat store; the first's has no socket of the host's.
    await first.http('POST', `/conversations/${conversationId}/messages`, { token: guest.token, body: { text: 'online?' } });
    await hostSocket.waitForSeq(conversationId, 2);
    await expect.poll(unread, { timeout: 20_000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await notifications()).toEqual([]);

    await hostSocket.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await first.http('POST', `/conversations/${conversationId}/messages`, { token: guest.token, body: { text: 'gone?' } });
    await expect.poll(notifications, { timeout: 20_000 }).toHaveLength(1);
    expect((await notifications())[0]).toMatchObject({ conversationId, seq: 3, preview: 'gone?' });
  });
});
