import { z } from 'zod';
import { assertNever, unknownEvent, type Decider } from '../shared/decider.ts';
import { ensure, fail } from '../shared/errors.ts';
import { Id, Instant } from '../shared/primitives.ts';
import { maskContactDetails } from './masking.ts';
import { addRecent, emptyRecentIds, findRecent, type RecentIds } from './recent-ids.ts';

/** Conversation ids are safe in a URL and a stream name: `booking-{bookingId}`, `inquiry-{listingId}-{guestId}`. */
export const ConversationId = z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, 'letters, digits, - and _ (at most 200)');
export const conversationStreamId = (conversationId: string): string => `conversation-${conversationId}`;
export const bookingConversationId = (bookingId: string): string => `booking-${bookingId}`;
export const inquiryConversationId = (listingId: string, guestId: string): string => `inquiry-${listingId}-${guestId}`;

export const MAX_TEXT = 4_000;
export const MAX_ATTACHMENTS = 10;

export const Attachment = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(2_000),
  name: z.string().min(1).max(200).optional(),
  contentType: z.string().min(1).max(100).optional(),
});
export type Attachment = z.infer<typeof Attachment>;

const Subject = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('booking'), bookingId: Id, listingId: Id }),
  z.object({ kind: z.literal('inquiry'), listingId: Id }),
]);
type Subject = z.infer<typeof Subject>;

/** The booking events that become a system message in the booking's conversation. */
export const BookingNotice = z.enum(['requested', 'approved', 'declined', 'expired', 'confirmed', 'cancelled', 'modified']);
export type BookingNotice = z.infer<typeof BookingNotice>;

// ── events ──────────────────────────────────────────────────────────────────────────────────────
const ConversationOpenedData = z.object({ conversationId: Id, subject: Subject, guestId: Id, hostId: Id, at: Instant });
export const MessageSentData = z.object({
  conversationId: Id,
  messageId: Id,
  clientMessageId: z.string().optional(),
  senderId: Id,
  text: z.string(),
  attachments: z.array(Attachment),
  /** How many e-mail addresses, phone numbers and links were hidden from `text`. */
  hidden: z.number().int().min(0),
  at: Instant,
});
const SystemMessagePostedData = z.object({
  conversationId: Id,
  notice: BookingNotice,
  bookingId: Id,
  /** The booking stream's revision of the event told: a redelivered booking event posts nothing twice. */
  bookingRevision: z.number().int().min(0),
  /** Whether contact details are shown from here on (only while the booking is confirmed). */
  contactsVisible: z.boolean(),
  at: Instant,
});
const MessagesReadData = z.object({ conversationId: Id, readerId: Id, upTo: z.number().int().min(0), at: Instant });

export const ConversationEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ConversationOpened'), data: ConversationOpenedData }),
  z.object({ type: z.literal('MessageSent'), data: MessageSentData }),
  z.object({ type: z.literal('SystemMessagePosted'), data: SystemMessagePostedData }),
  z.object({ type: z.literal('MessagesRead'), data: MessagesReadData }),
]);
export type ConversationEvent = z.infer<typeof ConversationEvent>;
export type MessageSentData = z.infer<typeof MessageSentData>;
export const conversationEventTypes = ConversationEvent.options.map((option) => option.shape.type.value);

// ── commands ────────────────────────────────────────────────────────────────────────────────────
type OpenInquiry = {
  type: 'OpenInquiry';
  data: { conversationId: string; listingId: string; guestId: string; hostId: string; now: string };
};
type RecordBookingEvent = {
  type: 'RecordBookingEvent';
  data: {
    conversationId: string;
    bookingId: string;
    listingId: string;
    guestId: string;
    hostId: string;
    notice: BookingNotice;
    bookingRevision: number;
    now: string;
  };
};
type SendMessage = {
  type: 'SendMessage';
  data: { conversationId: string; messageId: string; clientMessageId?: string; senderId: string; text: string; attachments: Attachment[]; now: string };
};
type MarkRead = { type: 'MarkRead'; data: { conversationId: string; readerId: string; upTo: number; now: string } };
export type ConversationCommand = OpenInquiry | RecordBookingEvent | SendMessage | MarkRead;

// ── state ───────────────────────────────────────────────────────────────────────────────────────
export type OpenConversation = {
  status: 'open';
  conversationId: string;
  subject: Subject;
  guestId: string;
  hostId: string;
  /** The sequence (stream revision) of the last event: events are numbered from 0. */
  head: number;
  contactsVisible: boolean;
  bookingRevision: number;
  /** Each party's read mark: the sequence read up to. */
  reads: Record<string, number>;
  /** `${senderId} ${clientMessageId}` → the sequence its message got, for the newest client ids: a resent message is not stored twice. */
  sent: RecentIds;
};
export type Conversation = { status: 'none'; head: number } | OpenConversation;

const initialConversation: Conversation = { status: 'none', head: -1 };

export const isParty = (state: Conversation, userId: string): boolean => state.status === 'open' && (state.guestId === userId || state.hostId === userId);

const sentKey = (senderId: string, clientMessageId: string) => `${senderId} ${clientMessageId}`;

/** Client ids remembered per conversation: a resend comes within moments, so the newest few hundred suffice. */
export const REMEMBERED_CLIENT_IDS = 500;

/** The sequence a client's message was stored under, if it was. */
export const sequenceOfClientMessage = (state: Conversation, senderId: string, clientMessageId: string): number | undefined =>
  state.status === 'open' ? findRecent(state.sent, sentKey(senderId, clientMessageId)) : undefined;

const evolveConversation = (state: Conversation, event: ConversationEvent): Conversation => {
  const head = state.head + 1;
  switch (event.type) {
    case 'ConversationOpened': {
      const { conversationId, subject, guestId, hostId } = event.data;
      return {
        status: 'open',
        conversationId,
        subject,
        guestId,
        hostId,
        head,
        contactsVisible: false,
        bookingRevision: -1,
        reads: {},
        sent: emptyRecentIds(REMEMBERED_CLIENT_IDS),
      };
    }
    case 'MessageSent': {
      if (state.status !== 'open') return { ...state, head };
      const { clientMessageId, senderId } = event.data;
      return { ...state, head, sent: clientMessageId ? addRecent(state.sent, sentKey(senderId, clientMessageId), head) : state.sent };
    }
    case 'SystemMessagePosted':
      if (state.status !== 'open') return { ...state, head };
      return { ...state, head, contactsVisible: event.data.contactsVisible, bookingRevision: event.data.bookingRevision };
    case 'MessagesRead':
      if (state.status !== 'open') return { ...state, head };
      return { ...state, head, reads: { ...state.reads, [event.data.readerId]: event.data.upTo } };
    default:
      return unknownEvent(state, event);
  }
};

const openedOrFail = (state: Conversation): OpenConversation => {
  if (state.status !== 'open') return fail('CONVERSATION_NOT_FOUND', 'There is no such conversation');
  return state;
};

const openInquiry = ({ data }: OpenInquiry, state: Conversation): ConversationEvent[] => {
  ensure(data.guestId !== data.hostId, 'CANNOT_MESSAGE_SELF', 'A host cannot ask about their own listing');
  if (state.status === 'open') {
    ensure(state.guestId === data.guestId && state.subject.kind === 'inquiry', 'CONVERSATION_EXISTS', 'This conversation belongs to someone else');
    return [];
  }
  const { conversationId, listingId, guestId, hostId, now } = data;
  return [{ type: 'ConversationOpened', data: { conversationId, subject: { kind: 'inquiry', listingId }, guestId, hostId, at: now } }];
};

/** Contact details show while the booking is confirmed; any later cancellation hides them again. */
const visibleAfter = (notice: BookingNotice, before: boolean): boolean => {
  switch (notice) {
    case 'confirmed':
      return true;
    case 'declined':
    case 'expired':
    case 'cancelled':
      return false;
    case 'requested':
    case 'approved':
    case 'modified':
      return before;
    default:
      return assertNever(notice);
  }
};

const recordBookingEvent = ({ data }: RecordBookingEvent, state: Conversation): ConversationEvent[] => {
  const { conversationId, bookingId, listingId, guestId, hostId, notice, bookingRevision, now } = data;
  const opened: ConversationEvent[] =
    state.status === 'none'
      ? [{ type: 'ConversationOpened', data: { conversationId, subject: { kind: 'booking', bookingId, listingId }, guestId, hostId, at: now } }]
      : [];
  const before = state.status === 'open' ? state : undefined;
  if (before && bookingRevision <= before.bookingRevision) return [];
  const contactsVisible = visibleAfter(notice, before?.contactsVisible ?? false);
  return [...opened, { type: 'SystemMessagePosted', data: { conversationId, notice, bookingId, bookingRevision, contactsVisible, at: now } }];
};

const sendMessage = ({ data }: SendMessage, state: Conversation): ConversationEvent[] => {
  const conversation = openedOrFail(state);
  ensure(isParty(conversation, data.senderId), 'NOT_CONVERSATION_PARTY', 'Only the guest and the host of a conversation write in it');
  ensure(data.text.trim().length > 0 || data.attachments.length > 0, 'MESSAGE_INVALID', 'A message needs text or an attachment');
  ensure(data.text.length <= MAX_TEXT, 'MESSAGE_INVALID', `A message has at most ${MAX_TEXT} characters`, { max: MAX_TEXT });
  ensure(data.attachments.length <= MAX_ATTACHMENTS, 'MESSAGE_INVALID', `A message has at most ${MAX_ATTACHMENTS} attachments`, { max: MAX_ATTACHMENTS });
  if (data.clientMessageId && sequenceOfClientMessage(conversation, data.senderId, data.clientMessageId) !== undefined) return [];
  const shown = conversation.contactsVisible ? { text: data.text, hidden: 0 } : maskContactDetails(data.text);
  const attachments = conversation.contactsVisible
    ? data.attachments
    : data.attachments.map((attachment) => (attachment.name ? { ...attachment, name: maskContactDetails(attachment.name).text } : attachment));
  const { conversationId, messageId, clientMessageId, senderId, now } = data;
  return [
    {
      type: 'MessageSent',
      data: {
        conversationId,
        messageId,
        ...(clientMessageId ? { clientMessageId } : {}),
        senderId,
        text: shown.text,
        attachments,
        hidden: shown.hidden,
        at: now,
      },
    },
  ];
};

const markRead = ({ data }: MarkRead, state: Conversation): ConversationEvent[] => {
  const conversation = openedOrFail(state);
  ensure(isParty(conversation, data.readerId), 'NOT_CONVERSATION_PARTY', 'Only the guest and the host of a conversation mark it read');
  ensure(data.upTo <= conversation.head, 'READ_BEYOND_HEAD', `The conversation ends at sequence ${conversation.head}`, { head: conversation.head });
  if (data.upTo <= (conversation.reads[data.readerId] ?? -1)) return [];
  const { conversationId, readerId, upTo, now } = data;
  return [{ type: 'MessagesRead', data: { conversationId, readerId, upTo, at: now } }];
};

const decideConversation = (command: ConversationCommand, state: Conversation): ConversationEvent[] => {
  switch (command.type) {
    case 'OpenInquiry':
      return openInquiry(command, state);
    case 'RecordBookingEvent':
      return recordBookingEvent(command, state);
    case 'SendMessage':
      return sendMessage(command, state);
    case 'MarkRead':
      return markRead(command, state);
    default:
      return assertNever(command);
  }
};

export const conversationDecider: Decider<ConversationCommand, Conversation, ConversationEvent> = {
  initialState: initialConversation,
  evolve: evolveConversation,
  decide: decideConversation,
};
