import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, TestClock, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { migrateChat } from '../shared/schema.ts';
import { applyInboxBatch } from './projection.ts';

let pool: Pool;
beforeAll(async () => {
  pool = createPool(await testDatabaseUrl(), 2);
  await migrateChat(pool);
});
afterAll(async () => {
  await pool?.end();
});

const T0 = '2030-01-01T10:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const recorded = (conversationId: string, seq: number, type: string, data: Record<string, unknown>): RecordedEvent => ({
  eventId: `${conversationId}-${seq}`,
  type,
  schemaVersion: 1,
  streamId: `conversation-${conversationId}`,
  streamRevision: seq,
  globalPosition: String(seq).padStart(20, '0'),
  occurredAt: String(data.at),
  data: { conversationId, ...data },
  metadata: {},
});
const opened = (id: string) => recorded(id, 0, 'ConversationOpened', { subject: { kind: 'inquiry', listingId: 'l1' }, guestId: 'g', hostId: 'h', at: at(0) });
const message = (id: string, seq: number, minutes: number, senderId = 'g') =>
  recorded(id, seq, 'MessageSent', { messageId: `m${seq}`, senderId, text: `text ${seq}`, attachments: [], hidden: 0, at: at(minutes) });

const snapshot = async (id: string) => {
  const tables = ['chat_conversations', 'chat_message_log', 'chat_reads', 'chat_notify_throttle', 'chat_notifications'];
  const out: Record<string, unknown[]> = {};
  for (const table of tables) out[table] = (await pool.query(`SELECT * FROM ${table} WHERE conversation_id = $1 ORDER BY 1, 2`, [id])).rows;
  return out;
};

const apply = (events: RecordedEvent[], clock: TestClock, online = new Set<string>()) =>
  inTransaction(pool, (client) => applyInboxBatch(client, events, { isOnline: (u) => online.has(u), quietMinutes: 15, clock }));

describe('inbox projection', () => {
  it('the same events twice (as one batch, or one by one) change nothing more and notify nobody twice', async () => {
    const clock = new TestClock(at(1));
    const events = [opened('c1'), message('c1', 1, 1), recorded('c1', 2, 'MessagesRead', { readerId: 'h', upTo: 1, at: at(1) }), message('c1', 3, 1, 'h')];
    expect(await apply(events, clock)).toHaveLength(2);
    const once = await snapshot('c1');
    expect(await apply(events, clock)).toEqual([]);
    expect(await snapshot('c1')).toEqual(once);
    for (const event of events) expect(await apply([event], clock)).toEqual([]);
    expect(await snapshot('c1')).toEqual(once);
    expect(once.chat_reads).toEqual([{ conversation_id: 'c1', user_id: 'h', up_to: 1 }]);
  });

  it('at most one notification per conversation and recipient per 15 minutes, none while online, none for old news', async () => {
    const clock = new TestClock(at(40));
    await apply([opened('c2')], clock);
    const notified = async (events: RecordedEvent[], online?: Set<string>) => (await apply(events, clock, online)).map((n) => n.seq);
    expect(await notified([message('c2', 1, 30), message('c2', 2, 31), message('c2', 3, 44)])).toEqual([1]);
    expect(await notified([message('c2', 4, 45)])).toEqual([4]);
    expect(await notified([message('c2', 5, 61)], new Set(['h']))).toEqual([]);
    expect(await notified([message('c2', 6, 1)])).toEqual([]);
  });
});
