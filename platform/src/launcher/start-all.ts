import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { inheritedEnvironment, LAUNCHER_PID, loadConfig, projectRoot } from '@stayhub/platform-kit';
import { embeddedDataDir, startEmbeddedPostgres, stopLeftoverServer, type EmbeddedServer } from '@stayhub/event-sourcing';
import { appEntries, entryFile, type AppName } from '../build/apps.ts';
import { CHAT_DATABASE, chatServerFlags, databaseUrl, ensureDatabase, olderChatDatabaseInUse } from './chat-database.ts';
import { claimLauncher, LauncherAlreadyRunning } from './launcher-lock.ts';
import { nextRestart } from './restart-policy.ts';
import { runsInOwnSession } from './sessions.ts';

/**
 * `npm start`: the whole platform on one machine. Without DATABASE_URL it starts an embedded
 * PostgreSQL (data in .data/postgres), and without CHAT_DATABASE_URL a second one for the chat (data
 * in .data/postgres-chat), each restarted whenever it exits; then it runs each app as its own
 * supervised process, so a crash of the read side never takes the command side with it.
 */
const config = loadConfig();
const env = inheritedEnvironment();
// An app stops on its own when the launcher is killed (onStopSignal watches its parent).
env[LAUNCHER_PID] = String(process.pid);

// One launcher per embedded servers' data: a second would fight the first over its servers and ports.
// The pid file sits beside the servers' data; a launcher that was killed leaves it behind.
const claimEmbeddedData = (): ReturnType<typeof claimLauncher> => {
  try {
    return claimLauncher(join(dirname(resolve(config.EMBEDDED_PG_DIR)), 'launcher.pid'));
  } catch (error) {
    if (!(error instanceof LauncherAlreadyRunning)) throw error;
    console.error(`[start] ${error.message}`);
    process.exit(1);
  }
};
const claim = config.DATABASE_URL ? undefined : claimEmbeddedData();

type Database = { name: string; dataDir: string; port: number; flags?: readonly string[]; nice?: number; server?: EmbeddedServer };
const databases: Database[] = [];
let stopping = false;

const startDatabase = async (database: Database): Promise<EmbeddedServer> => {
  database.server = await startEmbeddedPostgres({
    dataDir: database.dataDir,
    port: database.port,
    flags: [...(database.flags ?? [])],
    ...(database.nice ? { nice: database.nice } : {}),
  });
  return database.server;
};

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Starts an embedded PostgreSQL, again with backoff while it refuses (the killed server's last
 * backends may still hold its shared memory; its port may still be taken, e.g. by a connection in
 * TIME_WAIT), saying why each time; gives up after `giveUpMs`.
 */
const startUntilUp = async (database: Database, giveUpMs = Infinity): Promise<EmbeddedServer> => {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await startDatabase(database);
    } catch (error) {
      const why = reasonOf(error);
      if (stopping || Date.now() - started >= giveUpMs) throw new Error(why);
      const delay = nextRestart({ ranMs: 0, quickExits: attempt, healthyMs: Infinity, maxMs: 10_000 }).delayMs;
      console.error(`[start] ${database.name}: ${why}; again in ${delay} ms`);
      await sleep(delay);
    }
  }
};

/**
 * Restarts an embedded PostgreSQL whenever it exits (a crash, `kill -9`). The apps meanwhile answer
 * 503 and wait; their connections come back by themselves.
 */
const superviseDatabase = (database: Database): void => {
  void database.server?.exited?.then(async ({ code, signal }) => {
    if (stopping) return;
    console.error(`[start] ${database.name} exited (${signal ?? code}); restarting it`);
    await startUntilUp(database).then(
      () => {
        console.log(`[start] ${database.name} is back`);
        superviseDatabase(database);
      },
      () => undefined, // stopping meanwhile
    );
  });
};

/** Started, its database made, supervised; the apps reach it over its Unix-domain socket when it has one (cheaper per statement than TCP). */
const runDatabase = async (database: Database, name: string): Promise<string> => {
  // A server that a killed launcher left running on this data is stopped first, then started as
  // this launcher's own: supervised, at its niceness, stopped with the platform.
  if (claim?.previous === 'crashed') {
    const leftover = await stopLeftoverServer(database.dataDir);
    if (leftover) console.log(`[start] stopped the ${database.name} (pid ${leftover}) that a killed launcher left running`);
  }
  const server = await startUntilUp(database, 90_000);
  databases.push(database);
  superviseDatabase(database);
  await ensureDatabase(server.url, name);
  console.log(`[start] ${database.name} on port ${database.port}, data in ${database.dataDir}`);
  return databaseUrl(server.socketUrl ?? server.url, name);
};

/** Stops what this launcher started so far and exits: nothing is left running for the next start to find. */
const giveUp = async (why: string): Promise<never> => {
  stopping = true;
  console.error(`[start] ${why}`);
  await Promise.all(databases.map((database) => database.server?.stop().catch(() => undefined)));
  claim?.release();
  process.exit(1);
};

if (!config.DATABASE_URL) {
  const platformDatabase: Database = { name: 'PostgreSQL', dataDir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT };
  // The chat's own server: its commits never queue on the WAL flushes of booking's (README, "The
  // chat's own server"). Started beside the platform's unless an older install's chat database on the
  // platform's server must be looked at first. It serves the chat alone, so all of it runs at the
  // chat's niceness: booking's processes come first when both want a core, and none of booking's
  // waits on a lock one of its processes holds.
  const chatDatabase: Database = {
    name: 'chat PostgreSQL',
    dataDir: config.EMBEDDED_CHAT_PG_DIR,
    port: config.EMBEDDED_CHAT_PG_PORT,
    flags: chatServerFlags,
    nice: config.CHAT_NICE,
  };
  const wantsChatServer = !config.CHAT_DATABASE_URL;
  const initialised = (dir: string) => existsSync(join(embeddedDataDir(dir), 'PG_VERSION'));
  // A new install, or one whose chat has had its server already: no older chat database to look for first.
  const noOlderChat = !initialised(config.EMBEDDED_PG_DIR) || initialised(config.EMBEDDED_CHAT_PG_DIR);
  // Both settled before giving up, so that one started while the other failed is stopped too.
  const [platformRun, chatRun] = await Promise.allSettled([
    runDatabase(platformDatabase, 'stayhub'),
    wantsChatServer && noOlderChat ? runDatabase(chatDatabase, CHAT_DATABASE) : undefined,
  ]);
  if (platformRun.status === 'rejected') await giveUp(reasonOf(platformRun.reason));
  if (chatRun.status === 'rejected') await giveUp(reasonOf(chatRun.reason));
  const platformUrl = (platformRun as PromiseFulfilledResult<string>).value;
  const chatUrl = (chatRun as PromiseFulfilledResult<string | undefined>).value;
  // The package stops its server and exits on these signals by itself; the shutdown below stops
  // the apps first (they finish their requests and commit checkpoints), then the databases.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(signal);
  env.DATABASE_URL = platformUrl;
  if (chatUrl) env.CHAT_DATABASE_URL = chatUrl;
  else if (wantsChatServer && (await olderChatDatabaseInUse(platformDatabase.server!.url))) {
    const { socketUrl, url } = platformDatabase.server!;
    env.CHAT_DATABASE_URL = databaseUrl(socketUrl ?? url, CHAT_DATABASE);
    console.log(
      `[start] the chat keeps its conversations in ${CHAT_DATABASE} on the platform's server, as an older install made it (README: the chat's server)`,
    );
  } else if (wantsChatServer) env.CHAT_DATABASE_URL = await runDatabase(chatDatabase, CHAT_DATABASE).catch((error: unknown) => giveUp(reasonOf(error)));
}

// Unless told otherwise, the simulated payment gateway runs as its own service (a third party
// that can be slow or down without taking us along), reached over HTTP through the breaker.
const runGateway = !env.PAYMENTS || (config.PAYMENTS === 'http' && !config.PAYMENT_GATEWAY_URL);
if (runGateway) {
  env.PAYMENTS = 'http';
  env.PAYMENT_GATEWAY_URL = `http://127.0.0.1:${config.PAYMENT_GATEWAY_PORT}`;
}

// The web app is served as a production build: built once here when its output is missing.
const webBuilt = () => existsSync(join(projectRoot, 'web/dist/index.html'));
if (!webBuilt()) {
  console.log('[start] building the web app (web/dist is missing)');
  const build = spawnSync('npm', ['run', 'build', '-w', '@stayhub/web'], { cwd: projectRoot, stdio: 'inherit' });
  if (build.status !== 0 || !webBuilt()) console.error('[start] the web app did not build; the APIs start without it');
}

const apps = (
  [
    { name: 'payments', when: runGateway },
    { name: 'command-api', when: true },
    { name: 'workflow-runner', when: config.WORKFLOWS_IN === 'own-process' },
    { name: 'relay', when: config.LOG === 'kafka' },
    { name: 'projectors', when: true },
    { name: 'query-api', when: true },
    { name: 'chat', when: true },
    { name: 'web', when: webBuilt() },
  ] satisfies { name: AppName; when: boolean }[]
).filter((app) => app.when);

// Run as it was run: the bundle (`npm start`, `node dist/start.js`) starts each app's bundle with
// plain Node, through its first module (`dist/<app>.js`, one folder up from this bundle in
// `dist/main/`: it starts tracing before the app loads); the source (`tsx platform/src/launcher/start-all.ts`,
// the tests) starts each app's source, the file its package exports as the app's entry.
const fromBuild = import.meta.url.endsWith('.js');
const commandOf = (name: AppName): string[] =>
  fromBuild ? [join(dirname(fileURLToPath(import.meta.url)), '..', `${name}.js`)] : ['--import', 'tsx', entryFile(projectRoot, appEntries[name])];

const children = new Map<string, ChildProcess>();

/** An app that ran this long before it exited starts again at once: only a crash loop backs off. */
const healthyMs = config.LAUNCHER_HEALTHY_SECONDS * 1000;

const start = (app: (typeof apps)[number], quickExits = 0): void => {
  const startedAt = Date.now();
  // The projectors and the query API each in a scheduling group of its own where the kernel groups by session (sessions.ts);
  // a terminal's Ctrl-C then reaches them only through the launcher, which stops them with the others.
  const child = spawn(process.execPath, commandOf(app.name), { env, stdio: ['ignore', 'pipe', 'pipe'], detached: runsInOwnSession(app.name) });
  children.set(app.name, child);
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((line) => `[${app.name}] ${line}\n`)
      .join('');
  child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(prefix(chunk)));
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(prefix(chunk)));
  child.on('exit', (code, signal) => {
    children.delete(app.name);
    if (stopping) return;
    const next = nextRestart({ ranMs: Date.now() - startedAt, quickExits, healthyMs });
    console.error(`[start] ${app.name} exited (${signal ?? code}); restarting in ${next.delayMs} ms`);
    setTimeout(() => start(app, next.quickExits), next.delayMs);
  });
};

for (const app of apps) start(app);
if (webBuilt()) console.log(`[start] web app http://localhost:${config.WEB_PORT}`);
console.log(
  `[start] command-api http://localhost:${config.COMMAND_API_PORT}  query-api http://localhost:${config.QUERY_API_PORT}  chat http://localhost:${config.CHAT_PORT} (ws at /ws)  (docs at /docs on each)`,
);

const shutdown = async (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  console.log(`[start] ${signal}: stopping`);
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  await Promise.all(databases.map((database) => database.server?.stop()));
  claim?.release();
  process.exit(0);
};
// A closed terminal (SIGHUP) stops the platform as Ctrl-C does; without this the launcher would die at
// once and leave its servers (which take SIGHUP as "reload the configuration") running.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, shutdown);
