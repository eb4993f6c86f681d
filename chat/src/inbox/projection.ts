import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolClient } from 'pg';
import { chat } from '@stayhub/domain';
import { inTransaction, type Clock, type EventStore, type RecordedEvent } from '@stayhub/event-sourcing';
import { type Logger } from '@stayhub/platform-kit';
import type { Notifier } from '@stayhub/notifications';
import { checkpointSql, readCheckpoint } from '../shared/schema.ts';

const INBOX = 'inbox';
const PREVIEW = 140;
const BATCH = 500;
/**
 * After a batch that caught up, the inbox waits this long before reading on, so that under load it
 * applies the events of many commits in one transaction instead of one per commit (no one waits on
 * it: acks and delivery do not; an unread count or a notification shows this much later). Each
 * batch updates a busy conversation's row once (a new row version and three index entries, its
 * activity time being indexed), so the longer the pace the fewer such updates a message costs:
 * at 2,000 messages/s over 500 conversations about 1,800 a second at 50 ms, 1,300 at 250 ms.
 */
const PACE_MS = 250;

export type NewNotification = { notificationId: string; userId: string; conversationId: string; seq: number; senderId: string; preview: string };

export type InboxOptions = {
  /** Whether a user has a socket open, on any chat process (then they see the message and need no notification). */
  isOnline: (userId: string) => boolean | Promise<boolean>;
  quietMinutes: number;
  clock: Clock;
};

const isChatEvent = (event: RecordedEvent): event is RecordedEvent & chat.ConversationEvent => chat.conversationEventTypes.includes(event.type as never);

/**
 * Applies a batch of stored chat events to the inbox tables (conversation list, unread counts,
 * in-app notifications), each table written once per batch. Every statement is idempotent, so the
 * same events twice change nothing more. Returns the notifications it created.
 */
export const applyInboxBatch = async (client: PoolClient, recorded: readonly RecordedEvent[], options: InboxOptions): Promise<NewNotification[]> => {
  const events = recorded.filter(isChatEvent);
  for (const event of events) {
    if (event.type !== 'ConversationOpened') continue;
    const { conversationId, subject, guestId, hostId, at } = event.data;
    await client.query(
      `INSERT INTO chat_conversations (conversation_id, kind, booking_id, listing_id, guest_id, host_id, opened_at, last_seq, last_activity_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7) ON CONFLICT (conversation_id) DO NOTHING`,
      [conversationId, subject.kind, subject.kind === 'booking' ? subject.bookingId : null, subject.listingId, guestId, hostId, at, event.streamRevision],
    );
  }
  const posted = events.filter((event) => event.type === 'MessageSent' || event.type === 'SystemMessagePosted');
  const parties = new Map<string, { guest_id: string; host_id: string }>();
  if (posted.length > 0) {
    const column = <T>(pick: (event: (typeof posted)[number]) => T) => posted.map(pick);
    await client.query(
      `INSERT INTO chat_message_log (conversation_id, seq, sender_id, at)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[]) ON CONFLICT DO NOTHING`,
      [
        column((e) => e.data.conversationId),
        column((e) => e.streamRevision),
        column((e) => (e.type === 'MessageSent' ? e.data.senderId : null)),
        column((e) => e.data.at),
      ],
    );
    const latest = new Map<string, { seq: number; at: string }>();
    for (const event of posted) {
      const current = latest.get(event.data.conversationId);
      latest.set(event.data.conversationId, {
        seq: Math.max(current?.seq ?? -1, event.streamRevision),
        at: current && current.at > event.data.at ? current.at : event.data.at,
      });
    }
    const { rows } = await client.query<{ conversation_id: string; guest_id: string; host_id: string }>(
      `UPDATE chat_conversations c SET last_seq = GREATEST(c.last_seq, u.seq), last_activity_at = GREATEST(c.last_activity_at, u.at)
         FROM unnest($1::text[], $2::int[], $3::timestamptz[]) AS u(conversation_id, seq, at)
        WHERE c.conversation_id = u.conversation_id
        RETURNING c.conversation_id, c.guest_id, c.host_id`,
      [[...latest.keys()], [...latest.values()].map((v) => v.seq), [...latest.values()].map((v) => v.at)],
    );
    for (const row of rows) parties.set(row.conversation_id, row);
  }
  const reads = new Map<string, { conversationId: string; readerId: string; upTo: number }>();
  for (const event of events) {
    if (event.type !== 'MessagesRead') continue;
    const key = `${event.data.conversationId} ${event.data.readerId}`;
    reads.set(key, { ...event.data, upTo: Math.max(reads.get(key)?.upTo ?? -1, event.data.upTo) });
  }
  if (reads.size > 0) {
    const list = [...reads.values()];
    await client.query(
      `INSERT INTO chat_reads (conversation_id, user_id, up_to) SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
       ON CONFLICT (conversation_id, user_id) DO UPDATE SET up_to = GREATEST(chat_reads.up_to, EXCLUDED.up_to)`,
      [list.map((r) => r.conversationId), list.map((r) => r.readerId), list.map((r) => r.upTo)],
    );
  }
  const notifications: NewNotification[] = [];
  for (const event of posted) {
    if (event.type !== 'MessageSent') continue;
    const party = parties.get(event.data.conversationId);
    if (!party) continue;
    const recipient = party.guest_id === event.data.senderId ? party.host_id : party.guest_id;
    const notification = await notifyIfOffline(client, { ...event.data, seq: event.streamRevision, recipient }, options);
    if (notification) notifications.push(notification);
  }
  return notifications;
};

/** At most one notification per conversation and recipient per quiet period, and none about old news on a catch-up. */
const notifyIfOffline = async (
  client: PoolClient,
  message: chat.MessageSentData & { seq: number; recipient: string },
  options: InboxOptions,
): Promise<NewNotification | undefined> => {
  const quietMs = options.quietMinutes * 60_000;
  if (Date.parse(message.at) < options.clock.now().getTime() - quietMs || (await options.isOnline(message.recipient))) return undefined;
  const { rowCount } = await client.query(
    `INSERT INTO chat_notify_throttle (conversation_id, user_id, last_at) VALUES ($1, $2, $3)
     ON CONFLICT (conversation_id, user_id) DO UPDATE SET last_at = EXCLUDED.last_at
      WHERE chat_notify_throttle.last_at <= EXCLUDED.last_at - make_interval(secs => $4)`,
    [message.conversationId, message.recipient, message.at, quietMs / 1000],
  );
  if (rowCount === 0) return undefined;
  const notification: NewNotification = {
    notificationId: `${message.conversationId}:${message.seq}:${message.recipient}`,
    userId: message.recipient,
    conversationId: message.conversationId,
    seq: message.seq,
    senderId: message.senderId,
    preview: message.text.slice(0, PREVIEW) || '(attachment)',
  };
  const inserted = await client.query(
    `INSERT INTO chat_notifications (notification_id, user_id, conversation_id, seq, sender_id, preview, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
    [notification.notificationId, notification.userId, notification.conversationId, notification.seq, notification.senderId, notification.preview, message.at],
  );
  return inserted.rowCount === 0 ? undefined : notification;
};

/**
 * Follows the chat store's own subscription: each batch updates the inbox tables and the
 * checkpoint in one transaction; then each new notification also goes out by mail through the
 * notifications port (its id is the idempotency key, so a retry never mails twice).
 */
export const runInbox = async (
  deps: { pool: Pool; store: EventStore; notifier: Notifier; log: Logger },
  options: InboxOptions,
  signal: AbortSignal,
): Promise<void> => {
  const after = await readCheckpoint(deps.pool, INBOX);
  await deps.store.subscribe({
    after,
    signal,
    batchSize: BATCH,
    onBatch: async (events) => {
      const created = await inTransaction(deps.pool, async (client) => {
        const notifications = await applyInboxBatch(client, events, options);
        await client.query(checkpointSql, [INBOX, events.at(-1)!.globalPosition]);
        return notifications;
      });
      for (const notification of created) void mail(deps, notification);
      if (events.length < BATCH) await sleep(PACE_MS, undefined, { signal }).catch(() => undefined);
    },
  });
};

const mail = async (deps: { pool: Pool; notifier: Notifier; log: Logger }, notification: NewNotification): Promise<void> => {
  try {
    const { rows } = await deps.pool.query<{ email: string; first_name: string; sender: string | null }>(
      `SELECT u.email, u.first_name, s.first_name AS sender FROM chat_users u LEFT JOIN chat_users s ON s.user_id = $2 WHERE u.user_id = $1`,
      [notification.userId, notification.senderId],
    );
    const recipient = rows[0];
    if (!recipient) return;
    await deps.notifier.send({
      to: recipient.email,
      template: 'chat.message',
      idempotencyKey: `chat:${notification.notificationId}`,
      data: { name: recipient.first_name, from: recipient.sender ?? 'Someone', conversationId: notification.conversationId, preview: notification.preview },
    });
  } catch (error) {
    deps.log.warn({ err: error, notificationId: notification.notificationId }, 'chat notification mail not sent (the in-app notification stands)');
  }
};
