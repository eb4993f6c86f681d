import { useEffect } from 'react';
import { Link } from 'react-router';
import { get, queryString } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import { AsyncList, formatDate } from '../shared/ui.tsx';
import { useChat } from './chat-context.tsx';
import type { ConversationSummary } from './types.ts';

type Inbox = { conversations: ConversationSummary[] };

const otherName = (c: ConversationSummary) => c.otherParty.firstName ?? (c.role === 'guest' ? 'the host' : 'the guest');

/** Conversations, latest activity first, each with its unread count; refreshed when any of them moves. */
export const ConversationsPage = () => {
  const chat = useChat();
  const inbox = useResource('conversations', (signal) => get<Inbox>('chat', `/me/conversations${queryString({ limit: 100 })}`, { signal }));
  // Followed from the sequence the list knows: anything newer reloads it.
  const known = inbox.data?.conversations.map((c) => `${c.conversationId}:${c.lastSeq}`).join(' ') ?? '';
  const { reload } = inbox;
  useEffect(() => {
    if (!chat || !known) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(reload, 300);
    };
    const stops = known.split(' ').map((entry) => {
      const [id = '', seq] = entry.split(':');
      return chat.follow(id, Number(seq), { onEvent: soon });
    });
    return () => {
      clearTimeout(timer);
      for (const stop of stops) stop();
    };
  }, [chat, known, reload]);
  return (
    <section>
      <h1>Messages</h1>
      <AsyncList
        resource={inbox}
        what="conversations"
        empty="No conversations yet. Ask a host about a listing, or book one: its conversation opens with the request."
        items={(data: Inbox) => data.conversations}
      >
        {(items) => (
          <ul className="trips">
            {items.map((c) => (
              <li key={c.conversationId} className="card" aria-label={`Conversation with ${otherName(c)} about ${c.listingTitle ?? 'a listing'}`}>
                <h2>
                  <Link to={`/messages/${c.conversationId}`}>
                    {otherName(c)} · {c.listingTitle ?? 'a listing'}
                  </Link>{' '}
                  {c.unread > 0 && <span className="badge badge-unread">{c.unread} unread</span>}
                </h2>
                <p className="muted">
                  {c.kind === 'booking' ? 'About a booking' : 'A question before booking'} · last activity {formatDate(c.lastActivityAt)}
                </p>
              </li>
            ))}
          </ul>
        )}
      </AsyncList>
    </section>
  );
};
