import { useEffect } from 'react';
import { get, queryString } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import type { ConversationSummary } from './types.ts';

const REFRESH_MS = 30_000;

/** The number of unread messages over all conversations, refreshed every half minute and when the tab comes back. */
export const UnreadBadge = () => {
  const inbox = useResource('unread', (signal) =>
    get<{ conversations: ConversationSummary[] }>('chat', `/me/conversations${queryString({ limit: 200 })}`, { signal }),
  );
  const { reload } = inbox;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    window.addEventListener('focus', reload);
    return () => {
      clearInterval(timer);
      window.removeEventListener('focus', reload);
    };
  }, [reload]);
  const unread = inbox.data?.conversations.reduce((sum, c) => sum + c.unread, 0) ?? 0;
  if (unread === 0) return null;
  return <span className="badge badge-unread">{unread} unread</span>;
};
