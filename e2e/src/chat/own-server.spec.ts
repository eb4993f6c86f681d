import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedDataDir, postgresAnswers } from '@stayhub/event-sourcing';
import { listingDetails } from '../fixtures.ts';
import { call, freePort, signUp, spawnLauncher } from '../resilience/processes.ts';

/*
 * `npm start` gives the chat a PostgreSQL server of its own (its own WAL: the chat's commits never
 * queue on booking's flushes), all of it at the chat's niceness. The chat's store is on that server and none of it on the platform's;
 * a SIGKILL of the chat's server is survived as one of the platform's is; with CHAT_DATABASE_URL
 * given no second server starts; and an older install, whose chat database on the platform's server
 * holds conversations, keeps them there.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'stayhub-chat-server-'));
type Launcher = { child: ChildProcess; output: () => string; command: string; chat: string; stop: () => Promise<void> };
const launchers: Launcher[] = [];

afterAll(async () => {
  for (const launcher of launchers) await launcher.stop();
  // As root, the servers kept their data in folders of their own (the postgres user cannot reach this one).
  for (const dir of ['own/postgres', 'own/postgres-chat', 'older/postgres', 'older/postgres-chat'])
    rmSync(embeddedDataDir(join(dataDir, dir)), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async <T>(what: string, probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number, output = () => ''): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(value)})\n${output().slice(-4000)}`);
    await sleep(250);
  }
};

const launch = async (env: Record<string, string>): Promise<Launcher> => {
  const [commandPort, queryPort, gatewayPort, projectorsPort, chatPort, webPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const { child, output } = spawnLauncher({
    COMMAND_API_PORT: String(commandPort),
    QUERY_API_PORT: String(queryPort),
    PAYMENT_GATEWAY_PORT: String(gatewayPort),
    PROJECTORS_PORT: String(projectorsPort),
    CHAT_PORT: String(chatPort),
    WEB_PORT: String(webPort),
    ...env,
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const launcher: Launcher = {
    child,
    output,
    command: `http://127.0.0.1:${commandPort}`,
    chat: `http://127.0.0.1:${chatPort}`,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(30_000)]);
      child.kill('SIGKILL');
    },
  };
  launchers.push(launcher);
  const healthy = (url: string) => () => call(url, 'GET', '/health').then((r) => r.status);
  await until('command-api healthy', healthy(launcher.command), (s) => s === 200, 240_000, launcher.output);
  await until('chat healthy', healthy(launcher.chat), (s) => s === 200, 120_000, launcher.output);
  return launcher;
};

const serverUrl = (port: number, database = 'postgres') => `postgres://postgres:postgres@127.0.0.1:${port}/${database}`;
const query = async <T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> => {
  const client = new pg.Client(url);
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
};
const databasesOn = async (port: number) => (await query<{ datname: string }>(serverUrl(port), 'SELECT datname FROM pg_database')).map((r) => r.datname);
const chatTablesIn = async (url: string) =>
  (await query<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'chat\\_%'")).map(
    (r) => r.tablename,
  );
const postmasterOf = async (port: number) => {
  const [{ data_directory }] = (await query<{ data_directory: string }>(serverUrl(port), 'SHOW data_directory')) as [{ data_directory: string }];
  return Number(readFileSync(join(data_directory, 'postmaster.pid'), 'utf8').split('\n')[0]);
};

/** The niceness of each process of a server: its postmaster and every process it has forked (Linux). */
const nicenessOn = async (port: number): Promise<number[]> => {
  const postmaster = await postmasterOf(port);
  const parentOf = (pid: string) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[1]);
    } catch {
      return undefined; // exited meanwhile
    }
  };
  const children = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && parentOf(pid) === postmaster);
  return [postmaster, ...children.map(Number)].flatMap((pid) => {
    try {
      return [getPriority(pid)];
    } catch {
      return []; // exited meanwhile
    }
  });
};
const onLinux = process.platform === 'linux';

/** A host's published listing, a guest's inquiry about it (once the chat has learnt the listing) and a first message. */
const conversationOn = async (launcher: Launcher, name: string) => {
  const host = await signUp(launcher.command, { email: `host-${name}@chat-server.test`, password: 'correct horse battery', name: 'Hana', role: 'host' });
  const guest = await signUp(launcher.command, { email: `guest-${name}@chat-server.test`, password: 'correct horse battery', name: 'Gus' });
  const listing = await call(launcher.command, 'POST', '/listings', { kind: 'rental', details: listingDetails() }, host.body.token);
  expect((await call(launcher.command, 'POST', `/listings/${listing.body.listingId}/publish`, {}, host.body.token)).status).toBe(200);
  const inquiry = await until(
    'the chat opens an inquiry',
    () => call(launcher.chat, 'POST', `/listings/${listing.body.listingId}/inquiries`, {}, guest.body.token),
    (r) => r.status === 201,
    60_000,
    launcher.output,
  );
  const conversation = { conversationId: inquiry.body.conversationId as string, guest: guest.body.token as string, host: host.body.token as string };
  expect((await send(launcher, conversation, 'Is the flat free in May?')).status).toBe(201);
  return conversation;
};
type Conversation = Awaited<ReturnType<typeof conversationOn>>;
const send = (launcher: Launcher, conversation: Conversation, text: string) =>
  call(launcher.chat, 'POST', `/conversations/${conversation.conversationId}/messages`, { text }, conversation.guest);
/** The conversation's messages as its host reads them. */
const texts = async (launcher: Launcher, conversation: Conversation): Promise<string[]> => {
  const page = await call(launcher.chat, 'GET', `/conversations/${conversation.conversationId}/messages?limit=200`, undefined, conversation.host);
  return (page.body.events as { type: string; data: { text: string } }[]).filter((e) => e.type === 'MessageSent').map((e) => e.data.text);
};

describe("the chat's PostgreSQL server", () => {
  it('is a second embedded server: the chat store is there, none of it on the platform’s; a SIGKILL of it is survived; both stop with the launcher', async () => {
    const [pgPort, chatPgPort] = await Promise.all([freePort(), freePort()]);
    const launcher = await launch({
      EMBEDDED_PG_DIR: join(dataDir, 'own/postgres'),
      EMBEDDED_PG_PORT: String(pgPort),
      EMBEDDED_CHAT_PG_DIR: join(dataDir, 'own/postgres-chat'),
      EMBEDDED_CHAT_PG_PORT: String(chatPgPort),
    });
    const conversation = await conversationOn(launcher, 'own');
    expect(launcher.output()).toMatch(new RegExp(`chat PostgreSQL on port ${chatPgPort}`));

    expect(await databasesOn(chatPgPort)).toContain('stayhub_chat');
    expect(await chatTablesIn(serverUrl(chatPgPort, 'stayhub_chat'))).toContain('chat_conversations');
    const stored = await query<{ conversation_id: string }>(serverUrl(chatPgPort, 'stayhub_chat'), 'SELECT conversation_id FROM chat_conversations');
    expect(stored.map((r) => r.conversation_id)).toEqual([conversation.conversationId]);
    expect(await databasesOn(pgPort)).not.toContain('stayhub_chat');
    expect(await chatTablesIn(serverUrl(pgPort, 'stayhub'))).toEqual([]);
    // All of the chat's server runs at the chat's niceness (CHAT_NICE, 10 by default), its backends
    // included; the platform's at the default priority.
    if (onLinux) {
      expect(new Set(await nicenessOn(chatPgPort))).toEqual(new Set([10]));
      expect(new Set(await nicenessOn(pgPort))).toEqual(new Set([0]));
    }

    // The chat's server dies: the launcher starts it again, the chat answers 503 meanwhile and never exits.
    process.kill(await postmasterOf(chatPgPort), 'SIGKILL');
    await until(
      'the launcher restarts the chat’s PostgreSQL',
      async () => launcher.output().includes('chat PostgreSQL is back'),
      Boolean,
      180_000,
      launcher.output,
    );
    expect(launcher.output()).toMatch(/chat PostgreSQL exited \(SIGKILL\); restarting it/);
    await until(
      'a message sent after the restart stored',
      () => send(launcher, conversation, 'And in June?'),
      (r) => r.status === 201,
      60_000,
      launcher.output,
    );
    expect(await texts(launcher, conversation)).toEqual(['Is the flat free in May?', 'And in June?']);
    if (onLinux) expect(new Set(await nicenessOn(chatPgPort)), 'the restarted server at the chat’s niceness').toEqual(new Set([10]));
    expect(launcher.output(), 'an app exited').not.toMatch(/\[start\] (chat|command-api|query-api|projectors|payments) exited/);
    // …and the platform's server was never touched.
    expect(launcher.output()).not.toMatch(/\[start\] PostgreSQL exited/);

    await launcher.stop();
    expect(launcher.child.exitCode).toBe(0);
    expect(await postgresAnswers(serverUrl(pgPort))).toBe(false);
    expect(await postgresAnswers(serverUrl(chatPgPort))).toBe(false);
  });

  it('does not start with CHAT_DATABASE_URL given; an older install whose chat database on the platform’s server holds conversations keeps them there', async () => {
    const [pgPort, chatPgPort] = await Promise.all([freePort(), freePort()]);
    const platform = { EMBEDDED_PG_DIR: join(dataDir, 'older/postgres'), EMBEDDED_PG_PORT: String(pgPort) };
    const chatServer = { EMBEDDED_CHAT_PG_DIR: join(dataDir, 'older/postgres-chat'), EMBEDDED_CHAT_PG_PORT: String(chatPgPort) };
    // As `npm start` laid it out before the chat had a server of its own: `stayhub_chat` on the platform's server.
    const creating = (async () => {
      await until('the platform’s PostgreSQL up', () => postgresAnswers(serverUrl(pgPort)), Boolean, 240_000);
      await query(serverUrl(pgPort), 'CREATE DATABASE stayhub_chat');
    })();
    const older = await launch({ ...platform, ...chatServer, CHAT_DATABASE_URL: serverUrl(pgPort, 'stayhub_chat') });
    await creating;
    const conversation = await conversationOn(older, 'older');
    expect(older.output()).not.toMatch(/chat PostgreSQL/);
    expect(existsSync(join(dataDir, 'older/postgres-chat'))).toBe(false);
    expect(await postgresAnswers(serverUrl(chatPgPort))).toBe(false);
    await older.stop();

    // The upgraded launcher, no CHAT_DATABASE_URL: the conversations stay where they are, readable and writable.
    const upgraded = await launch({ ...platform, ...chatServer });
    expect(upgraded.output()).toMatch(/the chat keeps its conversations in stayhub_chat on the platform's server/);
    expect(upgraded.output()).not.toMatch(/chat PostgreSQL/);
    expect(await postgresAnswers(serverUrl(chatPgPort))).toBe(false);
    expect((await send(upgraded, conversation, 'Still there?')).status).toBe(201);
    expect(await texts(upgraded, conversation)).toEqual(['Is the flat free in May?', 'Still there?']);
  });
}, 900_000);
