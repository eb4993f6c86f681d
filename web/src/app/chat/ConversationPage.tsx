import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { get, queryString } from '../shared/api.ts';
import { useAuth } from '../shared/auth.tsx';
import { useResource } from '../shared/resource.ts';
import { ErrorMessage, Field, formatDate, Loading } from '../shared/ui.tsx';
import { useChat, useConnectionState } from './chat-context.tsx';
import type { ChatConnection, ConnectionState } from './connection.ts';
import {
  describeNotice,
  MAX_TEXT,
  type ChatEvent,
  type ConversationSummary,
  type MessageData,
  type MessagePage,
  type ReadData,
  type SystemData,
} from './types.ts';

const PAGE = 50;
const TYPING_SHOWN_MS = 4_000;
const TYPING_SENT_EVERY_MS = 3_000;

type Timeline = { events: ChatEvent[]; nextBefore: number | null; reads: Record<string, number> };

/** Adds events by sequence: one already there is not added twice, and the order is the sequence. */
const merge = (events: ChatEvent[], more: ChatEvent[]): ChatEvent[] => {
  const bySeq = new Map(events.map((e) => [e.seq, e]));
  for (const event of more) bySeq.set(event.seq, event);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
};

const readsAfter = (reads: Record<string, number>, events: ChatEvent[]): Record<string, number> => {
  const next = { ...reads };
  for (const event of events) {
    if (event.type !== 'MessagesRead') continue;
    const { readerId, upTo } = event.data as ReadData;
    next[readerId] = Math.max(next[readerId] ?? -1, upTo);
  }
  return next;
};

const statusText = (status: ConnectionState | 'none', waiting: number): string => {
  if (status === 'open') return waiting > 0 ? `Sending ${waiting} message(s)…` : 'Live';
  const kept = waiting > 0 ? `; ${waiting} message(s) will be sent when it is back` : '';
  return status === 'connecting' ? `Connecting…${kept}` : `Offline: reconnecting${kept}`;
};

/** The conversation's events, newest page first from HTTP, then live over the socket (resumed after every drop). */
const useTimeline = (chat: ChatConnection | null, conversationId: string) => {
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [typing, setTyping] = useState<string | null>(null);
  useEffect(() => {
    setTimeline(null);
    setError(null);
    if (!chat) return;
    const controller = new AbortController();
    let stop: (() => void) | undefined;
    let typingTimer: ReturnType<typeof setTimeout> | undefined;
    get<MessagePage>('chat', `/conversations/${conversationId}/messages${queryString({ limit: PAGE })}`, { signal: controller.signal }).then(
      (page) => {
        if (controller.signal.aborted) return;
        setTimeline({ events: page.events, nextBefore: page.nextBefore, reads: readsAfter(page.reads, page.events) });
        stop = chat.follow(conversationId, page.head, {
          onEvent: (event) => {
            setTimeline((t) => t && { ...t, events: merge(t.events, [event]), reads: readsAfter(t.reads, [event]) });
            if (event.type === 'MessageSent') setTyping(null);
          },
          onTyping: (userId) => {
            setTyping(userId);
            clearTimeout(typingTimer);
            typingTimer = setTimeout(() => setTyping(null), TYPING_SHOWN_MS);
          },
        });
      },
      (caught: unknown) => !controller.signal.aborted && setError(caught),
    );
    return () => {
      controller.abort();
      clearTimeout(typingTimer);
      stop?.();
    };
  }, [chat, conversationId]);

  const loadOlder = async () => {
    if (!timeline?.nextBefore) return;
    try {
      const page = await get<MessagePage>('chat', `/conversations/${conversationId}/messages${queryString({ before: timeline.nextBefore, limit: PAGE })}`);
      setTimeline((t) => t && { ...t, events: merge(t.events, page.events), nextBefore: page.nextBefore });
    } catch (caught) {
      setError(caught);
    }
  };
  return { timeline, error, typing, loadOlder };
};

const Message = ({ event, mine, seen, otherName }: { event: ChatEvent; mine: boolean; seen: boolean; otherName: string }) => {
  if (event.type === 'SystemMessagePosted') {
    return <li className="chat-system">{describeNotice((event.data as SystemData).notice)}</li>;
  }
  const data = event.data as MessageData;
  return (
    <li className={mine ? 'chat-message mine' : 'chat-message'} aria-label={`${mine ? 'You' : otherName}: ${data.text}`}>
      <p className="prose">{data.text}</p>
      {data.attachments.length > 0 && (
        <ul>
          {data.attachments.map((a) => (
            <li key={a.url}>
              <a href={a.url} rel="noreferrer noopener" target="_blank">
                {a.name ?? a.url}
              </a>
            </li>
          ))}
        </ul>
      )}
      <small className="muted">
        {mine ? 'You' : otherName} · {formatDate(data.at)}
        {data.hidden > 0 ? ` · ${data.hidden} contact detail(s) hidden until the booking is confirmed` : ''}
        {mine && seen ? ' · Seen' : ''}
      </small>
    </li>
  );
};

export const ConversationPage = () => {
  const { conversationId = '' } = useParams();
  const { session } = useAuth();
  const chat = useChat();
  const status = useConnectionState(chat);
  const { timeline, error, typing, loadOlder } = useTimeline(chat, conversationId);
  const [text, setText] = useState('');
  const lastTyping = useRef(0);
  const me = session?.userId ?? '';
  const messages = timeline?.events.filter((e) => e.type === 'MessageSent' || e.type === 'SystemMessagePosted') ?? [];
  // A message whose event has come (its ack may still be on the way) shows once, as stored.
  const stored = new Set(messages.map((e) => (e.data as MessageData).clientMessageId));
  const pending = (chat?.pendingOf(conversationId) ?? []).filter((p) => !stored.has(p.clientMessageId));
  const other = Object.keys(timeline?.reads ?? {}).find((id) => id !== me);
  const otherRead = other ? (timeline?.reads[other] ?? -1) : -1;
  const inbox = useResource('conversations', (signal) =>
    get<{ conversations: ConversationSummary[] }>('chat', `/me/conversations${queryString({ limit: 200 })}`, { signal }),
  );
  const summary = inbox.data?.conversations.find((c) => c.conversationId === conversationId);
  const otherName = summary?.otherParty.firstName ?? (summary?.role === 'host' ? 'The guest' : 'The host');

  // What the other party wrote counts as read once it is on screen.
  const newestFromOther = messages.filter((e) => e.type === 'MessageSent' && (e.data as MessageData).senderId !== me).at(-1)?.seq ?? -1;
  const myRead = timeline?.reads[me] ?? -1;
  useEffect(() => {
    if (chat && status === 'open' && newestFromOther > myRead) chat.markRead(conversationId, newestFromOther);
  }, [chat, status, conversationId, newestFromOther, myRead]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!chat || !text.trim()) return;
    chat.send(conversationId, text);
    setText('');
  };
  const onType = (value: string) => {
    setText(value);
    if (chat && Date.now() - lastTyping.current > TYPING_SENT_EVERY_MS) {
      lastTyping.current = Date.now();
      chat.typing(conversationId);
    }
  };

  return (
    <section className="chat">
      <p>
        <Link to="/messages">← All messages</Link>
      </p>
      <h1>{summary ? `${otherName} · ${summary.listingTitle ?? 'a listing'}` : 'Conversation'}</h1>
      <p role="status" data-testid="chat-status" className={status === 'open' ? 'muted' : 'warn'}>
        {statusText(status, pending.filter((p) => !p.failed).length)}
      </p>
      {error ? <ErrorMessage error={error} title="Could not load the conversation" /> : null}
      {!timeline && !error && <Loading what="the conversation" />}
      {timeline && (
        <>
          {timeline.nextBefore !== null && (
            <button type="button" className="secondary" onClick={() => void loadOlder()}>
              Show older messages
            </button>
          )}
          {messages.length === 0 && pending.length === 0 ? (
            <p className="empty">No messages yet. Say hello below.</p>
          ) : (
            <ol className="chat-log" aria-label="Messages" aria-live="polite">
              {messages.map((event) => (
                <Message key={event.seq} event={event} mine={(event.data as MessageData).senderId === me} seen={otherRead >= event.seq} otherName={otherName} />
              ))}
              {pending.map((p) => (
                <li key={p.clientMessageId} className="chat-message mine pending" aria-label={`You (not sent yet): ${p.text}`}>
                  <p className="prose">{p.text}</p>
                  {p.failed ? (
                    <small className="error-text">
                      Not sent: {p.failed}{' '}
                      <button type="button" className="link" onClick={() => chat?.retry(p.clientMessageId)}>
                        Send again
                      </button>{' '}
                      <button type="button" className="link" onClick={() => chat?.discard(p.clientMessageId)}>
                        Discard
                      </button>
                    </small>
                  ) : (
                    <small className="muted">{status === 'open' ? 'Sending…' : 'Waiting for the connection'}</small>
                  )}
                </li>
              ))}
            </ol>
          )}
          <p className="muted typing" aria-live="polite">
            {typing && typing !== me ? 'Typing…' : ''}
          </p>
          <form onSubmit={submit} aria-label="Write a message" className="chat-compose">
            <Field label="Message" hint="Contact details stay hidden until the booking is confirmed.">
              <textarea value={text} maxLength={MAX_TEXT} rows={3} onChange={(e) => onType(e.target.value)} />
            </Field>
            <button type="submit" disabled={!text.trim()}>
              Send
            </button>
          </form>
        </>
      )}
    </section>
  );
};
