/**
 * Figure 1: booking commands over HTTP at fixed concurrency — throughput and latency,
 * (a) spread over many listings, (b) all on one hot hotel room type — the whole platform against
 * the peer stack (express 5 + Emmett CommandHandler + emmett-postgresql) on the same server, in
 * the same run, cases alternating which goes first.
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { backlog, confirmations } from './shared/backlog.ts';
import { topOfProfile, topOfStoppedProfile } from './shared/cpu-profile.ts';
import {
  perBooking,
  pgCounters,
  planMsPerBooking,
  statementCalls,
  statementsByPart,
  streamReadsPerBooking,
  topStatementsPerBooking,
  waitEventSampler,
} from './shared/pg-stats.ts';
import { params } from './shared/args.ts';
import { bookingScenario } from './shared/bookings.ts';
import { benchServer, freshDatabase, serverCpuSeconds, serverSettings } from './shared/database.ts';
import { api } from './shared/http.ts';
import { runLoad, type LoadResult } from './shared/load.ts';
import { cpuSplitOf, layouts, memorySampler, sessionOptions, sessionsOf, startPlatform, type Layout } from './shared/platform.ts';
import { record, resultsDir } from './shared/results.ts';
import { startPeer } from './peer/peer.ts';

const p = params('bench:commands', {
  concurrency: { default: 32, help: 'clients, each sending its next request when answered' },
  duration: { default: 20, help: 'seconds measured per case' },
  warmup: { default: 3, help: 'seconds of warm-up per case, not measured' },
  listings: { default: 300, help: 'one-unit rentals the spread case books' },
  guests: { default: 32, help: 'guest accounts the requests rotate over' },
  rooms: { default: 10_000, help: 'rooms of the hot hotel room type (caps the hot case requests)' },
  cases: { default: 'spread,hot', help: 'which cases: spread, hot' },
  peer: { default: true, help: 'run the peer stack too (--no-peer to skip)' },
  layout: { default: 'one', help: `the platform's processes: ${Object.keys(layouts).join(', ')} (see src/shared/platform.ts)` },
  ...sessionOptions,
  bundle: { default: '', help: "another build of the platform process (a copy of an older dist/bench/…/platform.js) to measure instead of this one's" },
  keep: {
    default: false,
    help: "leave the benchmark's databases on the server after the run (stayhub_bench_commands, _commands_peer), to EXPLAIN its statements",
  },
  workflows: {
    default: true,
    help: 'run the workflows (payment, confirmation, mail); --no-workflows measures the request path alone (the bookings stay unpaid)',
  },
});

const day = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const round2 = (x: number) => Math.round(x * 100) / 100;
/** The whole PostgreSQL server's CPU (postmaster and backends, /proc) per booking over a load; nothing when the server is elsewhere. */
const serverCpuPer = (before: number | undefined, after: number | undefined, bookings: number) =>
  before === undefined || after === undefined ? {} : { serverCpuMsPerBooking: round2(((after - before) * 1000) / Math.max(1, bookings)) };

const loadBefore = loadavg();
if (!(p.layout in layouts)) throw new Error(`--layout is one of ${Object.keys(layouts).join(', ')}`);
const layout = p.layout as Layout;
const sessions = sessionsOf({ projectorsSession: p.projectorsSession, querySession: p.querySession });
const server = await benchServer();
// Everything started after the server stops with it, even when the platform or the peer fails to start.
const started: {
  db?: Awaited<ReturnType<typeof freshDatabase>>;
  peerDb?: Awaited<ReturnType<typeof freshDatabase>>;
  platform?: Awaited<ReturnType<typeof startPlatform>>;
  peer?: Awaited<ReturnType<typeof startPeer>>;
} = {};
try {
  const db = await freshDatabase(server.adminUrl, 'commands');
  started.db = db;
  const peerDb = p.peer ? await freshDatabase(server.adminUrl, 'commands_peer') : undefined;
  started.peerDb = peerDb;
  const platform = await startPlatform(db.url, {
    layout,
    ...sessions,
    ...(p.bundle ? { bundle: p.bundle } : {}),
    ...(p.workflows ? {} : { env: { BENCH_WORKFLOWS: 'off' } }),
  });
  started.platform = platform;
  const peer = peerDb ? await startPeer(peerDb.url) : undefined;
  started.peer = peer;
  console.log(`setting up ${p.listings} rentals, a hotel with ${p.rooms} rooms, ${p.guests} guests…`);
  const scenario = await bookingScenario(platform, { listings: p.listings, guests: p.guests, hotelRooms: p.rooms });
  const cases = p.cases.split(',');
  const figures: Record<string, unknown> = {};
  platform.resetPeak();
  const sampler = memorySampler(platform.memory);
  const run = async (name: string, request: (n: number) => Promise<number>, maxRequests?: number): Promise<LoadResult> => {
    console.log(`${name}: ${p.concurrency} clients for ${p.warmup}+${p.duration} s…`);
    const result = await runLoad({
      concurrency: p.concurrency,
      durationMs: p.duration * 1000,
      warmupMs: p.warmup * 1000,
      request,
      ...(maxRequests ? { maxRequests } : {}),
    });
    console.log(
      `${name}: ${result.throughput} successful/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, statuses ${JSON.stringify(result.statuses)}`,
    );
    return result;
  };
  /** CPU-milliseconds the processes spent per successful request during the load (the first one's own share too when there are several). */
  const cpuPer = async (pids: number[], load: () => Promise<LoadResult>) => {
    const before = pids.map(cpuSplitOf);
    const result = await load();
    const after = pids.map(cpuSplitOf);
    const perSuccess = pids.map((_, i) =>
      round2(((after[i]!.user + after[i]!.system - before[i]!.user - before[i]!.system) * 1000) / Math.max(1, result.succeeded)),
    );
    const system = after.reduce((sum, a, i) => sum + a.system - before[i]!.system, 0);
    const total = after.reduce((sum, a, i) => sum + a.user + a.system - before[i]!.user - before[i]!.system, 0);
    return {
      ...result,
      processCpuMsPerSuccess: round2(perSuccess.reduce((a, b) => a + b, 0)),
      processSystemCpuShare: round2(system / Math.max(0.01, total)),
      ...(pids.length > 1 ? { commandProcessCpuMsPerSuccess: perSuccess[0] } : {}),
    };
  };

  const peerCall = peer ? api(peer.url) : undefined;
  const peerLoads = {
    spread: (n: number) => {
      const night = 1 + Math.floor(n / p.listings);
      return peerCall!.post('/bookings', { unitTypeId: `rental-${n % p.listings}`, capacity: 1, checkIn: day(night), guests: 1 }).then((r) => r.status);
    },
    hot: (n: number) => peerCall!.post('/bookings', { unitTypeId: 'hotel', capacity: p.rooms, checkIn: day(30), guests: 1 }).then((r) => r.status),
  };

  const ours = {
    spread: async () => {
      // Measured around the spread load: commits and statements per booking, wait events, a CPU profile, what is left to do.
      const profileDir = join(resultsDir, '../.profiles');
      mkdirSync(profileDir, { recursive: true });
      const counters = await pgCounters(db.url);
      const callsBefore = await statementCalls(db.url);
      const answeredBefore = scenario.answered.size;
      const waits = await waitEventSampler(db.url);
      const stopProfile = await platform.profile();
      // The projectors' process too, when they run in one of their own (`apart`, `npm-start`).
      const stopProjectorsProfile = platform.apart('projectors') ? await platform.profile('projectors') : undefined;
      const serverBefore = await serverCpuSeconds(db.url);
      const load = await cpuPer(platform.pids, () => run('ours spread', scenario.spread));
      const serverAfter = await serverCpuSeconds(db.url);
      const loadEnd = Date.now();
      const left = await backlog(db.url);
      await stopProfile(join(profileDir, `commands-spread-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`));
      const projectorsProfile = stopProjectorsProfile ? await topOfStoppedProfile(stopProjectorsProfile, 'projectors') : undefined;
      const sampled = waits.queries();
      const waitEvents = await waits.stop();
      const lockObjectBy = waits.lockObjectBy();
      const booked = scenario.answered.size - answeredBefore;
      const database = {
        ...perBooking(counters, await pgCounters(db.url), booked, sampled),
        ...serverCpuPer(serverBefore, serverAfter, booked),
        ...(await statementCalls(db.url).then((callsAfter) => ({
          streamReadStatementsPerBooking: streamReadsPerBooking(callsBefore, callsAfter, booked),
          planMsPerBooking: planMsPerBooking(callsBefore, callsAfter, booked),
          statementsByPart: statementsByPart(callsBefore, callsAfter, booked),
          topStatements: topStatementsPerBooking(callsBefore, callsAfter, booked),
        }))),
      };
      // Without the workflows no booking is ever confirmed.
      const confirmed = p.workflows ? await confirmations(db.url, scenario.answered, loadEnd) : undefined;
      console.log(JSON.stringify({ backlogAtLoadEnd: left, database, waitEvents, lockObjectBy, confirmations: confirmed }));
      return {
        ...load,
        backlogAtLoadEnd: left,
        confirmations: confirmed,
        database,
        waitEventsPercent: waitEvents,
        lockObjectWaitsPercentBy: lockObjectBy,
        cpuProfile: topOfProfile(profileDir),
        ...(projectorsProfile ? { projectorsCpuProfile: projectorsProfile } : {}),
      };
    },
    hot: async () => {
      // Where a hold's CPU goes on one hot stream (its queue in the command processor, the stream's state and events).
      const stopProfile = await platform.profile();
      const load = await cpuPer(platform.pids, () => run('ours hot', scenario.hot, p.rooms));
      return { ...load, cpuProfile: await topOfStoppedProfile(stopProfile, 'commands-hot') };
    },
  };
  const theirs = {
    spread: async () => {
      const counters = await pgCounters(peerDb!.url);
      const serverBefore = await serverCpuSeconds(peerDb!.url);
      const load = await cpuPer([peer!.pid], () => run('peer spread', peerLoads.spread));
      const serverAfter = await serverCpuSeconds(peerDb!.url);
      return {
        ...load,
        database: { ...perBooking(counters, await pgCounters(peerDb!.url), load.requests), ...serverCpuPer(serverBefore, serverAfter, load.succeeded) },
      };
    },
    hot: () => cpuPer([peer!.pid], () => run('peer hot', peerLoads.hot, p.rooms)),
  };

  for (const [i, name] of cases.entries()) {
    const kind = name as 'spread' | 'hot';
    const both =
      peer && i % 2 === 1
        ? [
            ['peer', theirs[kind]],
            ['ours', ours[kind]],
          ]
        : [['ours', ours[kind]], ...(peer ? [['peer', theirs[kind]]] : [])];
    const results: Record<string, LoadResult> = {};
    for (const [who, go] of both as [string, () => Promise<LoadResult>][]) results[who] = await go();
    figures[kind] = {
      ...results,
      ...(results.peer ? { throughputRatioOursToPeer: round2(results.ours!.throughput / Math.max(0.1, results.peer.throughput)) } : {}),
    };
  }
  figures.platformMemory = { peakRssMbSampled: sampler.stop(), ...platform.memory() };
  record(
    'commands',
    { ...p, database: server.kind, postgres: await serverSettings(db.url) },
    figures,
    [
      `ours: POST /bookings on the whole platform (command API with auth, idempotency and rate limits; workflows, projectors and query API), its processes laid out as ${JSON.stringify(layouts[layout])}, with instant book: the nights and the booking in one atomic append; payment and confirmation follow in the workflows. processCpuMsPerSuccess sums the platform processes; the CPU profile is of the command API's process.`,
      'peer: express 5 + Emmett CommandHandler + emmett-postgresql, one read-decide-append per request on the calendar stream, same calendar decider, no auth and no booking stream (see src/peer/server.ts).',
      'Throughput counts 2xx answers per second; latency is over all answers. Rate limits are raised for the load generator (one address).',
      "database: commits and statements (pg_stat_statements, top level) per booking over the whole database, workflows and projections included; serverCpuMsPerBooking: the whole PostgreSQL server's CPU (postmaster and backends, from /proc) over the load per booking; topStatements: the statements that took the server the most time, calls, execution ms and planning ms per booking (planMsPerBooking: planning over all statements; pg_stat_statements.track_planning, on since 2 Dec); statementsByPart: the same summed by the part of the platform a statement belongs to.",
      "hot.ours.cpuProfile: the command process's profile over the hot case, read the same way.",
      'waitEventsPercent: the sampled active backends of our database by wait event (CPU when not waiting); lockObjectWaitsPercentBy: the `Lock:object` share (the server-wide NOTIFY lock, taken at the commit of a transaction that notifies) by the statement the waiting backend ran (since 2 Dec 07:10).',
      "projectorsCpuProfile (when the projectors run in a process of their own): that process's profile over the same window, read the same way.",
      "cpuProfile.byPart: the command process's busy samples by the part of the platform that started the work (root-most frame of ours on the synchronous stack, through the bundle's source map).",
    ],
    loadBefore,
  );
} finally {
  await started.platform?.stop();
  await started.peer?.stop();
  if (!p.keep) {
    await started.db?.drop();
    await started.peerDb?.drop();
  }
  await server.stop();
}
