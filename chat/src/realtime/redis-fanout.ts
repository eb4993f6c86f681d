import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Fanout, FanoutMessage } from './fanout.ts';

const channelOf = (conversationId: string) => `chat:conversation:${conversationId}`;
const PREFIX = 'chat:conversation:';

/**
 * Fan-out through Redis pub/sub, one channel per conversation: a process subscribes to the
 * channels of the conversations its sockets follow, so traffic grows with what each one serves.
 * Pub/sub is at most once; the cursors' gap filling from the store makes delivery exactly once.
 */
export const redisFanout = (url: string, receive: (message: FanoutMessage) => void, onError: (error: unknown) => void): Fanout => {
  const origin = randomUUID();
  // A payload starts with its origin (the key written first), so a process drops its own messages,
  // which come back on every channel it follows, without parsing them.
  const ownPrefix = `{"origin":"${origin}"`;
  // The publishes of one commit (one per conversation) leave in one write.
  const publisher = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1, enableAutoPipelining: true });
  const subscriber = new Redis(url, { lazyConnect: false });
  publisher.on('error', onError);
  subscriber.on('error', onError);
  subscriber.on('message', (channel: string, payload: string) => {
    if (!channel.startsWith(PREFIX) || payload.startsWith(ownPrefix)) return;
    try {
      const parsed = JSON.parse(payload) as { origin: string; message: FanoutMessage };
      if (parsed.origin !== origin) receive(parsed.message);
    } catch (error) {
      onError(error);
    }
  });
  return {
    publish: (message) => {
      publisher.publish(channelOf(message.conversationId), JSON.stringify({ origin, message })).catch(onError);
    },
    follow: (conversationId) => {
      subscriber.subscribe(channelOf(conversationId)).catch(onError);
    },
    unfollow: (conversationId) => {
      subscriber.unsubscribe(channelOf(conversationId)).catch(onError);
    },
    close: async () => {
      await Promise.all([publisher.quit().catch(() => undefined), subscriber.quit().catch(() => undefined)]);
    },
  };
};
