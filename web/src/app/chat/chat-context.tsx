import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useAuth } from '../shared/auth.tsx';
import { ChatConnection, type ConnectionState, type SocketLike } from './connection.ts';

const ChatContext = createContext<ChatConnection | null>(null);

const socketUrl = (token: string): string => {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/api/chat/ws?access_token=${encodeURIComponent(token)}`;
};

/** One chat connection per signed-in session, dropped on sign-out and told when the browser goes offline or back. */
export const ChatProvider = ({ children }: { children: ReactNode }) => {
  const { session } = useAuth();
  const [connection, setConnection] = useState<ChatConnection | null>(null);
  const token = session?.token;
  useEffect(() => {
    if (!token) return;
    const next = new ChatConnection({ url: socketUrl(token), open: (url) => new WebSocket(url) as unknown as SocketLike });
    const offline = () => next.wentOffline();
    const online = () => next.cameOnline();
    window.addEventListener('offline', offline);
    window.addEventListener('online', online);
    setConnection(next);
    return () => {
      window.removeEventListener('offline', offline);
      window.removeEventListener('online', online);
      next.close();
      setConnection(null);
    };
  }, [token]);
  return <ChatContext.Provider value={connection}>{children}</ChatContext.Provider>;
};

export const useChat = (): ChatConnection | null => useContext(ChatContext);

/** Re-renders on every change of the connection (its state, its unacknowledged messages). */
export const useConnectionState = (connection: ChatConnection | null): ConnectionState | 'none' => {
  useSyncExternalStore(
    (notify) => connection?.onChange(notify) ?? (() => undefined),
    () => connection?.version ?? 0,
  );
  return connection?.status ?? 'none';
};
