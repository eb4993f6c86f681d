import { z } from 'zod';
import { chat } from '@stayhub/domain';
import { defineRoute, HttpProblem, type Route } from '@stayhub/http-kit';
import type { ChatDeps } from '../shared/deps.ts';
import { execute, markRead, readableConversation, readPage, sendMessage } from './commands.ts';

const Params = z.strictObject({ id: chat.ConversationId });
const Wire = z.object({ conversationId: z.string(), seq: z.number().int(), type: z.string(), data: z.unknown(), at: z.string() });
const Page = z.object({
  conversationId: z.string(),
  head: z.number().int(),
  nextBefore: z.number().int().nullable(),
  events: z.array(Wire),
  reads: z.record(z.string(), z.number()),
});
const Ack = z.object({ conversationId: z.string(), seq: z.number().int(), messageId: z.string().optional(), duplicate: z.boolean().optional() });

export const conversationRoutes = (deps: ChatDeps): Route[] => [
  defineRoute({
    method: 'get',
    path: '/conversations/:id/messages',
    summary: "A page of a conversation's events (messages, system messages, read marks), oldest first",
    tags: ['chat'],
    auth: 'user',
    params: Params,
    query: z.strictObject({
      before: z.coerce.number().int().min(0).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
    responses: { 200: { description: 'The events with sequence numbers before `before` (the newest when omitted); `nextBefore` pages back', schema: Page } },
    handler: async ({ params, query, user }) => {
      const conversation = await readableConversation(deps, user!, params.id);
      const page = await readPage(deps, params.id, query.before, query.limit);
      return { body: { conversationId: params.id, ...page, reads: conversation.reads } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/conversations/:id/messages',
    summary: 'Send a message (the HTTP fallback of the socket’s `send`); stored before the answer',
    tags: ['chat'],
    auth: 'user',
    params: Params,
    body: z.strictObject({
      text: z.string().max(chat.MAX_TEXT, `at most ${chat.MAX_TEXT} characters`).default(''),
      attachments: z.array(chat.Attachment).max(chat.MAX_ATTACHMENTS).default([]),
      clientMessageId: z.string().min(1).max(100).optional(),
    }),
    responses: { 201: { description: 'Stored under `seq`; a resent `clientMessageId` answers the first `seq` with `duplicate: true`', schema: Ack } },
    handler: async ({ params, body, user }) => {
      const sent = await sendMessage(deps, user!, params.id, body);
      return {
        status: sent.duplicate ? 200 : 201,
        body: {
          conversationId: params.id,
          seq: sent.seq,
          ...(sent.messageId ? { messageId: sent.messageId } : {}),
          ...(sent.duplicate ? { duplicate: true } : {}),
        },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/conversations/:id/read',
    summary: 'Mark the conversation read up to a sequence number (a read receipt the other party sees)',
    tags: ['chat'],
    auth: 'user',
    params: Params,
    body: z.strictObject({ upTo: z.number().int().min(0) }),
    responses: { 200: { description: 'The read mark is stored', schema: z.object({ conversationId: z.string(), upTo: z.number().int() }) } },
    handler: async ({ params, body, user }) => {
      await markRead(deps, user!, params.id, body.upTo);
      return { body: { conversationId: params.id, upTo: body.upTo } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/listings/:listingId/inquiries',
    summary: 'Ask the host about a listing before booking: opens (or reopens) your conversation with them',
    tags: ['chat'],
    auth: 'user',
    params: z.strictObject({ listingId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/) }),
    body: z.strictObject({ text: z.string().max(chat.MAX_TEXT).optional(), clientMessageId: z.string().min(1).max(100).optional() }),
    responses: {
      201: {
        description: 'The conversation (and the first message, if text was sent)',
        schema: z.object({ conversationId: z.string(), seq: z.number().int().optional() }),
      },
    },
    handler: async ({ params, body, user }) => {
      if (user!.role === 'admin') throw new HttpProblem(403, 'Forbidden', 'Admins read conversations; they do not open them');
      const { rows } = await deps.pool.query<{ host_id: string }>('SELECT host_id FROM chat_listings WHERE listing_id = $1', [params.listingId]);
      const listing = rows[0];
      if (!listing) throw new HttpProblem(404, 'Not Found', `There is no listing ${params.listingId}`);
      const conversationId = chat.inquiryConversationId(params.listingId, user!.userId);
      await execute(
        deps,
        conversationId,
        {
          type: 'OpenInquiry',
          data: { conversationId, listingId: params.listingId, guestId: user!.userId, hostId: listing.host_id, now: deps.clock.now().toISOString() },
        },
        user!.userId,
      );
      const sent = body.text
        ? await sendMessage(deps, user!, conversationId, { text: body.text, attachments: [], clientMessageId: body.clientMessageId })
        : undefined;
      return { status: 201, headers: { Location: `/conversations/${conversationId}/messages` }, body: { conversationId, ...(sent ? { seq: sent.seq } : {}) } };
    },
  }),
];
