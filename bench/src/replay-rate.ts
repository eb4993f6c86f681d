/**
 * Figure 5: replay rate — events per second rebuilding the PostgreSQL read models from a generated
 * history (1 million events in the full run), with the replay process's peak RSS and the CPU the
 * replay and the database server spent per million events.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createPool, PostgresEventStore } from '@stayhub/event-sourcing';
import { projectRoot } from '@stayhub/platform-kit';
import { topOfProfile } from './shared/cpu-profile.ts';
import { params } from './shared/args.ts';
import { benchDatabase, benchServer, freshDatabase, serverCpuSeconds, serverSettings, withAdmin } from './shared/database.ts';
import { bookingHistory, bulkInsert } from './shared/history.ts';
import { record } from './shared/results.ts';

const p = params('bench:replay', {
  events: { default: 200_000, help: 'events in the generated history' },
  projections: { default: 'all', help: 'read models rebuilt in one pass: `all` (every PostgreSQL read model) or names, comma-separated' },
  batch: { default: 10_000, help: 'events per batch' },
  seed: { default: 11, help: 'history seed' },
  keep: { default: false, help: 'keep the generated history (stayhub_bench_replay_<events>_<seed>) and reuse it in later runs' },
  rounds: { default: 1, help: 'rebuilds of the same history, one after the other (the median is the figure)' },
  profile: { default: false, help: "a CPU profile of the replay process (its top self-time entries recorded; the profiler's own cost lowers the rate)" },
  'semi-space': { default: 0, help: "the replay process's --max-semi-space-size in MB (0: what the replay CLI sets)" },
  'old-space': { default: 0, help: "the replay process's --max-old-space-size in MB (0: none, V8's own, as the replay CLI runs)" },
  statements: { default: false, help: "the server's statements of the last round by total time (pg_stat_statements)" },
});
const profileDir = join(projectRoot, 'bench/.profiles/replay');

const loadBefore = loadavg();
const server = await benchServer();
const kept = benchDatabase(server.adminUrl, `replay_${p.events}_${p.seed}`);
const reusable =
  p.keep &&
  (await withAdmin(
    server.adminUrl,
    async (admin) => (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [`stayhub_bench_replay_${p.events}_${p.seed}`])).rowCount! > 0,
  )) &&
  (await withAdmin(kept.url, async (client) => (await client.query("SELECT to_regclass('bench_history') IS NOT NULL AS ok")).rows[0].ok as boolean));
const db = p.keep ? kept : await freshDatabase(server.adminUrl, 'replay');
if (p.keep && !reusable) {
  await kept.drop();
  await withAdmin(server.adminUrl, (admin) => admin.query(`CREATE DATABASE "stayhub_bench_replay_${p.events}_${p.seed}"`));
}
const pool = createPool(db.url, 8);
const store = await PostgresEventStore.create(pool);

/** Leaves only the history: the tables of earlier rebuilds and the projectors' bookkeeping go. */
const dropRebuilt = async () => {
  const { rows } = await pool.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND NOT starts_with(tablename, 'es_') AND tablename <> 'bench_history'",
  );
  for (const { name } of rows) await pool.query(`DROP TABLE IF EXISTS "${name}" CASCADE`);
};

/** WAL written by the server so far, bytes (the whole server's: the bench's own database is all it serves). */
const walBytes = async () => Number((await pool.query<{ bytes: string }>('SELECT wal_bytes::text AS bytes FROM pg_stat_wal')).rows[0]!.bytes);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  let generateSeconds: number | undefined;
  if (!reusable) {
    const started = performance.now();
    let last = started;
    await bulkInsert(pool, bookingHistory({ events: p.events, seed: p.seed }), {
      onProgress: (done) => {
        if (performance.now() - last > 10_000) {
          last = performance.now();
          console.log(`generating: ${done}/${p.events} events`);
        }
      },
    });
    generateSeconds = Math.round((performance.now() - started) / 1000);
    await pool.query('ANALYZE es_events');
    await pool.query('CREATE TABLE bench_history (events int NOT NULL)');
    await pool.query('INSERT INTO bench_history VALUES ($1)', [p.events]);
  }
  const { rows: types } = await pool.query<{ type: string; n: number }>('SELECT type, count(*)::int AS n FROM es_events GROUP BY type ORDER BY n DESC');
  const { rows: disorder } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT stream_revision - lag(stream_revision) OVER (PARTITION BY stream_id ORDER BY transaction_id, global_position) AS step FROM es_events) x WHERE step <> 1`,
  );
  if (disorder[0]!.n !== 0) throw new Error(`${disorder[0]!.n} events out of stream order`);

  type Round = {
    events: number;
    seconds: number;
    eventsPerSecond: number;
    peakRssMb: number;
    replayCpuSeconds: number;
    serverCpuSeconds?: number;
    /** WAL the server wrote over the round (pg_stat_wal), MB. */
    walMb?: number;
    load: number[];
  };
  const rounds: Round[] = [];
  let rowsBuilt: Record<string, number> = {};
  let rebuilt: string[] = [];
  let profile: ReturnType<typeof topOfProfile>;
  let statements: { query: string; calls: number; ms: number; rows: number }[] | undefined;
  for (let round = 1; round <= p.rounds; round++) {
    await dropRebuilt();
    console.log(`round ${round}/${p.rounds}: rebuilding ${p.projections}${generateSeconds === undefined ? ' (kept history)' : ''}…`);
    const serverBefore = await serverCpuSeconds(db.url);
    const walBefore = await walBytes();
    if (p.profile) {
      rmSync(profileDir, { recursive: true, force: true });
      mkdirSync(profileDir, { recursive: true });
    }
    if (p.statements) await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        ...(p['semi-space'] ? [`--max-semi-space-size=${p['semi-space']}`] : []),
        ...(p['old-space'] ? [`--max-old-space-size=${p['old-space']}`] : []),
        ...(p.profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
        '--import',
        'tsx',
        fileURLToPath(new URL('./replay/worker.ts', import.meta.url)),
        '--url',
        db.url,
        '--projections',
        p.projections,
        '--batch',
        String(p.batch),
      ],
      { maxBuffer: 1 << 20 },
    );
    const serverAfter = await serverCpuSeconds(db.url);
    const walAfter = await walBytes();
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as {
      events: number;
      seconds: number;
      projections: string[];
      targets: string[];
      cpuSeconds: number;
      peakRssMb: number;
    };
    rounds.push({
      events: result.events,
      seconds: Math.round(result.seconds * 10) / 10,
      eventsPerSecond: Math.round(result.events / result.seconds),
      peakRssMb: result.peakRssMb,
      replayCpuSeconds: Math.round(result.cpuSeconds * 10) / 10,
      ...(serverBefore !== undefined && serverAfter !== undefined ? { serverCpuSeconds: Math.round((serverAfter - serverBefore) * 10) / 10 } : {}),
      walMb: Math.round((walAfter - walBefore) / 2 ** 20),
      load: loadavg().map((x) => Math.round(x * 100) / 100),
    });
    console.log(JSON.stringify(rounds[rounds.length - 1]));
    if (p.profile) {
      // The main thread's profile (thread 0) only: tsx's loader thread writes one too.
      for (const file of readdirSync(profileDir)) if (!/\.\d+\.0\.\d+\.cpuprofile$/.test(file)) rmSync(join(profileDir, file));
      profile = topOfProfile(profileDir, 25);
    }
    if (p.statements) {
      const { rows } = await pool.query<{ query: string; calls: number; ms: number; rows: number }>(
        `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query, calls::int, round(total_exec_time)::int AS ms, rows::int
           FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT 25`,
      );
      statements = rows;
    }
    rebuilt = result.projections;
    rowsBuilt = {};
    for (const target of result.targets) rowsBuilt[target] = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${target}`)).rows[0]!.n;
  }
  const perMillion = (seconds: number, events: number) => Math.round((seconds / events) * 1e6 * 10) / 10;
  const mid = rounds.find((r) => r.eventsPerSecond === median(rounds.map((x) => x.eventsPerSecond)))!;
  record(
    'replay',
    { ...p, database: server.kind, postgres: await serverSettings(db.url) },
    {
      events: mid.events,
      seconds: mid.seconds,
      eventsPerSecond: mid.eventsPerSecond,
      peakRssMb: median(rounds.map((r) => r.peakRssMb)),
      cpuSecondsPerMillionEvents: {
        replay: median(rounds.map((r) => perMillion(r.replayCpuSeconds, r.events))),
        ...(mid.serverCpuSeconds !== undefined ? { server: median(rounds.map((r) => perMillion(r.serverCpuSeconds ?? 0, r.events))) } : {}),
      },
      rounds,
      projections: rebuilt,
      rowsBuilt,
      eventTypes: Object.fromEntries(types.map((t) => [t.type, t.n])),
      ...(generateSeconds !== undefined ? { generateSeconds } : {}),
      ...(profile ? { profile } : {}),
      ...(statements ? { statements } : {}),
    },
    [
      "Each round rebuilds every named read model in one pass over the events, in its own process (`replay/worker.ts`, as `npm run replay -- rebuild` does); the peak RSS is that process's own (the kernel's VmHWM).",
      'CPU seconds per million events: the replay process, and the whole database server over the round (postmaster and backends, from /proc). They do not depend on how busy the machine is the way the rate does: on an otherwise idle machine the rate is bounded by events / max(replay CPU, server CPU / cores).',
      'The history is decided by the listing, calendar and booking deciders and written straight into es_events in chunks (not through es_append), to generate it fast.',
    ],
    loadBefore,
  );
} finally {
  await store.close();
  await pool.end();
  if (!p.keep) await db.drop();
  await server.stop();
}
