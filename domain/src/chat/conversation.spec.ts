import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { specFor, type SpecCase } from '../shared/spec.ts';
import { conversationDecider, REMEMBERED_CLIENT_IDS, sequenceOfClientMessage, type ConversationCommand, type ConversationEvent } from './conversation.ts';
import { HIDDEN } from './masking.ts';

const spec = specFor(conversationDecider);
const NOW = '2026-05-01T10:00:00.000Z';
const id = 'booking-b1';
const booking = { conversationId: id, bookingId: 'b1', listingId: 'l1', guestId: 'guest-1', hostId: 'host-1', now: NOW };

const notice = (
  notice: ConversationCommand & { type: 'RecordBookingEvent' } extends { data: infer D } ? (D extends { notice: infer N } ? N : never) : never,
  bookingRevision: number,
): ConversationCommand => ({
  type: 'RecordBookingEvent',
  data: { ...booking, notice, bookingRevision },
});
const opened: ConversationEvent = {
  type: 'ConversationOpened',
  data: { conversationId: id, subject: { kind: 'booking', bookingId: 'b1', listingId: 'l1' }, guestId: 'guest-1', hostId: 'host-1', at: NOW },
};
const posted = (
  n: 'requested' | 'approved' | 'confirmed' | 'cancelled' | 'modified' | 'declined',
  bookingRevision: number,
  contactsVisible = false,
): ConversationEvent => ({
  type: 'SystemMessagePosted',
  data: { conversationId: id, notice: n, bookingId: 'b1', bookingRevision, contactsVisible, at: NOW },
});
const send = (
  text: string,
  more: Partial<{ senderId: string; clientMessageId: string; attachments: { url: string; name?: string }[] }> = {},
): ConversationCommand => ({
  type: 'SendMessage',
  data: {
    conversationId: id,
    messageId: 'm1',
    senderId: more.senderId ?? 'guest-1',
    text,
    attachments: more.attachments ?? [],
    now: NOW,
    ...(more.clientMessageId ? { clientMessageId: more.clientMessageId } : {}),
  },
});
const sent = (text: string, hidden = 0, more: Partial<{ senderId: string; clientMessageId: string }> = {}): ConversationEvent => ({
  type: 'MessageSent',
  data: {
    conversationId: id,
    messageId: 'm1',
    senderId: more.senderId ?? 'guest-1',
    text,
    attachments: [],
    hidden,
    at: NOW,
    ...(more.clientMessageId ? { clientMessageId: more.clientMessageId } : {}),
  },
});
const read = (readerId: string, upTo: number): ConversationCommand => ({ type: 'MarkRead', data: { conversationId: id, readerId, upTo, now: NOW } });

describe('conversation of a booking', () => {
  it.each<SpecCase<ConversationCommand, ConversationEvent>>([
    { name: 'a booking request opens the conversation with a system message', when: notice('requested', 0), then: [opened, posted('requested', 0)] },
    {
      name: 'each later booking event posts a system message',
      given: [opened, posted('requested', 0)],
      when: notice('approved', 1),
      then: [posted('approved', 1)],
    },
    {
      name: 'a booking event delivered twice posts once',
      given: [opened, posted('requested', 0), posted('approved', 1)],
      when: notice('approved', 1),
      then: [],
    },
    {
      name: 'an older booking event after a newer posts nothing',
      given: [opened, posted('requested', 0), posted('approved', 3)],
      when: notice('requested', 0),
      then: [],
    },
    { name: 'confirmation shows contact details', given: [opened, posted('requested', 0)], when: notice('confirmed', 4), then: [posted('confirmed', 4, true)] },
    {
      name: 'a modification keeps them shown',
      given: [opened, posted('confirmed', 4, true)],
      when: notice('modified', 5),
      then: [posted('modified', 5, true)],
    },
    {
      name: 'a cancellation hides them again',
      given: [opened, posted('confirmed', 4, true)],
      when: notice('cancelled', 6),
      then: [posted('cancelled', 6, false)],
    },
  ])('$name', spec.run);
});

describe('SendMessage', () => {
  const open = [opened, posted('requested', 0)];
  const confirmed = [opened, posted('confirmed', 3, true)];
  it.each<SpecCase<ConversationCommand, ConversationEvent>>([
    { name: 'the guest writes', given: open, when: send('Is the flat quiet?'), then: [sent('Is the flat quiet?')] },
    { name: 'the host writes', given: open, when: send('Very quiet', { senderId: 'host-1' }), then: [sent('Very quiet', 0, { senderId: 'host-1' })] },
    {
      name: 'before confirmation an e-mail address and a phone number are hidden',
      given: open,
      when: send('mail me at ann@example.com or call +33 6 12 34 56 78'),
      then: [sent(`mail me at ${HIDDEN.email} or call ${HIDDEN.phone}`, 2)],
    },
    { name: 'before confirmation a link is hidden', given: open, when: send('see https://evil.example/pay'), then: [sent(`see ${HIDDEN.link}`, 1)] },
    {
      name: 'after confirmation contact details show',
      given: confirmed,
      when: send('ann@example.com, +33 6 12 34 56 78'),
      then: [sent('ann@example.com, +33 6 12 34 56 78')],
    },
    {
      name: 'a message resent with the same client id is stored once',
      given: [...open, sent('hi', 0, { clientMessageId: 'c1' })],
      when: send('hi', { clientMessageId: 'c1' }),
      then: [],
    },
    {
      name: 'another sender may reuse a client id',
      given: [...open, sent('hi', 0, { clientMessageId: 'c1' })],
      when: send('hi', { senderId: 'host-1', clientMessageId: 'c1' }),
      then: [sent('hi', 0, { senderId: 'host-1', clientMessageId: 'c1' })],
    },
    { name: 'someone else cannot write', given: open, when: send('hello', { senderId: 'guest-2' }), throws: 'NOT_CONVERSATION_PARTY' },
    { name: 'an admin cannot write either', given: open, when: send('hello', { senderId: 'admin-1' }), throws: 'NOT_CONVERSATION_PARTY' },
    { name: 'no conversation', when: send('hello'), throws: 'CONVERSATION_NOT_FOUND' },
    { name: 'empty text without attachment', given: open, when: send('   '), throws: 'MESSAGE_INVALID' },
    { name: 'more than 4,000 characters', given: open, when: send('x'.repeat(4_001)), throws: 'MESSAGE_INVALID', details: { max: 4_000 } },
    { name: 'exactly 4,000 characters', given: open, when: send('x'.repeat(4_000)), then: [sent('x'.repeat(4_000))] },
  ])('$name', spec.run);

  it('an attachment alone is a message; its name is masked before confirmation', () => {
    spec
      .given(open)
      .when(send('', { attachments: [{ url: 'https://cdn.stayhub.test/a.jpg', name: 'call 0612345678.jpg' }] }))
      .then([
        {
          ...sent(''),
          data: { ...(sent('').data as object), attachments: [{ url: 'https://cdn.stayhub.test/a.jpg', name: `call ${HIDDEN.phone}.jpg` }] },
        } as ConversationEvent,
      ]);
  });
});

describe('client message ids', () => {
  it('the newest ones are remembered; the oldest beyond the limit are forgotten', () => {
    const open = [opened, posted('requested', 0)];
    const many = Array.from({ length: REMEMBERED_CLIENT_IDS + 1 }, (_, i) => sent(`m${i}`, 0, { clientMessageId: `c${i}` }));
    const state = fold(conversationDecider, [...open, ...many]);
    expect(sequenceOfClientMessage(state, 'guest-1', 'c0')).toBeUndefined();
    expect(sequenceOfClientMessage(state, 'guest-1', 'c1')).toBe(3);
    expect(sequenceOfClientMessage(state, 'guest-1', `c${REMEMBERED_CLIENT_IDS}`)).toBe(REMEMBERED_CLIENT_IDS + 2);
  });

  it('a state evolved twice (a commit refused, then decided again) keeps each branch apart', () => {
    const open = fold(conversationDecider, [opened, posted('requested', 0), sent('hi', 0, { clientMessageId: 'c1' })]);
    const refused = conversationDecider.evolve(open, sent('lost', 0, { clientMessageId: 'c2' }));
    const retried = conversationDecider.evolve(open, sent('kept', 0, { clientMessageId: 'c3' }));
    expect(sequenceOfClientMessage(refused, 'guest-1', 'c2')).toBe(3);
    expect(sequenceOfClientMessage(retried, 'guest-1', 'c2')).toBeUndefined();
    expect(sequenceOfClientMessage(retried, 'guest-1', 'c3')).toBe(3);
    expect(sequenceOfClientMessage(retried, 'guest-1', 'c1')).toBe(2);
    expect(sequenceOfClientMessage(open, 'guest-1', 'c2')).toBeUndefined();
  });
});

describe('OpenInquiry', () => {
  const inquiry = (guestId: string): ConversationCommand => ({
    type: 'OpenInquiry',
    data: { conversationId: 'inquiry-l1-g', listingId: 'l1', guestId, hostId: 'host-1', now: NOW },
  });
  const inquiryOpened: ConversationEvent = {
    type: 'ConversationOpened',
    data: { conversationId: 'inquiry-l1-g', subject: { kind: 'inquiry', listingId: 'l1' }, guestId: 'guest-1', hostId: 'host-1', at: NOW },
  };
  it.each<SpecCase<ConversationCommand, ConversationEvent>>([
    { name: 'a guest asks about a listing', when: inquiry('guest-1'), then: [inquiryOpened] },
    { name: 'asking again reuses the conversation', given: [inquiryOpened], when: inquiry('guest-1'), then: [] },
    { name: 'a host cannot ask about their own listing', when: inquiry('host-1'), throws: 'CANNOT_MESSAGE_SELF' },
  ])('$name', spec.run);
});

describe('MarkRead', () => {
  const open = [opened, posted('requested', 0), sent('hi')];
  it.each<SpecCase<ConversationCommand, ConversationEvent>>([
    {
      name: 'the host reads up to the last message',
      given: open,
      when: read('host-1', 2),
      then: [{ type: 'MessagesRead', data: { conversationId: id, readerId: 'host-1', upTo: 2, at: NOW } }],
    },
    {
      name: 'reading again up to the same point records nothing',
      given: [...open, { type: 'MessagesRead', data: { conversationId: id, readerId: 'host-1', upTo: 2, at: NOW } }],
      when: read('host-1', 1),
      then: [],
    },
    { name: 'not beyond the last event', given: open, when: read('host-1', 7), throws: 'READ_BEYOND_HEAD', details: { head: 2 } },
    { name: 'only a party', given: open, when: read('guest-2', 1), throws: 'NOT_CONVERSATION_PARTY' },
  ])('$name', spec.run);
});
