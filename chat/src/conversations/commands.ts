import { randomUUID } from 'node:crypto';
import { chat, DomainError } from '@stayhub/domain';
import { type Handled } from '@stayhub/event-sourcing';
import { HttpProblem, type AuthUser } from '@stayhub/http-kit';
import type { WireEvent } from '../realtime/protocol.ts';
import type { ChatDeps } from '../shared/deps.ts';

type Deps = Pick<ChatDeps, 'processor' | 'hub' | 'clock' | 'limiter'>;

const toWire = (conversationId: string, firstSeq: number, events: chat.ConversationEvent[]): WireEvent[] =>
  events.map((event, i) => ({ conversationId, seq: firstSeq + i, type: event.type, data: event.data, at: event.data.at }));

/**
 * Decides a command on a conversation's stream, appends its events (the append is durable before
 * this resolves) and hands them to the hub for delivery, with their sequence numbers. `fresh`: the
 * stream is new, so it is appended to without reading it first (should it exist after all, the
 * append is refused and the command decided again on what was read).
 */
export const execute = async (
  deps: Pick<Deps, 'processor' | 'hub'>,
  conversationId: string,
  command: chat.ConversationCommand,
  actor: string,
  options: { fresh?: boolean } = {},
): Promise<Handled<chat.Conversation, chat.ConversationEvent>> => {
  const handled = await deps.processor.handle(chat.conversationStreamId(conversationId), chat.conversationDecider, command, { actor }, options);
  deps.hub.publish(conversationId, toWire(conversationId, handled.revision - handled.events.length + 1, handled.events));
  return handled;
};

/** A conversation's state folded from the store itself, past the processor's memory. */
const storedConversation = async (deps: Pick<ChatDeps, 'store'>, streamId: string): Promise<chat.Conversation> => {
  const { events } = await deps.store.readStream(streamId);
  const { evolve, initialState } = chat.conversationDecider;
  return events.reduce((state, event) => evolve(state, { type: event.type, data: event.data } as chat.ConversationEvent), initialState);
};

/** A conversation as its guest, its host or an admin may read it; 404 / 403 otherwise. */
export const readableConversation = async (
  deps: Pick<Deps, 'processor'> & Pick<ChatDeps, 'store'>,
  user: AuthUser,
  conversationId: string,
): Promise<chat.OpenConversation> => {
  const streamId = chat.conversationStreamId(conversationId);
  let { state } = await deps.processor.load(streamId, chat.conversationDecider);
  // Not open in this process's memory, which may hold what it read just before another chat process
  // opened the conversation (until its own next append there): the store has the last word.
  if (state.status !== 'open') state = await storedConversation(deps, streamId);
  if (state.status !== 'open') throw new DomainError('CONVERSATION_NOT_FOUND', `There is no conversation ${conversationId}`);
  if (!chat.isParty(state, user.userId) && user.role !== 'admin') {
    throw new DomainError('NOT_CONVERSATION_PARTY', 'Only the guest and the host of a conversation (or an admin) read it');
  }
  return state;
};

export type SendInput = { text: string; attachments: chat.Attachment[]; clientMessageId?: string | undefined };
export type Sent = { seq: number; messageId: string | undefined; duplicate: boolean };

/** A message from `user`: within the sender's budget, decided, stored, then delivered. */
export const sendMessage = async (deps: Deps, user: AuthUser, conversationId: string, input: SendInput): Promise<Sent> => {
  await deps.limiter.take(user.userId);
  const messageId = randomUUID();
  const handled = await execute(
    deps,
    conversationId,
    {
      type: 'SendMessage',
      data: {
        conversationId,
        messageId,
        senderId: user.userId,
        text: input.text,
        attachments: input.attachments,
        now: deps.clock.now().toISOString(),
        ...(input.clientMessageId ? { clientMessageId: input.clientMessageId } : {}),
      },
    },
    user.userId,
  );
  if (handled.events.length > 0) return { seq: handled.revision, messageId, duplicate: false };
  const seq = input.clientMessageId ? chat.sequenceOfClientMessage(handled.state, user.userId, input.clientMessageId) : undefined;
  if (seq === undefined) throw new HttpProblem(500, 'Internal Server Error', 'The message was neither stored nor found');
  return { seq, messageId: undefined, duplicate: true };
};

export const markRead = (deps: Deps, user: AuthUser, conversationId: string, upTo: number) =>
  execute(deps, conversationId, { type: 'MarkRead', data: { conversationId, readerId: user.userId, upTo, now: deps.clock.now().toISOString() } }, user.userId);

/** A page of a conversation's events: those before `before` (the newest when omitted), oldest first. */
export const readPage = async (deps: Pick<ChatDeps, 'store'>, conversationId: string, before: number | undefined, limit: number) => {
  const streamId = chat.conversationStreamId(conversationId);
  const end = before ?? Number.MAX_SAFE_INTEGER;
  const head = before === undefined ? (await deps.store.readStream(streamId, { fromRevision: Number.MAX_SAFE_INTEGER })).revision : undefined;
  const last = Math.min(end - 1, head ?? end - 1);
  const from = Math.max(0, last - limit + 1);
  const read = await deps.store.readStream(streamId, { fromRevision: from, maxCount: Math.max(0, last - from + 1) });
  const events = read.events.filter((event) => event.streamRevision <= last).map((event) => wireOf(conversationId, event));
  return { events, head: read.revision, nextBefore: from > 0 ? from : null };
};

const wireOf = (conversationId: string, event: { streamRevision: number; type: string; data: unknown; occurredAt: string }): WireEvent => ({
  conversationId,
  seq: event.streamRevision,
  type: event.type,
  data: event.data,
  at: (event.data as { at?: string }).at ?? event.occurredAt,
});

/** The hub's reader: stored events from a sequence on. */
export const storeReader = (deps: Pick<ChatDeps, 'store'>) => async (conversationId: string, fromSeq: number, maxCount: number) => {
  const read = await deps.store.readStream(chat.conversationStreamId(conversationId), { fromRevision: fromSeq, maxCount });
  return read.events.map((event) => wireOf(conversationId, event));
};
