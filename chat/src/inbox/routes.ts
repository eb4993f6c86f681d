import { z } from 'zod';
import { defineRoute, type Route } from '@stayhub/http-kit';
import type { ChatDeps } from '../shared/deps.ts';

const Summary = z.object({
  conversationId: z.string(),
  kind: z.enum(['booking', 'inquiry']),
  bookingId: z.string().nullable(),
  listingId: z.string(),
  listingTitle: z.string().nullable(),
  role: z.enum(['guest', 'host', 'admin']),
  otherParty: z.object({ userId: z.string(), firstName: z.string().nullable() }),
  lastSeq: z.number().int(),
  lastActivityAt: z.string(),
  unread: z.number().int(),
});

type Row = {
  conversation_id: string;
  kind: 'booking' | 'inquiry';
  booking_id: string | null;
  listing_id: string;
  title: string | null;
  guest_id: string;
  host_id: string;
  other_name: string | null;
  last_seq: number;
  last_activity_at: Date;
  unread: number;
};

export const inboxRoutes = (deps: ChatDeps): Route[] => [
  defineRoute({
    method: 'get',
    path: '/me/conversations',
    summary: 'Your conversations, latest activity first, with unread counts, the other party and the listing',
    tags: ['chat'],
    auth: 'user',
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
    responses: { 200: { description: 'Conversations', schema: z.object({ conversations: z.array(Summary) }) } },
    handler: async ({ query, user }) => {
      const me = user!.userId;
      const { rows } = await deps.pool.query<Row>(
        `SELECT c.conversation_id, c.kind, c.booking_id, c.listing_id, l.title, c.guest_id, c.host_id, o.first_name AS other_name,
                c.last_seq, c.last_activity_at,
                (SELECT count(*)::int FROM chat_message_log m
                  WHERE m.conversation_id = c.conversation_id AND m.sender_id IS NOT NULL AND m.sender_id <> $1
                    AND m.seq > COALESCE(r.up_to, -1)) AS unread
           FROM chat_conversations c
           LEFT JOIN chat_listings l ON l.listing_id = c.listing_id
           LEFT JOIN chat_users o ON o.user_id = CASE WHEN c.guest_id = $1 THEN c.host_id ELSE c.guest_id END
           LEFT JOIN chat_reads r ON r.conversation_id = c.conversation_id AND r.user_id = $1
          WHERE c.guest_id = $1 OR c.host_id = $1
          ORDER BY c.last_activity_at DESC, c.conversation_id
          LIMIT $2`,
        [me, query.limit],
      );
      return {
        body: {
          conversations: rows.map((row) => {
            const role = row.guest_id === me ? 'guest' : 'host';
            return {
              conversationId: row.conversation_id,
              kind: row.kind,
              bookingId: row.booking_id,
              listingId: row.listing_id,
              listingTitle: row.title,
              role,
              otherParty: { userId: role === 'guest' ? row.host_id : row.guest_id, firstName: row.other_name },
              lastSeq: row.last_seq,
              lastActivityAt: row.last_activity_at.toISOString(),
              unread: row.unread,
            };
          }),
        },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/me/notifications',
    summary: 'Your in-app chat notifications (at most one per conversation per quiet period while you were offline), newest first',
    tags: ['chat'],
    auth: 'user',
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
    handler: async ({ query, user }) => {
      const { rows } = await deps.pool.query<{
        notification_id: string;
        conversation_id: string;
        seq: number;
        sender_id: string;
        preview: string;
        created_at: Date;
      }>(
        'SELECT notification_id, conversation_id, seq, sender_id, preview, created_at FROM chat_notifications WHERE user_id = $1 ORDER BY created_at DESC, notification_id LIMIT $2',
        [user!.userId, query.limit],
      );
      return {
        body: {
          notifications: rows.map((row) => ({
            notificationId: row.notification_id,
            conversationId: row.conversation_id,
            seq: row.seq,
            senderId: row.sender_id,
            preview: row.preview,
            at: row.created_at.toISOString(),
          })),
        },
      };
    },
  }),
];
