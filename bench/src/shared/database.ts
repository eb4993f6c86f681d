import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '@stayhub/event-sourcing';
import { autogroupsOn, groupNicenessOf, projectRoot } from '@stayhub/platform-kit';

export type BenchServer = { adminUrl: string; kind: 'embedded' | 'DATABASE_URL'; stop: () => Promise<void> };

/**
 * The PostgreSQL server the benchmarks run on: the one DATABASE_URL names, or an embedded one on
 * its own port and data folder (`.data/bench-pg`), apart from `npm start`'s and the tests'; with
 * `embedded`, always an embedded one on that port and in that folder (a second server beside the first),
 * at the niceness `embedded.nice` when given.
 */
export const benchServer = async (embedded?: { port: number; dataDir: string; flags?: readonly string[]; nice?: number }): Promise<BenchServer> => {
  if (process.env.DATABASE_URL && !embedded) return { adminUrl: process.env.DATABASE_URL, kind: 'DATABASE_URL', stop: async () => undefined };
  const server = await startEmbeddedPostgres({
    dataDir: embedded?.dataDir ?? process.env.BENCH_PG_DIR ?? join(projectRoot, '.data/bench-pg'),
    port: embedded?.port ?? Number(process.env.BENCH_PG_PORT ?? 54335),
    // Statement counts per booking come from pg_stat_statements, which must be loaded at start. A read
    // model of gigabytes is served from memory, as a database server sized for it would.
    flags: [
      '-c',
      'shared_preload_libraries=pg_stat_statements',
      '-c',
      `shared_buffers=${process.env.BENCH_PG_SHARED_BUFFERS ?? '3GB'}`,
      '-c',
      'effective_cache_size=8GB',
      '-c',
      'random_page_cost=1.1',
      // Planning is server time too (statements the projections inline are planned on every batch): counted per statement.
      '-c',
      'pg_stat_statements.track_planning=on',
      // a second server's own sizing (the chat's, as `npm start` runs it) after these defaults: the last setting wins
      ...(embedded?.flags ?? []),
    ],
    // the whole second server at a lower priority (the chat's, as `npm start` runs it)
    ...(embedded?.nice ? { nice: embedded.nice } : {}),
  });
  // Over the server's Unix-domain socket when it has one, as `npm start` connects its apps.
  return { adminUrl: server.socketUrl ?? server.url, kind: 'embedded', stop: server.stop };
};

/** Runs `work` on one connection to `url`, closed after. */
export const withAdmin = async <T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> => {
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
};

const urlOf = (adminUrl: string, name: string) => {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

/** A benchmark's database (`stayhub_bench_<name>`) on the server, and a way to drop it. */
export const benchDatabase = (adminUrl: string, name: string) => {
  const database = `stayhub_bench_${name}`;
  return {
    url: urlOf(adminUrl, database),
    drop: () => withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).then(() => undefined)),
  };
};

/** An empty database for one benchmark (dropped first if a previous run left it). */
export const freshDatabase = async (adminUrl: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> => {
  const db = benchDatabase(adminUrl, name);
  await db.drop();
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE "stayhub_bench_${name}"`));
  return db;
};

/** The server's version and the settings that matter for write speed. */
export const serverSettings = async (url: string): Promise<Record<string, string>> =>
  withAdmin(url, async (client) => {
    const { rows } = await client.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'shared_buffers', 'synchronous_commit', 'fsync', 'max_connections', 'wal_level', 'effective_cache_size', 'random_page_cost')`,
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  });

const ticks = (stat: string, fields: number[]) => {
  const after = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return fields.reduce((sum, field) => sum + Number(after[field - 3]), 0) / 100;
};

/** CPU seconds a process has run so far (`/proc/<pid>/schedstat`, in nanoseconds: finer than the 10 ms ticks of `stat`). */
const runSeconds = (pid: string): number => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;

/**
 * A lister of a PostgreSQL server's processes on this machine: its postmaster first, then the
 * processes it has forked (backends, background processes). It asks the server for its data
 * directory once: each listing is then `/proc` alone, no connection (whose backend would cost the
 * server CPU itself). Undefined for a server elsewhere, or one this user cannot read.
 */
const serverProcessesReader = async (url: string): Promise<() => { postmaster: string; children: string[] } | undefined> => {
  const dataDirectory = await withAdmin(url, async (client) => (await client.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory);
  return () => {
    try {
      const postmaster = readFileSync(join(dataDirectory, 'postmaster.pid'), 'utf8').split('\n')[0]!.trim();
      const children = readdirSync('/proc').filter((pid) => {
        if (!/^\d+$/.test(pid)) return false;
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          return stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[1] === postmaster;
        } catch {
          return false; // exited while we looked
        }
      });
      return { postmaster, children };
    } catch {
      return undefined;
    }
  };
};

/** Sums `measure` over a server's processes; a process that exits meanwhile counts nothing. */
const sumOver = (pids: string[], measure: (pid: string) => number): number =>
  pids.reduce((total, pid) => {
    try {
      return total + measure(pid);
    } catch {
      return total;
    }
  }, 0);

/**
 * CPU seconds the whole PostgreSQL server has used so far, when it runs on this machine: its
 * postmaster and the backends it has reaped (`/proc/<pid>/stat` utime, stime, cutime, cstime), plus
 * the backends still running. What a piece of work costs the server, whatever else loads the machine.
 */
export const serverCpuSeconds = async (url: string): Promise<number | undefined> => (await serverCpuReader(url))();

/**
 * A reader of `serverCpuSeconds` that asks the server for its data directory once: each read is
 * then `/proc` alone, so it can bracket a single search.
 */
export const serverCpuReader = async (url: string): Promise<() => number | undefined> => {
  const processes = await serverProcessesReader(url);
  return () => {
    const server = processes();
    if (!server) return undefined;
    try {
      // The reaped backends in clock ticks (their time is in the postmaster's cutime once they exit); the living ones (and the postmaster) in nanoseconds of run time (`schedstat`).
      return ticks(readFileSync(`/proc/${server.postmaster}/stat`, 'utf8'), [16, 17]) + runSeconds(server.postmaster) + sumOver(server.children, runSeconds);
    } catch {
      return undefined;
    }
  };
};

/**
 * The memory of a PostgreSQL server on this machine: the proportional set size (PSS) of its postmaster
 * and backends summed, in MB. Each process's shared buffers count once across them (RSS would count
 * them in every backend that touched them).
 */
export const serverMemoryReader = async (url: string): Promise<() => number | undefined> => {
  const processes = await serverProcessesReader(url);
  const pssKb = (pid: string) => Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  return () => {
    const server = processes();
    if (!server) return undefined;
    try {
      return Math.round((pssKb(server.postmaster) + sumOver(server.children, pssKb)) / 1024);
    } catch {
      return undefined;
    }
  };
};

/**
 * A reader of the time a PostgreSQL server's living processes have run on a CPU and waited, runnable,
 * for one so far (`/proc/<pid>/schedstat`, seconds): how much of the server's time a busy machine's
 * scheduler takes, over a window of its persistent backends.
 */
export const serverSchedReader = async (url: string): Promise<() => { runSeconds: number; waitSeconds: number } | undefined> => {
  const processes = await serverProcessesReader(url);
  const field = (pid: string, index: number) => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[index]) / 1e9;
  return () => {
    const server = processes();
    if (!server) return undefined;
    const pids = [server.postmaster, ...server.children];
    return { runSeconds: sumOver(pids, (pid) => field(pid, 0)), waitSeconds: sumOver(pids, (pid) => field(pid, 1)) };
  };
};

/**
 * The niceness of a PostgreSQL server's processes on this machine: the postmaster's, and the least
 * and most among all of them; with `groups`, the least and most of their session groups' (each child
 * leads a session of its own, and under autogroups that group's niceness is what ranks it).
 */
export const serverNiceness = async (
  url: string,
): Promise<{ postmaster: number; min: number; max: number; processes: number; groups?: { min: number; max: number } } | undefined> => {
  const server = (await serverProcessesReader(url))();
  if (!server) return undefined;
  const nices = [server.postmaster, ...server.children].flatMap((pid) => {
    try {
      return [getPriority(Number(pid))];
    } catch {
      return [];
    }
  });
  const groups = server.children.flatMap((pid) => groupNicenessOf(Number(pid)) ?? []);
  return {
    postmaster: nices[0]!,
    min: Math.min(...nices),
    max: Math.max(...nices),
    processes: nices.length,
    ...(autogroupsOn() && groups.length > 0 ? { groups: { min: Math.min(...groups), max: Math.max(...groups) } } : {}),
  };
};
