import { z } from 'zod';
import { chat } from '@stayhub/domain';

/** What a client receives for each stored event of a conversation: `seq` is the stream revision. */
export type WireEvent = { conversationId: string; seq: number; type: string; data: unknown; at: string };

const Ref = z.string().min(1).max(100).optional();
const Seq = z.number().int().min(-1);

/** Frames a client sends (JSON text). `ref` is echoed on the answer (`ack` or `error`). */
export const ClientFrame = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('subscribe'), ref: Ref, conversationId: chat.ConversationId, after: Seq.optional() }),
  z.strictObject({ type: z.literal('unsubscribe'), ref: Ref, conversationId: chat.ConversationId }),
  z.strictObject({
    type: z.literal('send'),
    ref: Ref,
    conversationId: chat.ConversationId,
    clientMessageId: z.string().min(1).max(100),
    text: z.string().max(chat.MAX_TEXT, `at most ${chat.MAX_TEXT} characters`).default(''),
    attachments: z.array(chat.Attachment).max(chat.MAX_ATTACHMENTS).default([]),
  }),
  z.strictObject({ type: z.literal('read'), ref: Ref, conversationId: chat.ConversationId, upTo: z.number().int().min(0) }),
  z.strictObject({ type: z.literal('typing'), conversationId: chat.ConversationId }),
  z.strictObject({ type: z.literal('ping'), ref: Ref }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** Frames the server sends. */
export type ServerFrame =
  | { type: 'ready'; userId: string; role: string }
  | { type: 'subscribed'; ref?: string; conversationId: string; head: number }
  | { type: 'unsubscribed'; ref?: string; conversationId: string }
  | { type: 'event'; event: WireEvent }
  | { type: 'ack'; ref?: string; conversationId: string; seq: number; messageId?: string; clientMessageId?: string; duplicate?: boolean }
  | { type: 'typing'; conversationId: string; userId: string }
  | { type: 'pong'; ref?: string }
  | { type: 'error'; ref?: string; status: number; code: string; detail: string; retryAfterMs?: number; conversationId?: string };

/** WebSocket close codes the server uses (4000–4999 are the application's). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  tooBig: 1009,
  tryAgainLater: 1013,
  tooManyBadFrames: 4400,
  slowConsumer: 4408,
} as const;
