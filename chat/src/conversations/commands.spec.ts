import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat } from '@stayhub/domain';
import { CommandProcessor, createPool, PostgresEventStore, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { readableConversation } from './commands.ts';

let pool: Pool;
let store: PostgresEventStore;
beforeAll(async () => {
  pool = createPool(await testDatabaseUrl(), 3);
  store = await PostgresEventStore.create(pool);
});
afterAll(async () => {
  await store?.close();
  await pool?.end();
});

describe('readableConversation', () => {
  it('finds a conversation another chat process opened after this one had read the stream as empty', async () => {
    const conversationId = `inquiry-${randomUUID()}`;
    const streamId = chat.conversationStreamId(conversationId);
    const here = new CommandProcessor(store);
    const elsewhere = new CommandProcessor(store);
    // This process reads the stream before the conversation exists (and keeps that in memory).
    expect((await here.load(streamId, chat.conversationDecider)).state.status).not.toBe('open');
    await elsewhere.handle(streamId, chat.conversationDecider, {
      type: 'OpenInquiry',
      data: { conversationId, listingId: 'l-1', guestId: 'g-1', hostId: 'h-1', now: '2030-01-01T10:00:00.000Z' },
    });
    const guest = { userId: 'g-1', role: 'guest' as const, email: 'g@example.test' };
    await expect(readableConversation({ processor: here, store }, guest, conversationId)).resolves.toMatchObject({ status: 'open', guestId: 'g-1' });
    await expect(readableConversation({ processor: here, store }, { ...guest, userId: 'g-2' }, conversationId)).rejects.toMatchObject({
      code: 'NOT_CONVERSATION_PARTY',
    });
    await expect(readableConversation({ processor: here, store }, guest, `inquiry-${randomUUID()}`)).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
  });
});
