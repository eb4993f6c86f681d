import { loadConfig } from '@stayhub/infra';
import { composeChat } from './compose.ts';
import { createChatServer } from './server.ts';

/**
 * The chat process. Its database is `CHAT_DATABASE_URL` (`npm start` makes `stayhub_chat` on the
 * embedded server); without one it uses `DATABASE_URL` through a pool of its own. It reads the
 * platform's events from `DATABASE_URL` (or KurrentDB under `EVENT_STORE=esdb`).
 */
const config = loadConfig();
if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set: start the platform with `npm start`, which provides one');
const chat = await composeChat({ chatDatabaseUrl: config.CHAT_DATABASE_URL ?? config.DATABASE_URL, platform: { databaseUrl: config.DATABASE_URL }, config });
const stop = new AbortController();
const background = chat.run(stop.signal);
const { server, close } = createChatServer(chat.deps);
server.listen(config.CHAT_PORT, () => chat.deps.log.info(`chat listening on ${config.CHAT_PORT} (WebSocket at /ws)`));

const shutdown = async () => {
  stop.abort();
  await close();
  await background;
  await chat.close();
  process.exit(0);
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
