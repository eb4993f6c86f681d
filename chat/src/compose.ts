import { setTimeout as sleep } from 'node:timers/promises';
import {
  CommandProcessor,
  createPool,
  PostgresEventStore,
  systemClock,
  type Clock,
  type EventStore,
  eventStoreFromConfig,
  type EventStoreConfig,
  commandMetrics,
} from '@stayhub/event-sourcing';
import { jwtTokens } from '@stayhub/http-kit';
import { corsOriginsOf, createLogger, type ChatSettings, type MailSettings, type Config, type Logger } from '@stayhub/platform-kit';
import { notifierFromConfig, type Notifier } from '@stayhub/notifications';
import { messageLimiter } from './conversations/limits.ts';
import { storeReader } from './conversations/commands.ts';
import { runInbox } from './inbox/projection.ts';
import { followPlatform } from './platform/follower.ts';
import { localFanout, type Fanout } from './realtime/fanout.ts';
import { Hub } from './realtime/hub.ts';
import { redisFanout } from './realtime/redis-fanout.ts';
import { migrateChat } from './shared/schema.ts';
import type { ChatDeps } from './shared/deps.ts';

export type ChatOptions = {
  /** The chat's own database: conversation streams and chat tables, on a pool of its own. */
  chatDatabaseUrl: string;
  /** Where booking, user and listing events come from: the platform's event store, or its database. */
  platform: { databaseUrl: string } | { store: EventStore };
  config: Pick<Config, 'JWT_SECRET' | 'JWT_TTL_MINUTES'> &
    Partial<Pick<Config, 'LOG_LEVEL'>> &
    Partial<ChatSettings> &
    Partial<Pick<Config, 'CORS_ORIGINS' | 'REDIS_URL'>> &
    Partial<MailSettings> &
    EventStoreConfig;
  clock?: Clock;
  notifier?: Notifier;
  log?: Logger;
  poolSize?: number;
  pollIntervalMs?: number;
};

export type Chat = {
  deps: ChatDeps;
  /** Runs the platform follower and the inbox projection until `signal` aborts, retrying after failures. */
  run: (signal: AbortSignal) => Promise<void>;
  close: () => Promise<void>;
};

/** A background loop that outlives the failures of what it depends on (a database restarting). */
const keepRunning = async (name: string, log: Logger, signal: AbortSignal, loop: () => Promise<void>) => {
  for (let failures = 0; !signal.aborted; ) {
    try {
      await loop();
      failures = 0;
    } catch (error) {
      if (signal.aborted) return;
      failures++;
      log.warn({ err: error, loop: name }, `${name} stopped; restarting`);
      await sleep(Math.min(10_000, 200 * 2 ** failures), undefined, { signal }).catch(() => undefined);
    }
  }
};

export const composeChat = async (options: ChatOptions): Promise<Chat> => {
  const log = options.log ?? createLogger('chat', options.config.LOG_LEVEL);
  const clock = options.clock ?? systemClock;
  const pool = createPool(options.chatDatabaseUrl, options.poolSize ?? 20);
  await migrateChat(pool);
  // Only other chat processes' inbox projections listen to this store's NOTIFY (messages reach their
  // sockets through the fan-out), so one every 100 ms serves them instead of one per commit.
  const store = await PostgresEventStore.create(pool, { pollIntervalMs: options.pollIntervalMs ?? 250, notifyEveryMs: 100 });
  const platformPool = 'databaseUrl' in options.platform ? createPool(options.platform.databaseUrl, 3) : undefined;
  // Opened by the follower on its first run, so that the chat starts and delivers while the platform's store is down.
  let platform: EventStore | undefined = 'store' in options.platform ? options.platform.store : undefined;
  const platformStore = async () => (platform ??= await eventStoreFromConfig(options.config, platformPool!, { pollIntervalMs: options.pollIntervalMs ?? 250 }));
  const hub = new Hub(storeReader({ store }));
  const onFanoutError = (error: unknown) => log.warn({ err: error }, 'chat fan-out');
  const fanout: Fanout =
    options.config.CHAT_FANOUT === 'redis' && options.config.REDIS_URL
      ? redisFanout(options.config.REDIS_URL, (message) => hub.receive(message), onFanoutError)
      : localFanout();
  hub.useFanout(fanout);
  const deps: ChatDeps = {
    pool,
    store,
    // Group commit, pipelined: two commits in flight (on disjoint conversations), each taking everything
    // that queued meanwhile (up to 1,000 commands, one statement). While one is in the store, the chat
    // delivers the other's messages and decides the next: with one in flight the two alternated, and a
    // chat short of CPU kept up with less. A quiet chat commits each message alone; under load the
    // commits grow larger rather than more numerous, their fixed cost paid once for all they carry.
    // CHAT_COMMIT_EVERY_MS spaces their starts (larger still: at 10 ms about 20 messages a commit at
    // 2,000/s, not 7, half the chat database's CPU a message), at a cost in delivery time; off by
    // default (bench/README.md, "fewer, larger commits" and the lead's runs after it).
    processor: new CommandProcessor(store, {
      observer: commandMetrics(),
      maxBatch: 1_000,
      maxInFlight: 2,
      commitEveryMs: options.config.CHAT_COMMIT_EVERY_MS ?? 0,
    }),
    hub,
    limiter: messageLimiter({ messages: options.config.CHAT_RATE_LIMIT_MESSAGES ?? 10, windowSeconds: options.config.CHAT_RATE_LIMIT_WINDOW_SECONDS ?? 10 }),
    tokens: jwtTokens(options.config.JWT_SECRET, options.config.JWT_TTL_MINUTES, () => clock.now()),
    clock,
    log,
    corsOrigins: corsOriginsOf(options.config.CORS_ORIGINS),
  };
  const notifier = options.notifier ?? notifierFromConfig(options.config, log);
  const inbox = { isOnline: (userId: string) => hub.isOnlineAnywhere(userId), quietMinutes: options.config.CHAT_NOTIFY_QUIET_MINUTES ?? 15, clock };
  return {
    deps,
    run: async (signal) => {
      await Promise.all([
        keepRunning('platform follower', log, signal, async () => followPlatform({ ...deps, platform: await platformStore() }, signal)),
        keepRunning('inbox', log, signal, () => runInbox({ pool, store, notifier, log }, inbox, signal)),
      ]);
    },
    close: async () => {
      hub.close();
      await fanout.close();
      await store.close();
      if (platformPool) {
        await platform?.close();
        await platformPool.end();
      }
      await pool.end();
    },
  };
};
