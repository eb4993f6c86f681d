import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Fanout, FanoutMessage } from './fanout.ts';

const channelOf = (conversationId: string) => `chat:conversation:${conversationId}`;
const PREFIX = 'chat:conversation:';
/** Per user, each process that holds a socket of theirs → until when (ms) it vouches for it. */
const presenceOf = (userId: string) => `chat:online:${userId}`;
const PRESENCE_TTL_MS = 90_000;
const PRESENCE_REFRESH_MS = 30_000;

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
  // Presence: a process that dies leaves its entries behind, so each carries an expiry that the
  // living process renews; an expired one counts as offline.
  const here = new Set<string>();
  const vouch = (userId: string) => {
    const key = presenceOf(userId);
    publisher.hset(key, origin, String(Date.now() + PRESENCE_TTL_MS)).catch(onError);
    publisher.pexpire(key, PRESENCE_TTL_MS).catch(onError);
  };
  const refresh = setInterval(() => here.forEach(vouch), PRESENCE_REFRESH_MS);
  refresh.unref();
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
    present: (userId, online) => {
      if (online) {
        here.add(userId);
        vouch(userId);
      } else {
        here.delete(userId);
        publisher.hdel(presenceOf(userId), origin).catch(onError);
      }
    },
    onlineElsewhere: async (userId) => {
      try {
        const entries = await publisher.hgetall(presenceOf(userId));
        const now = Date.now();
        return Object.entries(entries).some(([process, until]) => process !== origin && Number(until) > now);
      } catch (error) {
        onError(error);
        return false; // unknown: notify (at most once per quiet period)
      }
    },
    close: async () => {
      clearInterval(refresh);
      await Promise.all([...here].map((userId) => publisher.hdel(presenceOf(userId), origin).catch(() => undefined)));
      await Promise.all([publisher.quit().catch(() => undefined), subscriber.quit().catch(() => undefined)]);
    },
  };
};
