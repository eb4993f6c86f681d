import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it, inject } from 'vitest';
import '@stayhub/event-sourcing/testing';
import { databaseUrl, ensureDatabase, olderChatDatabaseInUse } from './chat-database.ts';

const serverUrl = inject('pgAdminUrl');
const name = `stayhub_t_olderchat_${randomBytes(4).toString('hex')}`;
const onChat = async (sql: string) => {
  const client = new pg.Client(databaseUrl(serverUrl, name));
  await client.connect();
  await client.query(sql).finally(() => client.end());
};

afterAll(async () => {
  const admin = new pg.Client(serverUrl);
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => admin.end());
});

describe("an older install's chat database on the platform's server", () => {
  it('is kept only while it holds a conversation: absent, without the chat’s tables, or without a conversation, the chat moves to its own server', async () => {
    expect(await olderChatDatabaseInUse(serverUrl, name)).toBe(false);
    await ensureDatabase(serverUrl, name);
    await ensureDatabase(serverUrl, name); // made once
    expect(await olderChatDatabaseInUse(serverUrl, name)).toBe(false);
    await onChat('CREATE TABLE chat_conversations (conversation_id text PRIMARY KEY)');
    expect(await olderChatDatabaseInUse(serverUrl, name)).toBe(false);
    await onChat("INSERT INTO chat_conversations VALUES ('c-1')");
    expect(await olderChatDatabaseInUse(serverUrl, name)).toBe(true);
  });
});
