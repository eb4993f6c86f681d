import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSocket, type SocketClient } from '@stayhub/chat/testing';
import { createPool, PostgresEventStore, type Pool } from '@stayhub/event-sourcing';
import { jwtTokens } from '@stayhub/http-kit';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { freePort, secrets, startApp, type AppProcess } from '../resilience/processes.ts';

/*
 * The chat process is SIGKILLed while two parties write to each other as fast as their acks come
 * back, then restarted, three times. Every acknowledged message is stored afterwards, at the
 * sequence its ack named, the conversation's sequences run without a gap, and no message is
 * stored twice. Only the chat runs: command-api and query-api are not there at all.
 */
const CYCLES = 3;
const ACKS_PER_CYCLE = 40;

let platformPool: Pool;
let chatPool: Pool;
let platform: PostgresEventStore;
let chatStore: PostgresEventStore;
let env: Record<string, string>;
let port: number;
let app: AppProcess | undefined;

const tokens = jwtTokens(secrets.JWT_SECRET, 60);
const guest = { userId: `g-${randomUUID()}`, role: 'guest' as const, email: 'g@crash.test' };
const host = { userId: `h-${randomUUID()}`, role: 'host' as const, email: 'h@crash.test' };
const bookingId = randomUUID();
const conversationId = `booking-${bookingId}`;

beforeAll(async () => {
  const platformUrl = await testDatabaseUrl();
  const chatUrl = await testDatabaseUrl();
  platformPool = createPool(platformUrl, 2);
  chatPool = createPool(chatUrl, 2);
  platform = await PostgresEventStore.create(platformPool);
  const at = new Date().toISOString();
  await platform.append(
    `booking-${bookingId}`,
    [{ eventId: randomUUID(), type: 'BookingRequested', data: { bookingId, guestId: guest.userId, hostId: host.userId, listingId: 'l-1', at } }],
    'no_stream',
  );
  port = await freePort();
  env = { DATABASE_URL: platformUrl, CHAT_DATABASE_URL: chatUrl, CHAT_PORT: String(port), CHAT_RATE_LIMIT_MESSAGES: '100000' };
});
afterAll(async () => {
  app?.child.kill('SIGKILL');
  await chatStore?.close();
  await platform?.close();
  await chatPool?.end();
  await platformPool?.end();
});

describe('SIGKILL of the chat process mid-stream', () => {
  it(`${CYCLES} kill/restart cycles: every acknowledged message is stored at its sequence, with no gap and nothing twice`, async () => {
    const acked = new Map<string, number>();
    let sent = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      app = await startApp('chat/src/main.ts', env, { port });
      const open = async () => {
        for (;;) {
          const response = await fetch(`${app!.url}/conversations/${conversationId}/messages?limit=1`, {
            headers: { authorization: `Bearer ${await tokens.issue(guest)}` },
          });
          if (response.status === 200) return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      await open();
      const sockets: SocketClient[] = await Promise.all([guest, host].map(async (who) => connectSocket(`ws://127.0.0.1:${port}/ws`, await tokens.issue(who))));
      // Each party writes without waiting for acks, as fast as the socket takes frames.
      const writers = sockets.map((socket, i) =>
        (async () => {
          while (!socket.closed()) {
            const clientMessageId = `c${cycle}-p${i}-${sent++}`;
            socket.send({ type: 'send', ref: clientMessageId, conversationId, clientMessageId, text: clientMessageId });
            await new Promise((resolve) => setTimeout(resolve, 2));
          }
        })(),
      );
      const collect = () => {
        for (const socket of sockets)
          for (const frame of socket.frames) if (frame.type === 'ack' && frame.clientMessageId) acked.set(frame.clientMessageId, frame.seq);
      };
      const target = acked.size + ACKS_PER_CYCLE;
      const ackedSoFar = () => {
        collect();
        return acked.size;
      };
      await expect.poll(ackedSoFar, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(target);
      app.child.kill('SIGKILL');
      expect((await app.exited).signal).toBe('SIGKILL');
      await Promise.all(writers);
      collect();
      app = undefined;
    }

    chatStore = new PostgresEventStore(chatPool);
    const { events } = await chatStore.readStream(`conversation-${conversationId}`);
    expect(events.map((event) => event.streamRevision)).toEqual(events.map((_, i) => i));
    const stored = new Map<string, number>();
    for (const event of events) {
      if (event.type !== 'MessageSent') continue;
      const id = (event.data as { clientMessageId: string }).clientMessageId;
      expect(stored.has(id), `${id} stored twice`).toBe(false);
      stored.set(id, event.streamRevision);
    }
    expect(acked.size).toBeGreaterThanOrEqual(CYCLES * ACKS_PER_CYCLE);
    for (const [id, seq] of acked) expect(stored.get(id), id).toBe(seq);
  });
});
