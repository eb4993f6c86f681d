import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat } from '@stayhub/domain';
import { person, startChat, type ChatStack, type Person } from '../testing/harness.ts';

let stack: ChatStack;
beforeAll(async () => {
  stack = await startChat({ CHAT_RATE_LIMIT_MESSAGES: 1_000 });
});
afterAll(async () => {
  await stack?.close();
});

const problem = (status: number, extra: Record<string, unknown> = {}) => ({ status, body: expect.objectContaining({ status, ...extra }) });

describe('authorization: conversations × callers', () => {
  type Caller = 'guest' | 'host' | 'other guest' | 'other host' | 'admin' | 'anonymous';
  const expectations: Record<Caller, { read: number; write: number; markRead: number }> = {
    guest: { read: 200, write: 201, markRead: 200 },
    host: { read: 200, write: 201, markRead: 200 },
    'other guest': { read: 403, write: 403, markRead: 403 },
    'other host': { read: 403, write: 403, markRead: 403 },
    admin: { read: 200, write: 403, markRead: 403 },
    anonymous: { read: 401, write: 401, markRead: 401 },
  };
  let callers: Record<Caller, Person | undefined>;
  let conversations: Record<'booking' | 'inquiry', string>;

  beforeAll(async () => {
    const booking = await stack.booking();
    const inquirer = await person('guest', 'Ivy Inquirer');
    await stack.append(`user-${inquirer.userId}`, 'UserRegistered', { userId: inquirer.userId, email: inquirer.email, name: inquirer.name, role: 'guest' });
    const opened = await stack.http('POST', `/listings/${booking.listingId}/inquiries`, { token: inquirer.token, body: { text: 'Is it free in May?' } });
    expect(opened.status).toBe(201);
    conversations = { booking: booking.conversationId, inquiry: opened.body.conversationId };
    callers = {
      guest: booking.guest,
      host: booking.host,
      'other guest': await person('guest'),
      'other host': await person('host'),
      admin: await person('admin'),
      anonymous: undefined,
    };
    // The booking's guest is not the inquiry's: the inquiry's guest plays "guest" there.
    inquiryGuest = inquirer;
  });
  let inquiryGuest: Person;
  const callerFor = (conversation: 'booking' | 'inquiry', caller: Caller) =>
    conversation === 'inquiry' && caller === 'guest' ? inquiryGuest : callers[caller];

  const rows = (['booking', 'inquiry'] as const).flatMap((conversation) => (Object.keys(expectations) as Caller[]).map((caller) => ({ conversation, caller })));
  it.each(rows)('$conversation conversation, $caller', async ({ conversation, caller }) => {
    const who = callerFor(conversation, caller);
    const id = conversations[conversation];
    const token = who?.token;
    const expected = expectations[caller];
    const read = await stack.http('GET', `/conversations/${id}/messages`, { token });
    expect(read.status).toBe(expected.read);
    const write = await stack.http('POST', `/conversations/${id}/messages`, { token, body: { text: `hello from ${caller}` } });
    expect(write.status).toBe(expected.write);
    if (write.status >= 400) expect(write.headers.get('content-type')).toContain('application/problem+json');
    const markRead = await stack.http('POST', `/conversations/${id}/read`, { token, body: { upTo: 0 } });
    expect(markRead.status).toBe(expected.markRead);
    if (who && caller !== 'anonymous') {
      const socket = await stack.socket(who.token);
      const answer = await socket.request({ type: 'subscribe', conversationId: id });
      expect(answer.type).toBe(expected.read === 200 ? 'subscribed' : 'error');
      await socket.close();
    }
  });

  it('an unknown conversation is a 404; a malformed id a 400', async () => {
    expect(await stack.http('GET', '/conversations/booking-nope/messages', { token: callers.guest!.token })).toMatchObject(
      problem(404, { code: 'CONVERSATION_NOT_FOUND' }),
    );
    expect(await stack.http('GET', '/conversations/bad%20id/messages', { token: callers.guest!.token })).toMatchObject(problem(400));
  });
});

describe('masking of contact details', () => {
  it('hides e-mail addresses, phone numbers and links until the booking is confirmed, then shows them; a cancellation hides them again', async () => {
    const { guest, host, bookingId, conversationId } = await stack.booking();
    const contact = 'mail ann@example.com, call +33 6 12 34 56 78, see https://example.com/pay';
    const before = await stack.http('POST', `/conversations/${conversationId}/messages`, { token: guest.token, body: { text: contact } });
    expect(before.status).toBe(201);
    await stack.bookingEvent(bookingId, 'BookingApproved', 3);
    const approved = await stack.http('POST', `/conversations/${conversationId}/messages`, { token: host.token, body: { text: contact } });
    await stack.bookingEvent(bookingId, 'BookingConfirmed', 5);
    const after = await stack.http('POST', `/conversations/${conversationId}/messages`, { token: host.token, body: { text: contact } });
    await stack.bookingEvent(bookingId, 'BookingCancelled', 7);
    const cancelled = await stack.http('POST', `/conversations/${conversationId}/messages`, { token: guest.token, body: { text: contact } });

    const page = await stack.http('GET', `/conversations/${conversationId}/messages`, { token: guest.token });
    const text = (seq: number) => page.body.events.find((event: { seq: number }) => event.seq === seq).data.text;
    const masked = `mail ${chat.HIDDEN.email}, call ${chat.HIDDEN.phone}, see ${chat.HIDDEN.link}`;
    expect(text(before.body.seq)).toBe(masked);
    expect(text(approved.body.seq)).toBe(masked);
    expect(text(after.body.seq)).toBe(contact);
    expect(text(cancelled.body.seq)).toBe(masked);
    expect(
      page.body.events
        .filter((event: { type: string }) => event.type === 'SystemMessagePosted')
        .map((event: { data: { notice: string } }) => event.data.notice),
    ).toEqual(['requested', 'approved', 'confirmed', 'cancelled']);
  });
});

describe('HTTP routes', () => {
  it('GET /me/conversations: latest activity first, unread counts, the other party’s first name and the listing title', async () => {
    const first = await stack.booking({ title: 'Cabin in the woods' });
    const second = await stack.booking({ title: 'Flat on the square' });
    await stack.http('POST', `/conversations/${first.conversationId}/messages`, { token: first.host.token, body: { text: 'Welcome!' } });
    await stack.http('POST', `/conversations/${first.conversationId}/messages`, { token: first.host.token, body: { text: 'Any questions?' } });
    const list = async () => (await stack.http('GET', '/me/conversations', { token: first.guest.token })).body.conversations;
    await expect.poll(async () => (await list())[0]?.unread, { timeout: 20_000 }).toBe(2);
    expect(await list()).toEqual([
      expect.objectContaining({
        conversationId: first.conversationId,
        kind: 'booking',
        bookingId: first.bookingId,
        listingTitle: 'Cabin in the woods',
        role: 'guest',
        otherParty: { userId: first.host.userId, firstName: 'Hank' },
        unread: 2,
        lastSeq: 3,
      }),
    ]);
    // a host who changes their name is shown by the new one (twice: the directory's update is idempotent)
    for (let i = 0; i < 2; i++) {
      await stack.append(`user-${first.host.userId}`, 'UserProfileChanged', {
        userId: first.host.userId,
        changes: { name: 'Henrietta Host' },
        at: new Date().toISOString(),
      });
    }
    await expect.poll(async () => (await list())[0]?.otherParty.firstName, { timeout: 20_000 }).toBe('Henrietta');
    // a changed email is where the chat's mails go from then on
    await stack.append(`user-${first.host.userId}`, 'UserEmailChanged', { userId: first.host.userId, email: 'henrietta@new.example' });
    const emailOf = async () => (await stack.deps().pool.query('SELECT email FROM chat_users WHERE user_id = $1', [first.host.userId])).rows[0]?.email;
    await expect.poll(emailOf, { timeout: 20_000 }).toBe('henrietta@new.example');
    await stack.http('POST', `/conversations/${first.conversationId}/read`, { token: first.guest.token, body: { upTo: 3 } });
    await expect.poll(async () => (await list())[0]?.unread, { timeout: 20_000 }).toBe(0);
    // the second booking's host sees only their own
    const hostList = await stack.http('GET', '/me/conversations', { token: second.host.token });
    expect(hostList.body.conversations.map((c: { conversationId: string }) => c.conversationId)).toEqual([second.conversationId]);
  });

  it('paginates a conversation backwards with before and limit', async () => {
    const { guest, conversationId } = await stack.booking();
    for (let i = 0; i < 7; i++) await stack.http('POST', `/conversations/${conversationId}/messages`, { token: guest.token, body: { text: `n${i}` } });
    const newest = await stack.http('GET', `/conversations/${conversationId}/messages?limit=4`, { token: guest.token });
    expect(newest.body).toMatchObject({ head: 8, nextBefore: 5 });
    expect(newest.body.events.map((event: { seq: number }) => event.seq)).toEqual([5, 6, 7, 8]);
    const older = await stack.http('GET', `/conversations/${conversationId}/messages?limit=4&before=5`, { token: guest.token });
    expect(older.body.events.map((event: { seq: number }) => event.seq)).toEqual([1, 2, 3, 4]);
    expect(older.body.nextBefore).toBe(1);
    const oldest = await stack.http('GET', `/conversations/${conversationId}/messages?limit=4&before=1`, { token: guest.token });
    expect(oldest.body).toMatchObject({ nextBefore: null, events: [expect.objectContaining({ seq: 0, type: 'ConversationOpened' })] });
  });

  it.each([
    ['an unknown field', { text: 'hi', colour: 'red' }],
    ['text over 4,000 characters', { text: 'x'.repeat(4_001) }],
    ['no text and no attachment', { text: ' ' }],
    ['an attachment that is not an http(s) URL', { text: 'see', attachments: [{ url: 'javascript:alert(1)' }] }],
    ['a body that is not an object', '"hello"'],
  ])('POST a message with %s: 400 problem+json, nothing stored', async (_name, body) => {
    const { guest, conversationId } = await stack.booking();
    const reply = await stack.http('POST', `/conversations/${conversationId}/messages`, { token: guest.token, body });
    expect(reply).toMatchObject(problem(400));
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    const page = await stack.http('GET', `/conversations/${conversationId}/messages`, { token: guest.token });
    expect(page.body.head).toBe(1);
  });

  it('reading beyond the last sequence is a 400; an unknown query parameter too', async () => {
    const { guest, conversationId } = await stack.booking();
    expect(await stack.http('POST', `/conversations/${conversationId}/read`, { token: guest.token, body: { upTo: 99 } })).toMatchObject(
      problem(400, { code: 'READ_BEYOND_HEAD' }),
    );
    expect(await stack.http('GET', `/conversations/${conversationId}/messages?page=2`, { token: guest.token })).toMatchObject(problem(400));
  });

  it('an inquiry about an unknown listing is a 404; about one’s own listing a 422; asking twice reuses the conversation', async () => {
    const { host, listingId } = await stack.booking();
    const guest = await person('guest');
    expect(await stack.http('POST', '/listings/nope/inquiries', { token: guest.token, body: {} })).toMatchObject(problem(404));
    expect(await stack.http('POST', `/listings/${listingId}/inquiries`, { token: host.token, body: {} })).toMatchObject(
      problem(422, { code: 'CANNOT_MESSAGE_SELF' }),
    );
    const first = await stack.http('POST', `/listings/${listingId}/inquiries`, { token: guest.token, body: {} });
    const again = await stack.http('POST', `/listings/${listingId}/inquiries`, { token: guest.token, body: { text: 'Pets allowed?' } });
    expect(again.body).toEqual({ conversationId: first.body.conversationId, seq: 1 });
  });

  it('Idempotency-Key: a retried POST answers the first response and stores one message', async () => {
    const { guest, conversationId } = await stack.booking();
    const headers = { 'idempotency-key': 'k-1' };
    const first = await stack.http('POST', `/conversations/${conversationId}/messages`, { token: guest.token, body: { text: 'once' }, headers });
    const retry = await stack.http('POST', `/conversations/${conversationId}/messages`, { token: guest.token, body: { text: 'once' }, headers });
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const page = await stack.http('GET', `/conversations/${conversationId}/messages`, { token: guest.token });
    expect(page.body.head).toBe(2);
  });
});

describe('offline notifications', () => {
  it('an offline recipient gets one in-app notification and one mail per conversation per quiet period; an online one none', async () => {
    const { guest, host, conversationId } = await stack.booking();
    for (const text of ['first', 'second', 'third'])
      await stack.http('POST', `/conversations/${conversationId}/messages`, { token: guest.token, body: { text } });
    const notifications = async () => (await stack.http('GET', '/me/notifications', { token: host.token })).body.notifications;
    await expect.poll(notifications, { timeout: 20_000 }).toHaveLength(1);
    expect((await notifications())[0]).toMatchObject({ conversationId, seq: 2, senderId: guest.userId, preview: 'first' });
    await expect.poll(() => stack.mail.to(host.email).length, { timeout: 20_000 }).toBe(1);
    expect(stack.mail.to(host.email)[0]).toMatchObject({ template: 'chat.message', data: { name: 'Hank', from: 'Gail', conversationId } });

    // The guest is online: the host's reply notifies nobody.
    const guestSocket = await stack.socket(guest.token);
    await guestSocket.request({ type: 'subscribe', conversationId });
    await stack.http('POST', `/conversations/${conversationId}/messages`, { token: host.token, body: { text: 'reply' } });
    await guestSocket.waitForSeq(conversationId, 5);
    await stack.conversationAt(conversationId, 5);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await stack.http('GET', '/me/notifications', { token: guest.token })).body.notifications).toEqual([]);
    await guestSocket.close();
  });
});

describe('rate limit per sender', () => {
  it('over the budget: 429 over HTTP with Retry-After, and an error frame with status 429 over the socket; nothing stored', async () => {
    const limited = await startChat({ CHAT_RATE_LIMIT_MESSAGES: 3, CHAT_RATE_LIMIT_WINDOW_SECONDS: 60 });
    try {
      const { guest, host, conversationId } = await limited.booking();
      for (let i = 0; i < 3; i++)
        expect((await limited.http('POST', `/conversations/${conversationId}/messages`, { token: guest.token, body: { text: `m${i}` } })).status).toBe(201);
      const over = await limited.http('POST', `/conversations/${conversationId}/messages`, { token: guest.token, body: { text: 'one too many' } });
      expect(over).toMatchObject(problem(429, { code: 'rate_limited' }));
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      const socket = await limited.socket(guest.token);
      expect(await socket.request({ type: 'send', conversationId, clientMessageId: 'x', text: 'still too many' })).toMatchObject({
        type: 'error',
        status: 429,
        code: 'rate_limited',
      });
      // another sender has a budget of their own
      expect((await limited.http('POST', `/conversations/${conversationId}/messages`, { token: host.token, body: { text: 'host speaks' } })).status).toBe(201);
      const page = await limited.http('GET', `/conversations/${conversationId}/messages`, { token: guest.token });
      expect(page.body.head).toBe(5);
      await socket.close();
    } finally {
      await limited.close();
    }
  });
});
