import pg from 'pg';

/**
 * The chat's embedded server is sized for the chat, not for the platform's read models: 128 MB of
 * shared buffers (half the platform server's) hold the recent conversations' streams and their
 * indexes, which is what the chat reads (a reconnecting client asks for what it missed, not for old
 * history), and give it 4 MB of WAL buffers (1/32 of them) for its group commits; 100 connections
 * serve a few chat processes' pools of 20.
 */
export const chatServerFlags: readonly string[] = ['-c', 'shared_buffers=128MB', '-c', 'max_connections=100'];

/** The chat's database on whichever server holds it. */
export const CHAT_DATABASE = 'stayhub_chat';

/** The same server, another database: `postgres://…/postgres` → `postgres://…/<name>`. */
export const databaseUrl = (serverUrl: string, name: string): string => serverUrl.replace(/\/postgres$/, `/${name}`);

const withClient = async <T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client(url);
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

/** Creates the database on the server (`serverUrl` names its `postgres` database) unless it is there. */
export const ensureDatabase = (serverUrl: string, name: string): Promise<void> =>
  withClient(serverUrl, async (admin) => {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`);
  });

/**
 * Whether an older install keeps its chat on the platform's server: before the chat had a server of
 * its own, `npm start` made `stayhub_chat` there. When that database holds a conversation, the chat
 * goes on using it (its messages are there; nothing is moved at start); one without a conversation
 * holds only what the chat rebuilds from the platform's events, so the chat starts on its own server.
 */
export const olderChatDatabaseInUse = async (platformServerUrl: string, name = CHAT_DATABASE): Promise<boolean> => {
  const exists = await withClient(platformServerUrl, (admin) => admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]));
  if (exists.rowCount === 0) return false;
  return withClient(databaseUrl(platformServerUrl, name), async (chat) => {
    const table = await chat.query<{ found: boolean }>("SELECT to_regclass('public.chat_conversations') IS NOT NULL AS found");
    if (!table.rows[0]?.found) return false;
    const conversation = await chat.query('SELECT 1 FROM chat_conversations LIMIT 1');
    return (conversation.rowCount ?? 0) > 0;
  });
};
