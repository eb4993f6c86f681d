/**
 * Figure 2: event-store append throughput and latency, ours vs @event-driven-io/emmett-postgresql
 * on the same PostgreSQL server: same event size and concurrency, 1 event per append and batches of 10.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { projectRoot } from '@stayhub/platform-kit';
import { params } from './shared/args.ts';
import { benchServer, freshDatabase, serverSettings } from './shared/database.ts';
import type { LoadResult } from './shared/load.ts';
import { benchProcess } from './shared/built.ts';
import { topOfProfile } from './shared/cpu-profile.ts';
import { record } from './shared/results.ts';

const p = params('bench:append', {
  concurrency: { default: 16, help: 'concurrent appenders, each on its own streams' },
  duration: { default: 10, help: 'seconds measured per case' },
  warmup: { default: 2, help: 'seconds of warm-up per case' },
  bytes: { default: 500, help: "JSON size of each event's data" },
  batches: { default: '1,10', help: 'events per append, one case each' },
  rounds: { default: 2, help: 'each case runs this many times, alternating the stores' },
  streamLength: { default: 100, help: 'appends per stream before a client starts a new one' },
  stores: {
    default: 'ours,emmett,raw,ours-direct',
    help: 'ours (through the command processor, shared commits), ours-direct (one append per transaction), emmett, raw (single-row INSERT commits); with --before also ours-before',
  },
  before: {
    default: '',
    help: "another build's append worker (a dist/bench/append-worker.js with its folder copied aside), run as the store ours-before, alternating with the others",
  },
  profile: { default: false, help: "a CPU profile of each worker process (its top self-time entries recorded; the profiler's own cost lowers the rates)" },
});

/** The installed version, from the package's own package.json (wherever npm placed it). */
const emmettVersion = (): string => {
  const entry = createRequire(import.meta.url).resolve('@event-driven-io/emmett-postgresql');
  const root = entry.slice(0, entry.lastIndexOf('emmett-postgresql') + 'emmett-postgresql'.length);
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
};

type PerAppend = {
  appends: number;
  clientCpuMs: number;
  serverCpuMs: number | null;
  commits: number;
  statements: number | null;
  walFlushes?: number | null;
  walBytes?: number;
  walFullPages?: number;
};
/**
 * Cores a store kept busy over its run: its appends/s times its CPU per append (warm-up included),
 * the worker's and the whole server's. On a shared machine this is the share of the CPU each store
 * won: every PostgreSQL backend is its own scheduling group (autogroup), so sixteen busy backends win
 * more of it than one.
 */
const coresUsed = (c: Case) =>
  c.perAppend
    ? {
        worker: Math.round(c.throughput * c.perAppend.clientCpuMs) / 1000,
        server: c.perAppend.serverCpuMs === null ? null : Math.round(c.throughput * c.perAppend.serverCpuMs) / 1000,
      }
    : undefined;
type Case = LoadResult & {
  eventsPerSecond: number;
  /** Per append, warm-up included: the worker's CPU, the whole server's, commits and statements (absent from older builds' workers). */
  perAppend?: PerAppend;
  /** Share of sampled active backends per wait event (CPU: not waiting). */
  waitEvents?: Record<string, number>;
  profile?: ReturnType<typeof topOfProfile>;
  failures: string[];
};
const worker = await benchProcess('append-worker');
// npm runs the script in bench/; a relative --before is read from where npm was called.
const workerOf = (store: string) => (store === 'ours-before' ? { file: resolve(process.env.INIT_CWD ?? process.cwd(), p.before), execArgv: [] } : worker);
const profileDir = (store: string) => join(projectRoot, 'bench/.profiles', `append-${store}`);

const loadBefore = loadavg();
const server = await benchServer();
const stores = [...p.stores.split(','), ...(p.before ? ['ours-before'] : [])];
const results: Record<string, Case[]> = {};
try {
  for (const batch of p.batches.split(',').map(Number)) {
    for (let round = 0; round < p.rounds; round++) {
      // Alternate which store goes first, so that neither always meets a warmer server.
      for (const store of round % 2 === 0 ? stores : [...stores].reverse()) {
        const db = await freshDatabase(server.adminUrl, `append_${store.replace('-', '_')}`);
        const profiling = p.profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir(store)] : [];
        if (p.profile) {
          rmSync(profileDir(store), { recursive: true, force: true });
          mkdirSync(profileDir(store), { recursive: true });
        }
        const out = execFileSync(
          process.execPath,
          [
            ...profiling,
            ...workerOf(store).execArgv,
            workerOf(store).file,
            '--store',
            store === 'ours-before' ? 'ours' : store,
            '--url',
            db.url,
            '--concurrency',
            `${p.concurrency}`,
            '--batch',
            `${batch}`,
            '--duration',
            `${p.duration}`,
            '--warmup',
            `${p.warmup}`,
            '--bytes',
            `${p.bytes}`,
            '--streamLength',
            `${p.streamLength}`,
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
        );
        const result = JSON.parse(out.trim().split('\n').at(-1)!) as Case;
        if (p.profile) result.profile = topOfProfile(profileDir(store), 12);
        const cost = result.perAppend
          ? `; per append: worker ${result.perAppend.clientCpuMs} ms CPU, server ${result.perAppend.serverCpuMs} ms CPU, ${result.perAppend.commits} commits, ${result.perAppend.statements} statements, ${result.perAppend.walFlushes} WAL flushes, ${result.perAppend.walBytes} WAL bytes; cores used: worker ${coresUsed(result)!.worker}, server ${coresUsed(result)!.server}`
          : '';
        console.log(
          `${store}, ${batch} per append, round ${round + 1}: ${result.throughput} appends/s (${result.eventsPerSecond} events/s), p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms${cost} (load ${loadavg()[0]!.toFixed(1)})`,
        );
        if (result.waitEvents) console.log(`  wait events: ${JSON.stringify(result.waitEvents)}`);
        const key = `${store}-batch${batch}`;
        results[key] = [...(results[key] ?? []), result];
        await db.drop();
      }
    }
  }
  const mean = (cases: Case[], pick: (c: Case) => number) => Math.round((cases.reduce((a, c) => a + pick(c), 0) / cases.length) * 100) / 100;
  const figures: Record<string, unknown> = {};
  for (const batch of p.batches.split(',').map(Number)) {
    const cases = Object.fromEntries(stores.map((store) => [store, results[`${store}-batch${batch}`]!]));
    const withCost = (cases: Case[]) => cases.filter((c) => c.perAppend);
    const costMean = (cases: Case[], pick: (c: PerAppend) => number | null) =>
      withCost(cases).length === 0 ? undefined : mean(withCost(cases), (c) => pick(c.perAppend!) ?? 0);
    const summary = (cases: Case[]) => ({
      appendsPerSecond: mean(cases, (c) => c.throughput),
      perAppend: {
        clientCpuMs: costMean(cases, (c) => c.clientCpuMs),
        serverCpuMs: costMean(cases, (c) => c.serverCpuMs),
        commits: costMean(cases, (c) => c.commits),
        statements: costMean(cases, (c) => c.statements),
        walFlushes: costMean(cases, (c) => c.walFlushes ?? null),
        walBytes: costMean(cases, (c) => c.walBytes ?? null),
      },
      coresUsed:
        withCost(cases).length === 0
          ? undefined
          : { worker: mean(withCost(cases), (c) => coresUsed(c)!.worker), server: mean(withCost(cases), (c) => coresUsed(c)!.server ?? 0) },
      eventsPerSecond: mean(cases, (c) => c.eventsPerSecond),
      p50Ms: mean(cases, (c) => c.latencyMs.p50),
      p99Ms: mean(cases, (c) => c.latencyMs.p99),
      failed: cases.reduce((a, c) => a + c.requests - c.succeeded, 0),
      rounds: cases,
    });
    const summaries = Object.fromEntries(Object.entries(cases).map(([store, c]) => [store, summary(c)]));
    const ratio = (a: string, b: string) =>
      summaries[a] && summaries[b] ? Math.round((summaries[a].appendsPerSecond / summaries[b].appendsPerSecond) * 100) / 100 : undefined;
    figures[`batch${batch}`] = {
      ...summaries,
      throughputRatioOursToEmmett: ratio('ours', 'emmett'),
      throughputRatioOursToRawCommits: ratio('ours', 'raw'),
      throughputRatioOursDirectToEmmett: ratio('ours-direct', 'emmett'),
      ...(p.before
        ? { throughputRatioOursToOursBefore: ratio('ours', 'ours-before'), throughputRatioOursBeforeToRawCommits: ratio('ours-before', 'raw') }
        : {}),
    };
  }
  record(
    'append',
    { ...p, database: server.kind, postgres: await serverSettings(server.adminUrl), emmettPostgresql: emmettVersion() },
    figures,
    [
      'Each store appends in its own child process to its own fresh database on the same server; every append carries an expected stream version (raw: none, a plain INSERT).',
      'ours goes through the command processor as the platform does (appends of different streams that arrive together share one commit); ours-direct is one append per transaction; raw is the single-row-commit ceiling (batch10: ten single-row commits).',
      'coresUsed: appends/s times CPU per append, the worker and the whole server: the share of the machine each store won (every PostgreSQL backend is a scheduling group of its own).',
      'perAppend (warm-up included): the worker process CPU (load generator and payloads included, the same for every store), the whole server CPU, commits, top-level statements (pg_stat_statements), WAL flushes and WAL bytes (whole server) per append; waitEvents samples pg_stat_activity every 25 ms.',
    ],
    loadBefore,
  );
} finally {
  await server.stop();
}
