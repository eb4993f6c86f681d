import type { Pool } from 'pg';
import { inTransaction } from '@stayhub/event-sourcing';
import { idempotencySchema } from '@stayhub/http-kit';

/** The chat database's own tables, beside its event store's. */
const chatSchema = /* sql */ `
CREATE TABLE IF NOT EXISTS chat_checkpoints (name text PRIMARY KEY, position text NOT NULL);
CREATE TABLE IF NOT EXISTS chat_users (user_id text PRIMARY KEY, first_name text NOT NULL, email text NOT NULL);
CREATE TABLE IF NOT EXISTS chat_listings (listing_id text PRIMARY KEY, host_id text NOT NULL, title text);
CREATE TABLE IF NOT EXISTS chat_bookings (booking_id text PRIMARY KEY, guest_id text NOT NULL, host_id text NOT NULL, listing_id text NOT NULL);
CREATE TABLE IF NOT EXISTS chat_conversations (
  conversation_id  text PRIMARY KEY,
  kind             text NOT NULL,
  booking_id       text,
  listing_id       text NOT NULL,
  guest_id         text NOT NULL,
  host_id          text NOT NULL,
  opened_at        timestamptz NOT NULL,
  last_seq         int NOT NULL,
  last_activity_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS chat_conversations_guest ON chat_conversations (guest_id, last_activity_at DESC);
CREATE INDEX IF NOT EXISTS chat_conversations_host ON chat_conversations (host_id, last_activity_at DESC);
CREATE TABLE IF NOT EXISTS chat_message_log (
  conversation_id text NOT NULL,
  seq             int NOT NULL,
  sender_id       text,
  at              timestamptz NOT NULL,
  PRIMARY KEY (conversation_id, seq)
);
CREATE TABLE IF NOT EXISTS chat_reads (conversation_id text NOT NULL, user_id text NOT NULL, up_to int NOT NULL, PRIMARY KEY (conversation_id, user_id));
CREATE TABLE IF NOT EXISTS chat_notify_throttle (conversation_id text NOT NULL, user_id text NOT NULL, last_at timestamptz NOT NULL, PRIMARY KEY (conversation_id, user_id));
CREATE TABLE IF NOT EXISTS chat_notifications (
  notification_id text PRIMARY KEY,
  user_id         text NOT NULL,
  conversation_id text NOT NULL,
  seq             int NOT NULL,
  sender_id       text NOT NULL,
  preview         text NOT NULL,
  created_at      timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS chat_notifications_user ON chat_notifications (user_id, created_at DESC);
`;

export const migrateChat = (pool: Pool): Promise<void> =>
  inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(727014)');
    await client.query(chatSchema);
    await client.query(idempotencySchema);
  });

export const readCheckpoint = async (pool: Pool, name: string): Promise<string> => {
  const { rows } = await pool.query<{ position: string }>('SELECT position FROM chat_checkpoints WHERE name = $1', [name]);
  return rows[0]?.position ?? '';
};

export const checkpointSql = 'INSERT INTO chat_checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position';
