// Test-only: a chat server in this process on fresh databases, with a platform event store that
// tests write booking, user and listing events into (as command-api would).
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { createPool, PostgresEventStore, type Pool } from '@stayhub/event-sourcing';
import { jwtTokens, type AuthUser, type Role } from '@stayhub/http-kit';
import { type ChatSettings } from '@stayhub/platform-kit';
import { SimulatedMailServer } from '@stayhub/notifications/testing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { composeChat, type Chat } from '../compose.ts';
import { createChatServer } from '../server.ts';
import type { ServerFrame, WireEvent } from '../realtime/protocol.ts';
import { testLogLevel } from '@stayhub/platform-kit/testing';

const JWT_SECRET = 'chat-test-secret-chat-test-secret-0123456789';
const tokens = jwtTokens(JWT_SECRET, 60);

export type Person = AuthUser & { token: string; name: string };

export const person = async (role: Role, name = `${role}-${randomUUID().slice(0, 8)}`): Promise<Person> => {
  const userId = `u-${randomUUID()}`;
  const user = { userId, role, email: `${name.toLowerCase().replace(/\W+/g, '.')}.${userId.slice(2, 10)}@chat.test` };
  return { ...user, name, token: await tokens.issue(user) };
};

export type ChatStack = Awaited<ReturnType<typeof startChat>>;

/** A chat on fresh databases; with `joining`, a second chat process on the same databases as another. */
export const startChat = async (settings: Partial<ChatSettings & { REDIS_URL: string }> = {}, joining?: { chatUrl: string; platform: PostgresEventStore }) => {
  const chatUrl = joining?.chatUrl ?? (await testDatabaseUrl());
  const platformPool: Pool | undefined = joining ? undefined : createPool(await testDatabaseUrl(), 4);
  const platform = joining?.platform ?? (await PostgresEventStore.create(platformPool!, { pollIntervalMs: 50 }));
  const mail = new SimulatedMailServer();
  let chat: Chat = await composeChat({
    chatDatabaseUrl: chatUrl,
    platform: { store: platform },
    config: { LOG_LEVEL: testLogLevel, JWT_SECRET, JWT_TTL_MINUTES: 60, CHAT_RATE_LIMIT_MESSAGES: 1_000, ...settings },
    notifier: mail,
    pollIntervalMs: 50,
  });
  let stop = new AbortController();
  let background = chat.run(stop.signal);
  let server = createChatServer(chat.deps);
  await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
  const port = () => (server.server.address() as AddressInfo).port;

  const append = (streamId: string, type: string, data: Record<string, unknown>) =>
    platform.append(streamId, [{ eventId: randomUUID(), type, data: { at: new Date().toISOString(), ...data } }], 'any');

  const stack = {
    mail,
    chatUrl,
    url: () => `http://127.0.0.1:${port()}`,
    deps: () => chat.deps,
    platform,
    append,
    /** Registers two people and a listing, then a booking request between them: the booking's conversation opens. */
    async booking(options: { title?: string } = {}) {
      const guest = await person('guest', 'Gail Guest');
      const host = await person('host', 'Hank Host');
      const listingId = `l-${randomUUID()}`;
      const bookingId = `b-${randomUUID()}`;
      for (const who of [guest, host])
        await append(`user-${who.userId}`, 'UserRegistered', { userId: who.userId, email: who.email, name: who.name, role: who.role });
      await append(`listing-${listingId}`, 'ListingCreated', {
        listingId,
        hostId: host.userId,
        kind: 'rental',
        details: { title: options.title ?? 'Loft by the canal' },
      });
      await append(`booking-${bookingId}`, 'BookingRequested', { bookingId, guestId: guest.userId, hostId: host.userId, listingId });
      const conversationId = `booking-${bookingId}`;
      await stack.conversationAt(conversationId, 1);
      return { guest, host, listingId, bookingId, conversationId };
    },
    /** A booking event on the booking's stream (its revision is the stream's next). */
    async bookingEvent(bookingId: string, type: string, expectedHead: number) {
      await append(`booking-${bookingId}`, type, { bookingId });
      await stack.conversationAt(`booking-${bookingId}`, expectedHead);
    },
    /** Waits until a conversation's stream reaches a sequence. */
    async conversationAt(conversationId: string, seq: number, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { revision } = await chat.deps.store.readStream(`conversation-${conversationId}`, { fromRevision: Number.MAX_SAFE_INTEGER });
        if (revision >= seq) return;
        if (Date.now() > deadline) throw new Error(`conversation ${conversationId} stays at ${revision}, expected ${seq}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async http(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
      const response = await fetch(`${stack.url()}${path}`, {
        method,
        headers: {
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
      });
      const text = await response.text();
      let body: any = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON
      }
      return { status: response.status, body, headers: response.headers };
    },
    socket: (token: string) => connectSocket(`ws://127.0.0.1:${port()}/ws`, token),
    /** Stops and restarts the chat (same databases), as a process restart would. */
    async restart() {
      await stack.stopChat();
      chat = await composeChat({
        chatDatabaseUrl: chatUrl,
        platform: { store: platform },
        config: { LOG_LEVEL: testLogLevel, JWT_SECRET, JWT_TTL_MINUTES: 60, CHAT_RATE_LIMIT_MESSAGES: 1_000, ...settings },
        notifier: mail,
        pollIntervalMs: 50,
      });
      stop = new AbortController();
      background = chat.run(stop.signal);
      const previous = port();
      server = createChatServer(chat.deps);
      await new Promise<void>((resolve) => server.server.listen(previous, '127.0.0.1', resolve));
    },
    async stopChat() {
      stop.abort();
      await server.close();
      await background;
      await chat.close();
    },
    async close() {
      await stack.stopChat();
      if (!platformPool) return;
      await platform.close();
      await platformPool.end();
    },
  };
  return stack;
};

/** A WebSocket client that records every frame and waits for the ones a test expects. */
export const connectSocket = async (url: string, token: string) => {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  const frames: ServerFrame[] = [];
  const waiters = new Set<() => void>();
  let closed: { code: number; reason: string } | undefined;
  ws.on('message', (data) => {
    frames.push(JSON.parse(data.toString()) as ServerFrame);
    for (const wake of waiters) wake();
  });
  ws.on('close', (code, reason) => {
    closed = { code, reason: reason.toString() };
    for (const wake of waiters) wake();
  });
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
  let refs = 0;
  const client = {
    ws,
    frames,
    closed: () => closed,
    send: (frame: unknown) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    waitFor: <F extends ServerFrame>(predicate: (frame: ServerFrame) => boolean, timeoutMs = 20_000): Promise<F> =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.find(predicate);
          if (found) {
            done();
            resolve(found as F);
          } else if (closed) {
            done();
            reject(new Error(`socket closed (${closed.code} ${closed.reason}) before the frame came`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no such frame within ${timeoutMs} ms; got ${JSON.stringify(frames.slice(-5))}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    /** Sends a frame with a fresh `ref` and waits for its answer (ack, subscribed, pong or error). */
    async request(frame: Record<string, unknown>) {
      const ref = `r${++refs}`;
      client.send({ ...frame, ref });
      return client.waitFor<ServerFrame & { ref: string }>((f) => 'ref' in f && f.ref === ref);
    },
    events: (conversationId: string): WireEvent[] =>
      frames.flatMap((frame) => (frame.type === 'event' && frame.event.conversationId === conversationId ? [frame.event] : [])),
    async waitForSeq(conversationId: string, seq: number, timeoutMs?: number) {
      await client.waitFor((f) => f.type === 'event' && f.event.conversationId === conversationId && f.event.seq >= seq, timeoutMs);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
    terminate: () => ws.terminate(),
  };
  await client.waitFor((f) => f.type === 'ready');
  return client;
};
export type SocketClient = Awaited<ReturnType<typeof connectSocket>>;
