import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeChat, createChatServer, type Chat, type ChatServer } from '@stayhub/chat';
import { connectSocket } from '@stayhub/chat/testing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { startStack, type Stack } from '../harness.ts';
import { day, publishedListing, register, waitUntil } from '../fixtures.ts';
import { testLogLevel } from '@stayhub/platform-kit/testing';

/*
 * Chat and booking share nothing at run time but the platform's events: the chat has its own
 * process, pool and database. With the chat down, booking and search go on; with command-api and
 * query-api down, the chat still delivers; a chat that comes back catches up with the bookings
 * made meanwhile.
 */
let stack: Stack;
let chatDatabaseUrl: string;
let chat: { chat: Chat; server: ChatServer; stop: AbortController; running: Promise<void>; url: string } | undefined;

const startChat = async () => {
  const composed = await composeChat({
    chatDatabaseUrl,
    platform: { store: stack.side.deps.eventStore },
    config: { LOG_LEVEL: testLogLevel, JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789', JWT_TTL_MINUTES: 60, CHAT_RATE_LIMIT_MESSAGES: 1_000 },
    pollIntervalMs: 50,
  });
  const stop = new AbortController();
  const running = composed.run(stop.signal);
  const server = createChatServer(composed.deps);
  await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
  chat = { chat: composed, server, stop, running, url: `127.0.0.1:${(server.server.address() as AddressInfo).port}` };
};
const stopChat = async () => {
  if (!chat) return;
  chat.stop.abort();
  await chat.server.close();
  await chat.running;
  await chat.chat.close();
  chat = undefined;
};
const chatGet = async (path: string, token: string) => {
  const response = await fetch(`http://${chat!.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as any };
};

beforeAll(async () => {
  stack = await startStack();
  chatDatabaseUrl = await testDatabaseUrl();
});
afterAll(async () => {
  await stopChat();
  await stack?.stop();
});

const book = async (listingId: string, guestToken: string, from: number) => {
  const booked = await stack.command.post(
    '/bookings',
    { listingId, checkIn: day(stack, from), checkOut: day(stack, from + 2), guests: 2, paymentMethod: 'tok_visa' },
    { token: guestToken },
  );
  expect(booked.status, JSON.stringify(booked.body)).toBe(201);
  await waitUntil(
    () => stack.query.get(`/bookings/${booked.body.bookingId}`, { token: guestToken }),
    (r) => r.body?.status === 'confirmed',
    20_000,
  );
  return booked.body.bookingId as string;
};
const notices = async (conversationId: string, token: string) =>
  (await chatGet(`/conversations/${conversationId}/messages`, token)).body.events?.flatMap((e: { type: string; data: { notice?: string } }) =>
    e.type === 'SystemMessagePosted' ? [e.data.notice] : [],
  ) ?? [];

describe('chat and booking are isolated both ways', () => {
  it('with the chat down, a guest searches and books; the chat, started later, opens the conversation with its system messages', async () => {
    const host = await register(stack, 'host', 'Hana');
    const guest = await register(stack, 'guest', 'Gus');
    const { listingId, consistencyToken } = await publishedListing(stack, host);
    const search = await stack.query.get(`/listings/search?q=sunny&after=${consistencyToken}`);
    expect(search.body.items.map((i: { listingId: string }) => i.listingId)).toContain(listingId);
    const bookingId = await book(listingId, guest.token, 10);

    await startChat();
    const conversationId = `booking-${bookingId}`;
    await waitUntil(
      () => notices(conversationId, guest.token),
      (n) => n.includes('confirmed'),
      20_000,
    );
    expect(await notices(conversationId, guest.token)).toEqual(['requested', 'confirmed']);
    const list = await waitUntil(
      () => chatGet('/me/conversations', guest.token),
      (r) => r.body.conversations?.length === 1,
      20_000,
    );
    expect(list.body.conversations[0]).toMatchObject({
      conversationId,
      listingTitle: 'Sunny flat by the river',
      otherParty: { userId: host.userId, firstName: 'Hana' },
    });

    // command-api and query-api go down: the chat still delivers, and contact details show (the booking is confirmed).
    await stack.stopCommandApi();
    await stack.stopQueryApi();
    const guestSocket = await connectSocket(`ws://${chat!.url}/ws`, guest.token);
    const hostSocket = await connectSocket(`ws://${chat!.url}/ws`, host.token);
    await guestSocket.request({ type: 'subscribe', conversationId });
    await hostSocket.request({ type: 'subscribe', conversationId });
    const ack = await guestSocket.request({ type: 'send', conversationId, clientMessageId: 'c1', text: 'Arriving at 6, my number is +351 912 345 678' });
    expect(ack.type).toBe('ack');
    await hostSocket.waitForSeq(conversationId, (ack as { seq: number }).seq);
    expect(hostSocket.events(conversationId).at(-1)?.data).toMatchObject({ text: 'Arriving at 6, my number is +351 912 345 678', senderId: guest.userId });
    await Promise.all([guestSocket.close(), hostSocket.close()]);

    // the chat goes down; booking works again without it, and the chat catches up when back
    await stopChat();
    await stack.startCommandApi();
    await stack.startQueryApi();
    const second = await book(listingId, guest.token, 20);
    await startChat();
    await waitUntil(
      () => notices(`booking-${second}`, guest.token),
      (n) => n.includes('confirmed'),
      20_000,
    );
    expect(await notices(conversationId, guest.token)).toEqual(['requested', 'confirmed']);
  });
});
