/**
 * Figure 7: the chat under load. 1,000 sockets (a guest and a host in each of 500 conversations)
 * exchange messages at a fixed rate: messages/s sustained, delivery latency (send → the other
 * party's socket), messages lost, RSS of the chat process, in a window of chat traffic alone and
 * in one with booking load beside it. In the same run: booking p99 over HTTP without chat traffic,
 * with it, and without it again. Then a reconnect storm: every
 * socket drops, each conversation gets a message meanwhile, and all reconnect at once with their
 * last sequence.
 */
import { fork, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { getPriority, loadavg } from 'node:os';
import { createPool } from '@stayhub/event-sourcing';
import { jwtTokens } from '@stayhub/http-kit';
import { ChatSettings, lowerPriorityOfTree, projectRoot } from '@stayhub/platform-kit';
import { params } from './shared/args.ts';
import { bookingScenario } from './shared/bookings.ts';
import {
  benchServer,
  freshDatabase,
  serverCpuReader,
  serverCpuSeconds,
  serverMemoryReader,
  serverNiceness,
  serverSchedReader,
  type BenchServer,
} from './shared/database.ts';
import { chatServerFlags } from '@stayhub/platform';
import { topOfProfile } from './shared/cpu-profile.ts';
import { pgCounters, waitEventSampler } from './shared/pg-stats.ts';
import { api, inParallel } from './shared/http.ts';
import { runLoad, type LoadResult } from './shared/load.ts';
import { cpuSecondsOf, cpuSplitOf, memoryOf, memorySampler, schedOf, startPlatform } from './shared/platform.ts';
import { benchProcess } from './shared/built.ts';
import { record, resultsDir } from './shared/results.ts';
import { summarise } from './shared/stats.ts';
import { now } from './chat/clients.ts';
import type { Ask, GeneratorSetup, Received, Settled, Window } from './chat/generator.ts';

const p = params('bench:chat', {
  conversations: { default: 500, help: 'conversations, each with a guest socket and a host socket' },
  rate: { default: 2_000, help: 'messages per second offered in total' },
  maxInFlight: { default: 2_000, help: 'sent but not yet acknowledged messages beyond which the generator skips its turn (counted as not offered)' },
  duration: { default: 20, help: 'seconds of chat traffic measured' },
  warmup: { default: 3, help: 'seconds of chat traffic before measuring' },
  bookingSeconds: { default: 10, help: 'seconds of each booking load (alone, under chat load, alone, …)' },
  rounds: { default: 5, help: 'booking loads under chat load, each between two without it (the ratio is their median)' },
  bookingConcurrency: { default: 8, help: 'booking clients' },
  listings: { default: 200, help: 'rentals (the booking load spreads over them; the inquiries ask about them)' },
  generators: { default: 2, help: 'load generator processes (each holds whole conversations, both parties)' },
  generatorSession: {
    default: 'bench',
    help: "a variant: where the load generators run: 'bench' (the figure: in the bench's session, so one scheduling group with the booking load, the platform and the chat) or 'own' (each in a session of its own, so a scheduling group of its own that --generatorNice lowers too: remote clients, which would not take this machine's cores)",
  },
  generatorNice: {
    default: 0,
    help: 'a variant: the niceness of the load generator processes (0: as the server side). They stand in for 1,000 remote clients, which would not take this machine’s cores',
  },
  chatServer: {
    default: 'own',
    help: "where the chat's database lives: 'own' (as `npm start` runs it: a PostgreSQL server of its own, its own WAL, sized as the launcher sizes it) or 'shared' (a variant, the layout before: its own database on the booking side's server)",
  },
  chatServerNice: {
    default: 'chat',
    help: "the niceness of the chat's own server, all its processes (with --chatServer own): 'chat' (as `npm start` runs it: the chat's CHAT_NICE, 10 unless the environment sets it) or a number (0: at the default priority, as before 2 Dec late morning)",
  },
  chatBundle: {
    default: '',
    help: 'a variant: run this bundled chat (e.g. an older revision built with `npm run build` into a worktree of its own) instead of this worktree’s, for before/after in turns',
  },
  interleavedSeconds: {
    default: 0,
    help: 'a second isolation figure (0: none): one booking load of this many seconds while the chat traffic goes on and off beside it (--sliceSeconds each, off only once every sent message is answered); booking p99 of the requests started and answered within an on slice over that of those within an off slice, so that the machine’s drifts fall on both alike',
  },
  sliceSeconds: { default: 3, help: 'with --interleavedSeconds: the length of each on and off slice' },
  profile: { default: false, help: 'write a CPU profile of the chat process (node --cpu-prof) to bench/.profiles/chat and list its top entries' },
});

/** The chat's own write-path figures (Prometheus text at /metrics): commits, commands per commit, store time. */
const commitFigures = async (url: string) => {
  const answer = await fetch(`${url}/metrics`);
  if (!answer.ok) throw new Error(`chat /metrics answered ${answer.status}`);
  const text = await answer.text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  /** A histogram's cumulative bucket counts, by upper bound (seconds). */
  const buckets = (name: string) =>
    [...text.matchAll(new RegExp(`^${name}_bucket\\{(?:[^}]*,)?le="([^"]+)"[^}]*\\} (\\S+)$`, 'gm'))].map((m) => ({
      le: m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]),
      count: Number(m[2]),
    }));
  return {
    commits: value('commands_commit_batch_size_count'),
    commands: value('commands_commit_batch_size_sum'),
    storeSeconds: value('eventstore_append_duration_seconds_sum'),
    commitBuckets: buckets('eventstore_append_duration_seconds'),
    sendStoredBuckets: buckets('chat_send_stored_seconds'),
  };
};

/** The chat database's statements so far, by query (needs `pg_stat_statements`, which `pgCounters` enables): calls and total ms. */
const chatStatements = async (url: string): Promise<Map<string, { calls: number; ms: number }>> => {
  const pool = createPool(url, 1);
  try {
    const { rows } = await pool.query<{ query: string; calls: string; ms: number }>(
      `SELECT query, calls, total_exec_time AS ms FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    const byQuery = new Map<string, { calls: number; ms: number }>();
    for (const row of rows) {
      const key = row.query.replace(/\s+/g, ' ').slice(0, 90);
      const known = byQuery.get(key) ?? { calls: 0, ms: 0 };
      byQuery.set(key, { calls: known.calls + Number(row.calls), ms: known.ms + row.ms });
    }
    return byQuery;
  } catch {
    return new Map();
  } finally {
    await pool.end();
  }
};

/**
 * Chat events stored but not yet applied by the inbox (unread counts, notifications): those after its
 * checkpoint. An open transaction in the chat database holds every subscription of it back.
 */
const inboxBacklog = async (url: string): Promise<number | null> => {
  const pool = createPool(url, 1);
  try {
    const { rows } = await pool.query<{ position: string }>(`SELECT position FROM chat_checkpoints WHERE name = 'inbox'`);
    const [tx, position] = (rows[0]?.position ?? '0-0').split('-').map((part) => BigInt(part).toString());
    const counted = await pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM es_events WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)',
      [tx, position],
    );
    return Number(counted.rows[0]!.n);
  } catch {
    return null;
  } finally {
    await pool.end();
  }
};

type Buckets = { le: number; count: number }[];
/**
 * Quantiles (ms) of what a histogram counted between two readings, interpolated within a bucket as
 * Prometheus's `histogram_quantile` does: as fine as its buckets, no finer.
 */
const quantilesBetween = (before: Buckets, after: Buckets) => {
  const diff = after.map((bucket, i) => ({ le: bucket.le, count: bucket.count - (before[i]?.count ?? 0) }));
  const total = diff.at(-1)?.count ?? 0;
  const at = (q: number) => {
    if (total === 0) return null;
    const rank = q * total;
    let lower = 0;
    let below = 0;
    for (const bucket of diff) {
      if (bucket.count >= rank) {
        if (bucket.le === Number.POSITIVE_INFINITY) return Math.round(lower * 1000);
        return Math.round((lower + ((bucket.le - lower) * (rank - below)) / Math.max(1, bucket.count - below)) * 10_000) / 10;
      }
      lower = bucket.le;
      below = bucket.count;
    }
    return null;
  };
  return { count: total, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
};

type Generator = { pid: number; connect: () => Promise<number>; ask: <T>(ask: Ask) => Promise<T>; exit: () => Promise<void>; kill: () => void };

/** A load generator process (`chat/generator.ts`), asked one thing at a time over IPC. */
const forkGenerator = (setup: GeneratorSetup, ownSession: boolean): Generator => {
  // `detached`: a session of its own (setsid), so under autogroups a scheduling group of its own
  const child = fork(fileURLToPath(new URL('./chat/generator.ts', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: ownSession,
  });
  const ask = <T>(message: Ask): Promise<T> =>
    new Promise((resolve, reject) => {
      const listener = (reply: { ask: string; value?: T; error?: string }) => {
        if (reply.ask !== message.ask) return;
        child.off('message', listener);
        if (reply.error) reject(new Error(`generator ${child.pid}: ${reply.error}`));
        else resolve(reply.value as T);
      };
      child.on('message', listener);
      child.send(message);
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    connect: async () => (await ask<{ sockets: number }>({ ask: 'connect', setup })).sockets,
    ask,
    exit: async () => {
      await ask({ ask: 'exit' });
      await exited;
    },
    kill: () => child.kill('SIGKILL'),
  };
};

const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

if (p.chatServer !== 'shared' && p.chatServer !== 'own') throw new Error("--chatServer is 'shared' or 'own'");
if (p.generatorSession !== 'bench' && p.generatorSession !== 'own') throw new Error("--generatorSession is 'bench' or 'own'");
const chatServerNice = p.chatServerNice === 'chat' ? ChatSettings.pick({ CHAT_NICE: true }).parse(process.env).CHAT_NICE : Number(p.chatServerNice);
if (!Number.isInteger(chatServerNice) || chatServerNice < 0 || chatServerNice > 19) throw new Error("--chatServerNice is 'chat' or a niceness 0–19");
const loadBefore = loadavg();
const server = await benchServer();
const platformDb = await freshDatabase(server.adminUrl, 'chat_platform');
// `own`: a second embedded server on a free port and a data folder of its own (its own WAL, its own processes), sized and reniced as `npm start` runs the chat's.
const chatServer: BenchServer =
  p.chatServer === 'own'
    ? await benchServer({ port: await freePort(), dataDir: join(projectRoot, '.data/bench-pg-chat'), flags: chatServerFlags, nice: chatServerNice })
    : server;
const chatDb = await freshDatabase(chatServer.adminUrl, 'chat');
/** CPU seconds of the PostgreSQL server(s): both when the chat has its own. */
const postgresCpuSeconds = async () => {
  const [main, chats] = await Promise.all([serverCpuSeconds(server.adminUrl), chatServer === server ? 0 : serverCpuSeconds(chatServer.adminUrl)]);
  return main === undefined || chats === undefined ? undefined : main + chats;
};
/** The memory of the server(s) (PSS of all their processes, MB): the booking side's, and the chat's when it has its own. */
const readServerMemory = {
  platform: await serverMemoryReader(server.adminUrl),
  chat: chatServer === server ? undefined : await serverMemoryReader(chatServer.adminUrl),
};
const serverMemoryMb = () => ({ platform: readServerMemory.platform() ?? null, chat: readServerMemory.chat?.() ?? null });
const platform = await startPlatform(platformDb.url);
const chatPort = await freePort();
// Its figures without a token, as Prometheus reads them (on its own port /metrics wants an admin's token).
const metricsPort = await freePort();
const chat = p.chatBundle ? { file: p.chatBundle, execArgv: [] } : await benchProcess('chat');
const profileDir = join(resultsDir, '../.profiles/chat');
if (p.profile) mkdirSync(profileDir, { recursive: true });
const chatProcess = spawn(process.execPath, [...chat.execArgv, ...(p.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), chat.file], {
  env: {
    ...process.env,
    DATABASE_URL: platformDb.url,
    CHAT_DATABASE_URL: chatDb.url,
    CHAT_PORT: String(chatPort),
    METRICS_PORT: String(metricsPort),
    JWT_SECRET,
    LOG_LEVEL: 'warn',
    CHAT_RATE_LIMIT_MESSAGES: '1000000000',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const chatExited = new Promise<void>((resolve) => chatProcess.once('exit', () => resolve()));
/** SIGTERM, then SIGKILL if it has not exited within 10 s (a CPU profile is written on the way out). */
const stopChat = async () => {
  if (chatProcess.exitCode !== null || chatProcess.signalCode !== null) return;
  chatProcess.kill('SIGTERM');
  const killer = setTimeout(() => chatProcess.kill('SIGKILL'), 10_000);
  await chatExited;
  clearTimeout(killer);
};
const chatUrl = `http://127.0.0.1:${chatPort}`;
const metricsUrl = `http://127.0.0.1:${metricsPort}`;
const chatApi = api(chatUrl);
const generators: Generator[] = [];
try {
  for (let ready = false; !ready; ) {
    ready = await fetch(`${chatUrl}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // The niceness the chat gave itself (CHAT_NICE; its default unless the environment sets one).
  const chatNice = getPriority(chatProcess.pid!);
  console.log(`chat process niceness ${chatNice}`);
  console.log(`setting up ${p.listings} rentals and ${p.conversations} inquiry conversations…`);
  const scenario = await bookingScenario(platform, { listings: p.listings, guests: 16, hotelRooms: 1 });
  const tokens = jwtTokens(JWT_SECRET, 600);
  const guests = await Promise.all(
    Array.from({ length: p.conversations }, async (_, i) => {
      const user = { userId: `chat-guest-${i}`, role: 'guest' as const, email: `chat-guest-${i}@bench.test` };
      return { ...user, token: await tokens.issue(user) };
    }),
  );
  // The chat learns the listings from the platform's events; wait until it knows them all.
  const conversations = await inParallel(guests, 16, async (guest, i) => {
    const listingId = scenario.rentals[i % scenario.rentals.length]!;
    for (;;) {
      const reply = await chatApi.post(`/listings/${listingId}/inquiries`, {}, guest.token);
      if (reply.status === 201) return { conversationId: reply.body.conversationId as string, guest, listingId };
      if (reply.status !== 404) throw new Error(`inquiry: ${reply.status} ${JSON.stringify(reply.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
  const hostOf = new Map<string, { userId: string; token: string }>();
  const chatPool = createPool(chatDb.url, 1);
  const { rows } = await chatPool.query<{ listing_id: string; host_id: string }>('SELECT listing_id, host_id FROM chat_listings').finally(() => chatPool.end());
  const hostsById = new Map(scenario.hosts.map((host) => [host.userId, host]));
  for (const row of rows) hostOf.set(row.listing_id, hostsById.get(row.host_id)!);

  const wsUrl = `ws://127.0.0.1:${chatPort}/ws`;
  const share = (i: number) => conversations.filter((_, n) => n % p.generators === i);
  for (let i = 0; i < p.generators; i++) {
    generators.push(
      forkGenerator(
        {
          wsUrl,
          rate: p.rate / p.generators,
          maxInFlight: Math.ceil(p.maxInFlight / p.generators),
          conversations: share(i).map(({ conversationId, guest, listingId }) => ({ conversationId, parties: [guest, hostOf.get(listingId)!] })),
        },
        p.generatorSession === 'own',
      ),
    );
  }
  const all = <T>(ask: Ask): Promise<T[]> => Promise.all(generators.map((generator) => generator.ask<T>(ask)));

  // One count over the three loads, so that no two requests ask for the same night of the same rental
  // (the nights stay well within how far ahead a stay may start).
  let n = 0;
  const bookingServerSched = await serverSchedReader(server.adminUrl);
  type Sched = { runSeconds: number; waitSeconds: number };
  /** ms per second of the load that a process (or a server's processes together) ran on a CPU, and waited runnable for one. */
  const schedPerSecond = (before: Sched | undefined, after: Sched | undefined, seconds: number) =>
    before && after
      ? {
          running: Math.round(((after.runSeconds - before.runSeconds) * 1000) / seconds),
          waitingForCpu: Math.round(((after.waitSeconds - before.waitSeconds) * 1000) / seconds),
        }
      : null;
  const [bookingServerCpu, chatServerCpu] = [
    await serverCpuReader(server.adminUrl),
    chatServer === server ? undefined : await serverCpuReader(chatServer.adminUrl),
  ];
  /** CPU seconds so far of each part on this machine: which of them take the two cores while booking runs. */
  const cpuByPart = () => ({
    // this process: the booking load's clients (and the driver, idle meanwhile)
    bookingClients: ((usage) => (usage.user + usage.system) / 1e6)(process.cpuUsage()),
    platform: cpuSecondsOf(platform.pid),
    bookingServer: bookingServerCpu() ?? Number.NaN,
    chat: cpuSecondsOf(chatProcess.pid!),
    chatServer: chatServerCpu?.() ?? Number.NaN,
    chatClients: generators.reduce((total, generator) => total + cpuSecondsOf(generator.pid), 0),
  });
  type Part = keyof ReturnType<typeof cpuByPart>;
  type BookingRun = LoadResult & {
    waits: Record<string, number>;
    sched: Record<'platformEventLoop' | 'bookingServer', ReturnType<typeof schedPerSecond>>;
    coresUsed: Record<Part, number | null>;
  };
  const bookingLoad = async (label: string): Promise<BookingRun> => {
    // What the booking side's backends wait on (share of their samples; CPU when not waiting): a chat
    // sharing the server shows as WAL waits (LWLock:WALWrite, IO:WALSync) on booking commits.
    const waits = await waitEventSampler(platformDb.url);
    // …and how long the booking side waited for a CPU: the platform's event loop, the booking server's processes.
    const [platformBefore, serverBefore, cpuBefore, startedAt] = [schedOf(platform.pid), bookingServerSched(), cpuByPart(), now()];
    const loaded = await runLoad({
      concurrency: p.bookingConcurrency,
      durationMs: p.bookingSeconds * 1000,
      warmupMs: 2000,
      request: () => scenario.spread(n++),
    });
    const [cpuAfter, seconds] = [cpuByPart(), (now() - startedAt) / 1000];
    const sched = {
      platformEventLoop: schedPerSecond(platformBefore, schedOf(platform.pid), seconds),
      bookingServer: schedPerSecond(serverBefore, bookingServerSched(), seconds),
    };
    const coresUsed = Object.fromEntries(
      (Object.keys(cpuAfter) as Part[]).map((part) => {
        const used = (cpuAfter[part] - cpuBefore[part]) / seconds;
        return [part, Number.isFinite(used) ? Math.round(used * 100) / 100 : null];
      }),
    ) as Record<Part, number | null>;
    const result = { ...loaded, waits: await waits.stop(), sched, coresUsed };
    console.log(
      `booking ${label}: ${result.throughput}/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, waits ${JSON.stringify(result.waits)}, sched ${JSON.stringify(sched)}, cores ${JSON.stringify(coresUsed)}`,
    );
    return result;
  };

  /**
   * Booking at the same concurrency for `interleavedSeconds` while the chat's traffic goes on for a
   * slice and off for one (off from the moment every message sent is answered: a drain in between
   * counts for neither). A request counts for a slice when it started and was answered within it.
   */
  const interleavedFigure = async () => {
    type Phase = 'on' | 'off' | 'between';
    let phase: Phase = 'off';
    let epoch = 0;
    const enter = (next: Phase) => {
      phase = next;
      epoch++;
    };
    const latencies: Record<'on' | 'off', number[]> = { on: [], off: [] };
    const statuses: Record<string, number> = {};
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const started = now();
    const end = started + 2000 + p.interleavedSeconds * 1000;
    let running = true;
    const clients = Promise.all(
      Array.from({ length: p.bookingConcurrency }, async () => {
        while (running) {
          const [at, phaseAt, epochAt] = [now(), phase, epoch];
          const status = await scenario.spread(n++).catch(() => 0);
          statuses[status] = (statuses[status] ?? 0) + 1;
          // the first 2 s warm up; a request across a switch counts for neither side
          if (at - started < 2000 || epochAt !== epoch || phaseAt === 'between') continue;
          latencies[phaseAt].push(now() - at);
        }
      }),
    );
    await sleep(2000);
    let cycles = 0;
    for (; now() < end; cycles++) {
      enter('off');
      await sleep(p.sliceSeconds * 1000);
      enter('on');
      await all({ ask: 'send' });
      await sleep(p.sliceSeconds * 1000);
      enter('between');
      await all({ ask: 'pause' });
    }
    running = false;
    await clients;
    const [on, off] = [summarise(latencies.on), summarise(latencies.off)];
    const figure = {
      seconds: p.interleavedSeconds,
      sliceSeconds: p.sliceSeconds,
      cycles,
      statuses,
      on,
      off,
      p99Ratio: Math.round((on.p99 / off.p99) * 100) / 100,
      p50Ratio: Math.round((on.p50 / off.p50) * 100) / 100,
      // requests counted in the on slices over those in the off slices (slices of one length): booking's throughput under the chat
      requestsRatio: Math.round((latencies.on.length / Math.max(1, latencies.off.length)) * 100) / 100,
    };
    console.log(`booking interleaved with chat traffic: ${JSON.stringify(figure)}`);
    return figure;
  };

  // 1. booking alone (the chat process up and idle, no socket open)
  const bookingAlone = await bookingLoad('alone');

  // 2. 1,000 sockets, then chat traffic at the offered rate: alone, then with booking load beside it
  const connectStarted = now();
  const sockets = (await Promise.all(generators.map((generator) => generator.connect()))).reduce((sum, n) => sum + n, 0);
  const connectSeconds = (now() - connectStarted) / 1000;
  // (their threads are all up by now; any started later inherits the niceness of the one starting it)
  if (p.generatorNice > 0) for (const generator of generators) lowerPriorityOfTree(generator.pid, p.generatorNice);
  console.log(`${sockets} sockets connected in ${connectSeconds.toFixed(1)} s by ${p.generators} generator processes`);
  await all({ ask: 'send' });
  await new Promise((resolve) => setTimeout(resolve, p.warmup * 1000));
  const sum = <T>(values: T[], pick: (value: T) => number) => values.reduce((total, value) => total + pick(value), 0);
  /**
   * One measured window of chat traffic (the sockets already sending, warmed up): what the chat
   * delivered, at what latency and CPU, while `during` runs beside it (nothing, or a booking load).
   */
  const measureWindow = async <T>(label: string, during: () => Promise<T>) => {
    const chatMemory = memorySampler(() => memoryOf(chatProcess.pid!));
    /** System calls that wrote (write, writev, sendmsg: sockets, files) so far by a process. */
    const writeCallsOf = (pid: number) => Number(/^syscw: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? Number.NaN);
    const cpu = () => ({
      chat: cpuSecondsOf(chatProcess.pid!),
      chatSplit: cpuSplitOf(chatProcess.pid!),
      chatWriteCalls: writeCallsOf(chatProcess.pid!),
      platform: cpuSecondsOf(platform.pid),
      generator: sum(generators, (generator) => cpuSecondsOf(generator.pid)),
      sched: {
        chat: schedOf(chatProcess.pid!),
        generator: {
          runSeconds: sum(generators, (g) => schedOf(g.pid).runSeconds),
          waitSeconds: sum(generators, (g) => schedOf(g.pid).waitSeconds),
          slices: sum(generators, (g) => schedOf(g.pid).slices),
        },
      },
    });
    const [cpuBefore, pgCpuBefore, chatDbBefore, commitsBefore, statementsBefore] = [
      cpu(),
      await postgresCpuSeconds(),
      await pgCounters(chatDb.url),
      await commitFigures(metricsUrl),
      await chatStatements(chatDb.url),
    ];
    await all({ ask: 'measure' });
    const measureStart = now();
    const beside = await during();
    const rest = p.duration * 1000 - (now() - measureStart);
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    const windows = await all<Window>({ ask: 'endMeasure' });
    const measuredMs = now() - measureStart;
    const [cpuAfter, pgCpuAfter, chatDbAfter, commitsAfter, statementsAfter, inboxBehind] = [
      cpu(),
      await postgresCpuSeconds(),
      await pgCounters(chatDb.url),
      await commitFigures(metricsUrl),
      await chatStatements(chatDb.url),
      await inboxBacklog(chatDb.url),
    ];
    const peakRssMb = chatMemory.stop();
    await all({ ask: 'pause' });
    const ackedInWindow = sum(windows, (w) => w.acked);
    const latencies = windows.flatMap((w) => w.latencies);
    const round2 = (x: number) => Math.round(x * 100) / 100;
    const perSecond = (seconds: number) => round2(seconds / (measuredMs / 1000));
    const traffic = {
      sockets,
      conversations: p.conversations,
      generatorProcesses: p.generators,
      connectSeconds: Math.round(connectSeconds * 10) / 10,
      offeredPerSecond: p.rate,
      sentInWindow: sum(windows, (w) => w.sent),
      notOfferedInWindow: sum(windows, (w) => w.notOffered),
      ackedPerSecond: Math.round((ackedInWindow / measuredMs) * 1000),
      deliveredPerSecond: Math.round((latencies.length / measuredMs) * 1000),
      // counted once sending has stopped for good (after the booking rounds below)
      acked: 0,
      rejected: {} as Record<string, number>,
      lost: 0,
      deliveryLatencyMs: summarise(latencies),
      ackLatencyMs: summarise(windows.flatMap((w) => w.ackLatencies)),
      chatRssMb: { peak: peakRssMb, end: memoryOf(chatProcess.pid!).rssMb },
      // the PostgreSQL server(s) at the window's end: PSS of all their processes (the booking side's; the chat's own when it has one)
      postgresMemoryMb: serverMemoryMb(),
      // CPU used in the measured window, per second of it (2.0 = both cores): where the time goes
      cpuPerSecond: {
        chat: perSecond(cpuAfter.chat - cpuBefore.chat),
        generators: perSecond(cpuAfter.generator - cpuBefore.generator),
        platform: perSecond(cpuAfter.platform - cpuBefore.platform),
        postgres: pgCpuBefore === undefined || pgCpuAfter === undefined ? null : perSecond(pgCpuAfter - pgCpuBefore),
      },
      // the event loop threads of the chat and of the generators (summed): ms per second running, and runnable but waiting for a CPU
      // (the time a message spends in a queue of the operating system's scheduler, not of the chat)
      eventLoopMsPerSecond: Object.fromEntries(
        (['chat', 'generator'] as const).map((name) => [
          name,
          {
            running: perSecond((cpuAfter.sched[name].runSeconds - cpuBefore.sched[name].runSeconds) * 1000),
            waitingForCpu: perSecond((cpuAfter.sched[name].waitSeconds - cpuBefore.sched[name].waitSeconds) * 1000),
            // each time the thread became runnable, how long it waited for a CPU on average
            meanWaitPerWakeupMs: round2(
              ((cpuAfter.sched[name].waitSeconds - cpuBefore.sched[name].waitSeconds) * 1000) /
                Math.max(1, cpuAfter.sched[name].slices - cpuBefore.sched[name].slices),
            ),
          },
        ]),
      ),
      // the chat's command processor: appends are grouped into commits (a commit is durable before any of its acks)
      chatCommits: {
        perSecond: perSecond(commitsAfter.commits - commitsBefore.commits),
        commandsPerCommit: round2((commitsAfter.commands - commitsBefore.commands) / Math.max(1, commitsAfter.commits - commitsBefore.commits)),
        meanStoreMs: round2(((commitsAfter.storeSeconds - commitsBefore.storeSeconds) * 1000) / Math.max(1, commitsAfter.commits - commitsBefore.commits)),
      },
      // where a delivery's time goes, from the chat's own histograms (as fine as their buckets): a commit
      // in the store, and a send frame from its arrival in the chat to its message stored and written to
      // the other party's socket (queued for a commit, the commit, the turns of the event loop between);
      // the rest of the delivery latency is outside the chat's handling: the frames in the kernel and the
      // two processes' event loops waiting for a CPU
      latencyPartsMs: {
        commit: quantilesBetween(commitsBefore.commitBuckets, commitsAfter.commitBuckets),
        sendArrivalToStoredAndWritten: quantilesBetween(commitsBefore.sendStoredBuckets, commitsAfter.sendStoredBuckets),
      },
      // what the inbox (unread counts, offline notifications) had yet to apply when the window ended
      inboxBacklogAtWindowEnd: inboxBehind,
      // what one acknowledged message cost, whatever share of the machine the processes got
      cpuMsPerAckedMessage: {
        chat: round2(((cpuAfter.chat - cpuBefore.chat) * 1000) / Math.max(1, ackedInWindow)),
        generators: round2(((cpuAfter.generator - cpuBefore.generator) * 1000) / Math.max(1, ackedInWindow)),
        // the whole PostgreSQL server (the booking load beside it included when they share it)
        postgres: pgCpuBefore === undefined || pgCpuAfter === undefined ? null : round2(((pgCpuAfter - pgCpuBefore) * 1000) / Math.max(1, ackedInWindow)),
        // per message delivered to a socket (each message goes to the other party; reads and system events too)
        chatPerDelivered: round2(((cpuAfter.chat - cpuBefore.chat) * 1000) / Math.max(1, latencies.length)),
        // the chat's CPU split: its own code (user) and the kernel's on its behalf (system: mostly socket writes)
        chatUser: round2(((cpuAfter.chatSplit.user - cpuBefore.chatSplit.user) * 1000) / Math.max(1, ackedInWindow)),
        chatSystem: round2(((cpuAfter.chatSplit.system - cpuBefore.chatSplit.system) * 1000) / Math.max(1, ackedInWindow)),
      },
      // write system calls of the chat process (each socket write of frames, each statement sent to PostgreSQL) per acknowledged message
      chatWriteCallsPerAckedMessage: round2((cpuAfter.chatWriteCalls - cpuBefore.chatWriteCalls) / Math.max(1, ackedInWindow)),
      chatDatabasePerAckedMessage: {
        commits: round2((chatDbAfter.commits - chatDbBefore.commits) / Math.max(1, ackedInWindow)),
        statements:
          chatDbAfter.statements === null || chatDbBefore.statements === null
            ? null
            : round2((chatDbAfter.statements - chatDbBefore.statements) / Math.max(1, ackedInWindow)),
        // the statements that took the most of the database's time in the window: calls per acknowledged message, mean ms
        top: [...statementsAfter]
          .map(([query, after]) => {
            const before = statementsBefore.get(query) ?? { calls: 0, ms: 0 };
            return { query, calls: after.calls - before.calls, ms: after.ms - before.ms };
          })
          .filter((row) => row.calls > 0)
          .sort((a, b) => b.ms - a.ms)
          .slice(0, 6)
          .map((row) => ({
            query: row.query,
            perMessage: Math.round((row.calls / Math.max(1, ackedInWindow)) * 1000) / 1000,
            meanMs: round2(row.ms / row.calls),
          })),
      },
    };
    console.log(`chat (${label}): ${JSON.stringify(traffic)}`);
    return { traffic, beside };
  };

  // 2a. the chat's own figure (the goal): its traffic alone, nothing else running on the platform
  const { traffic } = await measureWindow('alone', async () => undefined);
  // 2b. the same traffic with booking load beside it: the first run of the isolation figure
  await all({ ask: 'send' });
  await new Promise((resolve) => setTimeout(resolve, p.warmup * 1000));
  const { traffic: trafficWithBooking, beside: bookingUnderChat } = await measureWindow('with booking', () => bookingLoad('under chat load'));
  // each server's processes as they ran under both loads (the chat's pool and booking's backends forked by now)
  const postgresNiceness = {
    platform: (await serverNiceness(server.adminUrl)) ?? null,
    chat: chatServer === server ? null : ((await serverNiceness(chatServer.adminUrl)) ?? null),
  };
  console.log(`PostgreSQL niceness: ${JSON.stringify(postgresNiceness)}`);
  /** The scheduling group (session) of each Node process (`/proc/<pid>/autogroup`: "/autogroup-N nice K"); PostgreSQL's processes each lead one. */
  const groupOf = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/autogroup`, 'utf8').trim();
    } catch {
      return null;
    }
  };
  const schedulingGroups = {
    bookingClients: groupOf(process.pid),
    platform: groupOf(platform.pid),
    chat: groupOf(chatProcess.pid!),
    chatClients: generators.map((generator) => groupOf(generator.pid)),
  };
  console.log(`scheduling groups: ${JSON.stringify(schedulingGroups)}`);

  // 3. booking alone again (the sockets stay open, no traffic)
  // Booking alone and under chat load in turns, so that each figure under load has one without it on
  // either side (the machine's own load drifts more than the chat moves booking).
  const alone = [bookingAlone];
  const underChat = [bookingUnderChat];
  for (let round = 1; ; round++) {
    alone.push(await bookingLoad(`alone (${round + 1})`));
    if (round >= p.rounds) break;
    await all({ ask: 'send' });
    await new Promise((resolve) => setTimeout(resolve, p.warmup * 1000));
    underChat.push(await bookingLoad(`under chat load (${round + 1})`));
    await all({ ask: 'pause' });
  }
  // 3b. (a variant figure) one booking load with the chat traffic switched on and off beside it
  const interleaved = p.interleavedSeconds > 0 ? await interleavedFigure() : undefined;

  // every acknowledged message gets 30 s to arrive; then what the other party never got counts as lost
  const settled = await all<Settled>({ ask: 'stopSending' });
  traffic.acked = sum(settled, (s) => s.acked);
  traffic.lost = sum(settled, (s) => s.lost);
  for (const { rejected: byStatus } of settled)
    for (const [status, count] of Object.entries(byStatus)) traffic.rejected[status] = (traffic.rejected[status] ?? 0) + count;
  console.log(`chat, settled: acked ${traffic.acked}, lost ${traffic.lost}, rejected ${JSON.stringify(traffic.rejected)}`);

  // 4. reconnect storm
  const before = await all<Received>({ ask: 'drop' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const heads: Record<string, number> = {};
  await inParallel(conversations, 16, async ({ conversationId, guest }) => {
    const reply = await chatApi.post(`/conversations/${conversationId}/messages`, { text: 'while you were away' }, guest.token);
    heads[conversationId] = reply.body.seq as number;
  });
  const stormStart = now();
  await all({ ask: 'reconnect' });
  const connectedMs = now() - stormStart;
  const after = await all<Received>({ ask: 'caughtUp', heads });
  const caughtUpMs = now() - stormStart;
  const storm = {
    sockets,
    allConnectedMs: Math.round(connectedMs),
    allCaughtUpMs: Math.round(caughtUpMs),
    missedMessagesDelivered: sum(after, (a) => a.received) - sum(before, (b) => b.received),
    duplicates: sum(after, (a) => a.duplicates) - sum(before, (b) => b.duplicates),
    gaps: sum(after, (a) => a.gaps) - sum(before, (b) => b.gaps),
  };
  console.log(`reconnect storm: ${JSON.stringify(storm)}`);

  const booking = (r: BookingRun) => ({
    throughput: r.throughput,
    p50: r.latencyMs.p50,
    p99: r.latencyMs.p99,
    statuses: r.statuses,
    waits: r.waits,
    sched: r.sched,
    coresUsed: r.coresUsed,
  });
  await Promise.all(generators.map((generator) => generator.exit()));
  await stopChat();
  const cpuProfile = p.profile ? topOfProfile(profileDir, 25) : undefined;
  /** Each run under chat load against the mean of the alone runs on either side of it. */
  const ratiosOf = (pick: (r: LoadResult) => number) =>
    underChat.map((loaded, i) => Math.round((pick(loaded) / ((pick(alone[i]!) + pick(alone[i + 1]!)) / 2)) * 100) / 100);
  const ratios = ratiosOf((r) => r.latencyMs.p99);
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  };
  record(
    'chat',
    { ...p, database: server.kind, chatNice, chatServerNice: p.chatServer === 'own' ? chatServerNice : null, postgresNiceness, schedulingGroups },
    {
      traffic,
      trafficWithBooking: { ...trafficWithBooking, acked: undefined, rejected: undefined, lost: undefined },
      booking: {
        alone: alone.map(booking),
        underChatLoad: underChat.map(booking),
        p99Ratios: ratios,
        p99Ratio: median(ratios),
        // the same for p50 and throughput: the chat shares the machine's two cores with booking
        p50Ratio: median(ratiosOf((r) => r.latencyMs.p50)),
        throughputRatio: median(ratiosOf((r) => r.throughput)),
        // cores each part used, median over the runs alone and over those under chat load
        coresUsed: Object.fromEntries(
          (['alone', 'underChatLoad'] as const).map((key) => [
            key,
            Object.fromEntries(
              (Object.keys(bookingAlone.coresUsed) as Part[]).map((part) => {
                const used = (key === 'alone' ? alone : underChat).flatMap((r) => r.coresUsed[part] ?? []);
                return [part, used.length > 0 ? Math.round(median(used) * 100) / 100 : null];
              }),
            ),
          ]),
        ),
      },
      ...(interleaved ? { interleaved } : {}),
      reconnectStorm: storm,
      ...(cpuProfile ? { chatCpuProfile: cpuProfile } : {}),
    },
    [
      'Delivery latency: send (the load generator stamps the time in the text) → the other party’s socket, both in the load generator process; only messages sent in the measured window count.',
      'Open loop at the offered rate, except that the generator skips a send while maxInFlight messages await their ack (notOfferedInWindow counts the skips).',
      'Lost: acknowledged messages the other party had not received 30 s after sending stopped.',
      'Booking runs alone and under chat load in turns (alone, under, alone, …, alone). p99Ratios: each run under chat load, its p99 over the mean p99 of the alone runs before and after it; p99Ratio: their median. traffic: the chat’s figure, a window of its traffic alone (the platform idle beside it); trafficWithBooking: the same traffic in the window of the first booking run under chat load. acked, rejected and lost (in traffic) count the whole run.',
      'Everything runs on this machine: PostgreSQL, the platform process, the chat process and the load generator share 2 cores.',
      'chatNice: the niceness the chat process gave itself (CHAT_NICE, 10 by default: booking and search come first on a shared machine). generatorNice > 0 is a variant, not the figure: the load generators (standing in for remote clients) yield the cores to the server side; generatorSession own (a variant, from 2 Dec 12:45): each load generator in a session, so a scheduling group, of its own (schedulingGroups: each Node process’s, /proc/<pid>/autogroup), which generatorNice lowers; by default they share the bench’s group with the booking clients, the platform and the chat. chatServer own (the default, as `npm start` runs it): the chat database on a PostgreSQL server of its own, sized as the launcher sizes it, all its processes at chatServerNice (the chat’s CHAT_NICE unless --chatServerNice says otherwise; runs before 2 Dec 09:45 had it at 0); postgresNiceness: each server’s processes (postmaster, least and most of all) after the window beside booking; shared: on the booking side’s server (the layout before). postgresMemoryMb: PSS of each server’s processes summed.',
      'booking coresUsed (from 2 Dec 12:40): CPU seconds per second of each booking run, its warm-up included, of each part on this machine: bookingClients (this process: the booking load’s clients), platform, bookingServer, chat (the chat process), chatServer (its own PostgreSQL server), chatClients (the chat’s load generators); in coresUsed, the median over the runs alone and over those under chat load. interleaved (with --interleavedSeconds): one booking load while the chat traffic goes on and off in slices of sliceSeconds (off once every message sent is answered; requests across a switch or in the drain count for neither); p99Ratio: p99 of the requests in the on slices over that of those in the off slices.',
      'booking waits: the share of the booking database’s active backends’ samples per wait event (CPU when not waiting), sampled every 10 ms during each booking run. booking sched (from 2 Dec 10:15): ms per second of each booking run (its warm-up included) that the platform process’s event loop and the booking server’s processes (summed) ran on a CPU and waited, runnable, for one (/proc/<pid>/schedstat).',
    ],
    loadBefore,
  );
} finally {
  for (const generator of generators) generator.kill();
  await stopChat();
  await platform.stop();
  await platformDb.drop().catch(() => undefined);
  await chatDb.drop().catch(() => undefined);
  if (chatServer !== server) await chatServer.stop();
  await server.stop();
}
