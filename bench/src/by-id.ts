/**
 * Reads by id over HTTP: `GET /listings/:id` and `GET /listings/:id/availability` (7 nights) on the
 * search benchmark's marketplace (`npm run bench:by-id -w bench`, see bench/README.md). With
 * `--bundle <a dist/bench/platform.js copied aside>` the other build serves the same requests on the
 * same database, alternating round by round (A, B, A, B…). With `--workers 1,2` this build serves
 * as `npm start` runs it instead: the query API's own bundle, `QUERY_API_WORKERS` processes on one
 * port, once per count given, in the same rotation. Per round and shape: latency, throughput, and
 * the CPU of the serving processes (each one's too) and of PostgreSQL and the statements, per request.
 * Writes bench/results/by-id.json.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { params } from './shared/args.ts';
import { topOfStoppedProfile } from './shared/cpu-profile.ts';
import { benchServer, serverCpuSeconds } from './shared/database.ts';
import { api } from './shared/http.ts';
import { runLoad } from './shared/load.ts';
import { marketplaceDatabase } from './shared/marketplace-db.ts';
import { pgCounters } from './shared/pg-stats.ts';
import { cpuSecondsOf, memoryOf, schedOf, startPlatform, type Platform } from './shared/platform.ts';
import { startQueryApi } from './shared/query-api.ts';
import { record } from './shared/results.ts';
import { seeded, stayOf } from './shared/search-queries.ts';
import { summarise } from './shared/stats.ts';
import { runWrk, wrkOnPath, wrkPaths } from './shared/wrk.ts';

const p = params('bench:by-id', {
  listings: { default: 20_000, help: 'listings in the marketplace (the search benchmark’s, loaded once, then reused)' },
  seed: { default: 12, help: 'data seed' },
  first: { default: '2027-03-01', help: 'first of the 90 nights with a calendar' },
  clients: { default: '4,32', help: 'concurrent clients' },
  seconds: { default: 6, help: 'seconds per shape, client count and round' },
  warmup: {
    default: 1.5,
    help: 'seconds of the same load before each window (every connection open; longer: the caches in process warm too, as in a steady stream of reads)',
  },
  rounds: { default: 3, help: 'rounds (each build once per round, alternating)' },
  hot: { default: 0, help: 'draw the ids from the first N listings only (0: from all; a popular set)' },
  bundle: { default: '', help: 'another build of the platform (a dist/bench/platform.js copied aside) run alternately as `before`' },
  workersBundle: {
    default: '',
    help: 'with --workers: another build of the query API (a dist/bench/query-api.js copied aside) run as `before-workers-N` for each count, in the same rotation',
  },
  profile: { default: false, help: 'a CPU profile of this build’s process during its last round at the highest client count' },
  generator: { default: 'auto', help: 'the load generator: `wrk` (C, on PATH), `node` (this process, fetch) or `auto` (wrk when on PATH)' },
  workers: {
    default: '',
    help: 'this build as `npm start` runs it, the query API in its own processes: one run per count of QUERY_API_WORKERS given (e.g. 1,2), instead of the platform process (0 in the list: the platform process too)',
  },
});

const generator = p.generator === 'auto' ? (wrkOnPath() ? 'wrk' : 'node') : p.generator;
if (generator !== 'wrk' && generator !== 'node') throw new Error(`--generator is wrk, node or auto, not ${p.generator}`);

const loadBefore = loadavg();
const server = await benchServer();
const db = await marketplaceDatabase(server.adminUrl, { listings: p.listings, seed: p.seed, first: p.first });
const env = { SEARCH_CACHE_TTL_MS: '0' };
/** What serves the reads: the platform's process (the query API beside an idle command API), or the query API's own primary and workers. */
type Build = { name: string; queryUrl: string; pids: () => number[]; profile?: Platform['profile']; stop: () => Promise<void> };
const fromPlatform = (name: string, platform: Platform): Build => ({
  name,
  queryUrl: platform.queryUrl,
  pids: () => [platform.pid],
  profile: platform.profile,
  stop: () => platform.stop(),
});
const workerCounts = String(p.workers).split(',').filter(Boolean).map(Number);
const builds: Build[] = [];
if (workerCounts.length === 0 || workerCounts.includes(0)) builds.push(fromPlatform('after', await startPlatform(db.url, { projectors: false, env })));
for (const workers of workerCounts.filter((n) => n > 0)) {
  builds.push({ name: `workers-${workers}`, ...(await startQueryApi(db.url, { workers, env })) });
  if (p.workersBundle) builds.push({ name: `before-workers-${workers}`, ...(await startQueryApi(db.url, { workers, env, bundle: p.workersBundle })) });
}
if (p.bundle) builds.push(fromPlatform('before', await startPlatform(db.url, { projectors: false, env, bundle: p.bundle })));
const clients = p.clients.split(',').map(Number);
const pool = p.hot || p.listings;

const shapes = {
  get: (r: ReturnType<typeof seeded>) => `/listings/l${r.int(0, pool - 1)}`,
  availability: (r: ReturnType<typeof seeded>) => {
    const [, from, to] = /checkIn=(.*)&checkOut=(.*)/.exec(stayOf(r, p.first, 7))!;
    return `/listings/l${r.int(0, pool - 1)}/availability?from=${from}&to=${to}`;
  },
};

type Sample = {
  p50: number;
  p99: number;
  perSecond: number;
  processCpuMs: number;
  /** Each serving process's share (the primary first, then the workers). */
  processCpuMsByProcess: number[];
  /** Resident memory of the serving processes at the window's end, summed. */
  rssMb: number;
  /** Per serving process, the share of the window its main thread (the event loop) spent runnable but waiting for a core (`/proc/<pid>/schedstat`). */
  runQueueWaitShare: number[];
  clientCpuMs: number;
  serverCpuMs: number | null;
  statements: number | null;
  non200: number;
  generator: string;
};
/** Paths drawn for wrk per run: more than it asks in a window at ~15,000/s. */
const WRK_PATHS = 200_000;
const samples: Record<string, Record<string, Sample[]>> = {};

/** One window of load: by wrk on paths drawn beforehand, or by this process drawing each path as it goes; the same seeded paths either way. */
const loadOf = async (build: (typeof builds)[number], draw: () => string, concurrency: number, durationMs: number, measure: () => Promise<void>) => {
  if (generator === 'wrk') {
    const paths = wrkPaths(Array.from({ length: WRK_PATHS }, draw));
    try {
      const base = build.queryUrl;
      // Warm-up: every connection open and the paths compiled; the window goes on from where it stopped.
      const warm = await runWrk({ base, paths, from: 0, concurrency, durationMs: p.warmup * 1000 });
      await measure();
      return await runWrk({ base, paths, from: warm.requests, concurrency, durationMs });
    } finally {
      paths.remove();
    }
  }
  const query = api(build.queryUrl);
  await runLoad({ concurrency, durationMs: p.warmup * 1000, request: async () => (await query.get(draw())).status });
  await measure();
  const client0 = process.cpuUsage();
  const result = await runLoad({ concurrency, durationMs, request: async () => (await query.get(draw())).status });
  const client = process.cpuUsage(client0);
  return { ...result, clientCpuMs: Math.round(((client.user + client.system) / 1000 / Math.max(1, result.requests)) * 100) / 100 };
};

const oneRun = async (build: (typeof builds)[number], shape: keyof typeof shapes, concurrency: number, round: number, profile: boolean) => {
  const r = seeded(p.seed + round * 100 + concurrency, shape);
  let stopProfile: ((file: string) => Promise<void>) | undefined;
  let before: [number[], number | undefined, Awaited<ReturnType<typeof pgCounters>>] | undefined;
  const pids = build.pids();
  const cpuOf = () =>
    pids.map((pid) => {
      try {
        return cpuSecondsOf(pid);
      } catch {
        return 0; // a worker that exited meanwhile
      }
    });
  const waitOf = () =>
    pids.map((pid) => {
      try {
        return schedOf(pid).waitSeconds;
      } catch {
        return 0;
      }
    });
  let waited: number[] = [];
  let startedAt = 0;
  const result = await loadOf(
    build,
    () => shapes[shape](r),
    concurrency,
    p.seconds * 1000,
    async () => {
      stopProfile = profile ? await build.profile?.() : undefined;
      before = [cpuOf(), await serverCpuSeconds(db.url), await pgCounters(db.url)];
      [waited, startedAt] = [waitOf(), performance.now()];
    },
  );
  const [cpu0, server0, pg0] = before!;
  const [cpu1, server1, pg1] = [cpuOf(), await serverCpuSeconds(db.url), await pgCounters(db.url)];
  const windowSeconds = (performance.now() - startedAt) / 1000;
  const runQueueWaitShare = waitOf().map((wait, i) => Math.round(((wait - waited[i]!) / windowSeconds) * 100) / 100);
  const top = stopProfile ? await topOfStoppedProfile(stopProfile, 'by-id') : undefined;
  const n = Math.max(1, result.requests);
  const sample: Sample = {
    p50: result.latencyMs.p50,
    p99: result.latencyMs.p99,
    perSecond: result.throughput,
    processCpuMs: Math.round(((cpu1.reduce((a, b) => a + b, 0) - cpu0.reduce((a, b) => a + b, 0)) * 1000 * 100) / n) / 100,
    processCpuMsByProcess: cpu1.map((cpu, i) => Math.round(((cpu - cpu0[i]!) * 1000 * 100) / n) / 100),
    rssMb: pids.reduce((sum, pid) => sum + (existsSync(`/proc/${pid}`) ? memoryOf(pid).rssMb : 0), 0),
    runQueueWaitShare,
    clientCpuMs: result.clientCpuMs,
    serverCpuMs: server0 === undefined || server1 === undefined ? null : Math.round(((server1 - server0) * 1000 * 100) / n) / 100,
    // The two counter reads themselves are a few statements: negligible over thousands of requests.
    statements: pg0.statements === null || pg1.statements === null ? null : Math.round(((pg1.statements - pg0.statements) / n) * 100) / 100,
    non200: result.requests - (result.statuses['200'] ?? 0),
    generator,
  };
  const key = `${shape}@${concurrency}`;
  const ofBuild = samples[build.name] ?? {};
  ofBuild[key] = [...(ofBuild[key] ?? []), sample];
  samples[build.name] = ofBuild;
  console.log(
    `${build.name.padEnd(9)} ${key.padEnd(16)} round ${round}: p50 ${sample.p50} ms p99 ${sample.p99} ms ${sample.perSecond}/s; CPU ms a request: process ${sample.processCpuMs} (${sample.processCpuMsByProcess.join(' + ')}), PostgreSQL ${sample.serverCpuMs}, load generator (${generator}) ${sample.clientCpuMs}; statements ${sample.statements}; RSS ${sample.rssMb} MB; waiting for a core ${sample.runQueueWaitShare.join(' / ')} of the window; load ${loadavg()[0]!.toFixed(1)}`,
  );
  return top;
};

const median = (xs: number[]) => summarise(xs).p50;
const profiles: Record<string, unknown> = {};
try {
  for (let round = 1; round <= p.rounds; round++) {
    for (const shape of Object.keys(shapes) as (keyof typeof shapes)[]) {
      for (const concurrency of clients) {
        // Rotate which build goes first, so that none always follows another.
        const order = builds.map((_, i) => builds[(i + round) % builds.length]!);
        for (const build of order) {
          const profile = p.profile && build.profile !== undefined && build.name !== 'before' && round === p.rounds && concurrency === Math.max(...clients);
          const top = await oneRun(build, shape, concurrency, round, profile);
          if (top) profiles[shape] = top;
        }
      }
    }
  }
  type Summary = { p50Ms: number; perSecond: number; processCpuMsPerRequest: number } & Record<string, unknown>;
  const summaries: Record<string, Record<string, Summary>> = {};
  for (const [name, byShape] of Object.entries(samples)) {
    summaries[name] = Object.fromEntries(
      Object.entries(byShape).map(([key, runs]) => [
        key,
        {
          p50Ms: median(runs.map((s) => s.p50)),
          p99Ms: median(runs.map((s) => s.p99)),
          perSecond: median(runs.map((s) => s.perSecond)),
          processCpuMsPerRequest: median(runs.map((s) => s.processCpuMs)),
          processCpuMsPerRequestByProcess: runs[0]!.processCpuMsByProcess.map((_, i) => median(runs.map((s) => s.processCpuMsByProcess[i] ?? 0))),
          clientCpuMsPerRequest: median(runs.map((s) => s.clientCpuMs)),
          rssMb: median(runs.map((s) => s.rssMb)),
          runQueueWaitShare: runs[0]!.runQueueWaitShare.map((_, i) => median(runs.map((s) => s.runQueueWaitShare[i] ?? 0))),
          serverCpuMsPerRequest: runs[0]!.serverCpuMs === null ? null : median(runs.map((s) => s.serverCpuMs!)),
          statementsPerRequest: runs[0]!.statements === null ? null : median(runs.map((s) => s.statements!)),
          non200: runs.reduce((sum, s) => sum + s.non200, 0),
          rounds: runs,
        },
      ]),
    );
  }
  const figures: Record<string, unknown> = { ...summaries };
  const ratiosOver = (after: Record<string, Summary>, before: Record<string, Summary>) =>
    Object.fromEntries(
      Object.keys(after).map((key) => {
        const [a, b] = [after[key]!, before[key]!];
        const ratio = (x: number, y: number) => Math.round((x / Math.max(1e-9, y)) * 100) / 100;
        return [
          key,
          {
            perSecondAfterOverBefore: ratio(a.perSecond, b.perSecond),
            p50AfterOverBefore: ratio(a.p50Ms, b.p50Ms),
            processCpuAfterOverBefore: ratio(a.processCpuMsPerRequest, b.processCpuMsPerRequest),
          },
        ];
      }),
    );
  const before = summaries.before;
  if (before && workerCounts.length === 0) figures.ratios = ratiosOver(summaries.after!, before);
  else if (before) {
    // --workers: each count against the build before, by its name.
    figures.ratios = Object.fromEntries(
      Object.entries(summaries)
        .filter(([name]) => name !== 'before' && !name.startsWith('before-'))
        .map(([name, after]) => [name, ratiosOver(after, before)]),
    );
  }
  // --workersBundle: each count against the other build's query API at the same count.
  const sameCount = Object.keys(summaries).filter((name) => summaries[`before-${name}`] !== undefined);
  if (sameCount.length > 0) {
    figures.ratiosSameWorkers = Object.fromEntries(sameCount.map((name) => [name, ratiosOver(summaries[name]!, summaries[`before-${name}`]!)]));
  }
  if (Object.keys(profiles).length > 0) figures.profile = profiles;
  record(
    'by-id',
    { ...p, generator },
    figures,
    [
      'Each build serves the same requests (the same ids drawn per round) on the same database, alternating round by round; medians over the rounds. Its search cache is off (it does not serve these routes anyway).',
      "processCpuMsPerRequest: CPU of the platform process (query API, with the command API idle beside it) per request, or with --workers (builds workers-N) of the query API's primary and its workers summed (processCpuMsPerRequestByProcess: each, the primary first); serverCpuMsPerRequest: of the whole PostgreSQL server; clientCpuMsPerRequest: of the load generator (params.generator: wrk, a C program, one thread; or node, fetch in this process); statementsPerRequest from pg_stat_statements.",
      'The load generator runs on the same 2 cores: throughput is bounded by it and by the load of the machine, CPU per request less so. wrk draws the same seeded paths, written out beforehand; its latency percentiles are from its own histogram.',
    ],
    loadBefore,
  );
} finally {
  for (const build of builds) await build.stop();
  await db.pool.end();
  await server.stop();
}
