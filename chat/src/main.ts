import { waitForDatabase, redisAnswers } from '@stayhub/event-sourcing';
import { serveMetricsPort, onStopSignal } from '@stayhub/http-kit';
import { createLogger, loadConfig, lowerPriority } from '@stayhub/platform-kit';
import { composeChat } from './compose.ts';
import { createChatServer } from './server.ts';

/**
 * The chat process. Its database is `CHAT_DATABASE_URL` (`npm start` makes `stayhub_chat` on an
 * embedded PostgreSQL server of the chat's own); without one it uses `DATABASE_URL` through a pool of its own. It reads the
 * platform's events from `DATABASE_URL` (or KurrentDB under `EVENT_STORE=esdb`).
 */
const config = loadConfig();
if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set: start the platform with `npm start`, which provides one');
const chatDatabaseUrl = config.CHAT_DATABASE_URL ?? config.DATABASE_URL;
// Only what the chat cannot work without: its own database, and Redis when it fans out through it.
// The platform's store may be down: the chat delivers meanwhile and catches up on booking events later.
const log = createLogger('chat', config.LOG_LEVEL);
// Booking and search rank above the chat: when they share the machine's cores, theirs come first.
const nice = lowerPriority(config.CHAT_NICE);
// A database that is not up yet is waited for, not a reason to exit (the launcher may be restarting it).
await waitForDatabase(chatDatabaseUrl, { log: (message) => log.warn(message) });
if (config.CHAT_FANOUT === 'redis' && !(await redisAnswers(config.REDIS_URL!, 3_000)))
  throw new Error('Cannot start: CHAT_FANOUT=redis but nothing answers at REDIS_URL');
const chat = await composeChat({ chatDatabaseUrl, platform: { databaseUrl: config.DATABASE_URL }, config, log });
const stop = new AbortController();
const background = chat.run(stop.signal);
const { server, app, close } = createChatServer(chat.deps);
server.listen(config.CHAT_PORT, () => chat.deps.log.info(`chat listening on ${config.CHAT_PORT} (WebSocket at /ws), niceness ${nice}`));
const metricsServer = serveMetricsPort(app, config.METRICS_PORT, chat.deps.log);

const shutdown = async () => {
  stop.abort();
  metricsServer?.close();
  await close();
  await background;
  await chat.close();
  process.exit(0);
};
onStopSignal(shutdown);
