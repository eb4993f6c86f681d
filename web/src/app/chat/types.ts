/** What the chat sends for each stored event of a conversation; `seq` orders them. */
export type ChatEvent = { conversationId: string; seq: number; type: string; data: Record<string, unknown>; at: string };

export type MessageData = {
  messageId: string;
  clientMessageId?: string;
  senderId: string;
  text: string;
  attachments: { url: string; name?: string }[];
  hidden: number;
  at: string;
};
export type SystemData = { notice: string; bookingId: string; contactsVisible: boolean; at: string };
export type ReadData = { readerId: string; upTo: number };

export type ConversationSummary = {
  conversationId: string;
  kind: 'booking' | 'inquiry';
  bookingId: string | null;
  listingId: string;
  listingTitle: string | null;
  role: 'guest' | 'host' | 'admin';
  otherParty: { userId: string; firstName: string | null };
  lastSeq: number;
  lastActivityAt: string;
  unread: number;
};

export type MessagePage = { conversationId: string; head: number; nextBefore: number | null; events: ChatEvent[]; reads: Record<string, number> };

export { bookingConversationId, MAX_TEXT } from '@stayhub/domain/chat';

const NOTICES: Record<string, string> = {
  requested: 'The booking was requested.',
  approved: 'The host approved the booking.',
  declined: 'The host declined the booking.',
  expired: 'The request expired without an answer.',
  confirmed: 'The booking is confirmed.',
  cancelled: 'The booking was cancelled.',
  modified: 'The booking was changed.',
};
export const describeNotice = (notice: string): string => NOTICES[notice] ?? `Booking ${notice}.`;
