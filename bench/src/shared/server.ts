/**
 * A platform process the benchmarks load, on DATABASE_URL. `BENCH_PARTS` lists what it runs, among
 * `commands` (the command API), `workflows`, `projectors` and `query` (the query API); the default is
 * all four in one Node process, so that its memory is one figure. The benchmark may instead start
 * several such processes, each with some of the parts (see `platform.ts`). Started by `platform.ts`;
 * talks to it over IPC.
 */
import type { Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { composeCommandSide, createCommandApi } from '@stayhub/command-api';
import { createPool, PostgresEventStore } from '@stayhub/event-sourcing';
import { runProjectors } from '@stayhub/projectors';
import { composeQuerySide, createQueryApi } from '@stayhub/query-api';
import { lowerPriority, PrioritySettings } from '@stayhub/platform-kit';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl || !process.send) throw new Error('start this through bench/src/shared/platform.ts');

const parts = new Set((process.env.BENCH_PARTS ?? 'commands,workflows,projectors,query').split(','));
// As the command API's own process does with COMMAND_API_NICE (0 by default; at 10 the read side runs first on shared cores). In a
// process that also runs the projectors or the query API, there is no one to yield to.
if (parts.has('commands') && !parts.has('projectors') && !parts.has('query')) lowerPriority(PrioritySettings.parse(process.env).COMMAND_API_NICE);

// Abuse limits off: one load generator on one address is not an abuser (the figures are capacity).
const unlimited = 1_000_000_000;
const config = {
  LOG_LEVEL: (process.env.LOG_LEVEL ?? 'info') as 'info',
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123456789',
  JWT_TTL_MINUTES: 600,
  HOST_RESPONSE_HOURS: 24,
  HOLD_TTL_MINUTES: 15,
  ORDER_PAYMENT_TIMEOUT_MINUTES: 15,
  PAYMENT_WEBHOOK_SECRET: 'bench-webhook-secret-0123456789abcdef',
  RATE_LIMIT_AUTH_PER_IP: unlimited,
  RATE_LIMIT_BOOKINGS_PER_IP: unlimited,
  RATE_LIMIT_BOOKINGS_PER_USER: unlimited,
  RATE_LIMIT_QUERIES_PER_IP: unlimited,
  SEARCH_CACHE_TTL_MS: Number(process.env.SEARCH_CACHE_TTL_MS ?? 3000),
  // The command API and the workflows in different processes both write bookings and calendars.
  WORKFLOWS_IN: parts.has('commands') === parts.has('workflows') ? ('command-api' as const) : ('own-process' as const),
};

const listen = (app: ReturnType<typeof createCommandApi>): Promise<Server> =>
  new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const side = await composeCommandSide({ databaseUrl, config });
const readPool = createPool(databaseUrl, 10);
const readStore = await PostgresEventStore.create(readPool);
const query = composeQuerySide({ databaseUrl, config });
const stop = new AbortController();
// BENCH_STAGES_FILE: where each projection batch's time went (the runner's "batch stages" records), written there on stop.
const stages: Record<string, unknown>[] = [];
const stagesFile = process.env.BENCH_STAGES_FILE;
const runnerLog = (message: string, context?: Record<string, unknown>) => {
  if (message === 'batch stages' && context) stages.push({ ...context, at: Date.now() });
};
const projectors =
  parts.has('projectors') && process.env.BENCH_PROJECTORS !== 'off'
    ? runProjectors(readPool, readStore, stop.signal, stagesFile ? runnerLog : undefined)
    : Promise.resolve();
const workflows = parts.has('workflows') && process.env.BENCH_WORKFLOWS !== 'off' ? side.workflows.run(stop.signal) : Promise.resolve();
const commandServer = parts.has('commands') ? await listen(createCommandApi(side.deps)) : undefined;
const queryServer = parts.has('query') ? await listen(createQueryApi(query)) : undefined;
const servers = [commandServer, queryServer].filter((s) => s !== undefined);

process.send({
  ready: true,
  ...(commandServer ? { commandUrl: urlOf(commandServer) } : {}),
  ...(queryServer ? { queryUrl: urlOf(queryServer) } : {}),
});

// A CPU profile of the measured window only (the same format `node --cpu-prof` writes).
const inspector = new Session();
inspector.connect();
process.on('message', async (message: { profile?: 'start' | 'stop'; file?: string }) => {
  if (message.profile === 'start') {
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.setSamplingInterval', { interval: 1000 });
    await inspector.post('Profiler.start');
    process.send!({ profiling: true });
  } else if (message.profile === 'stop') {
    const { profile } = await inspector.post('Profiler.stop');
    writeFileSync(message.file!, JSON.stringify(profile));
    process.send!({ profiled: message.file });
  }
});

process.on('message', async (message: { stop?: boolean }) => {
  if (!message.stop) return;
  stop.abort();
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await Promise.allSettled([projectors, workflows]);
  if (stagesFile) writeFileSync(stagesFile, JSON.stringify(stages));
  await readStore.close();
  await readPool.end();
  await query.close();
  await side.close();
  process.exit(0);
});
