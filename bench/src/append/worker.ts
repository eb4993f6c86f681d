/**
 * One append benchmark case in its own process (emmett sets process-wide pg type parsers, so the
 * two stores never share a process). Prints one JSON line with the result.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { serverCpuSeconds } from '../shared/database.ts';
import { runLoad } from '../shared/load.ts';
import { pgCounters, waitEventSampler, walCounters } from '../shared/pg-stats.ts';

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    url: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    batch: { type: 'string', default: '1' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    bytes: { type: 'string', default: '500' },
    streamLength: { type: 'string', default: '100' },
  },
});
const concurrency = Number(values.concurrency);
const batch = Number(values.batch);
const streamLength = Number(values.streamLength);

/** The same event for both stores: a booking-like payload padded to `bytes` of JSON. */
const data = (n: number) => {
  const base = {
    bookingId: randomUUID(),
    guestId: randomUUID(),
    listingId: randomUUID(),
    nights: ['2030-01-01', '2030-01-02'],
    total: { amount: 12_000 + n, currency: 'EUR' },
    at: new Date().toISOString(),
  };
  const padding = Math.max(0, Number(values.bytes) - JSON.stringify(base).length - 14);
  return { ...base, note: 'x'.repeat(padding) };
};

type Appender = { append: (stream: string, n: number, first: boolean) => Promise<void>; close: () => Promise<void> };

const ours = async (url: string): Promise<Appender> => {
  const { createPool, PostgresEventStore } = await import('@stayhub/event-sourcing');
  const pool = createPool(url, concurrency);
  const store = await PostgresEventStore.create(pool);
  const revisions = new Map<string, number>();
  return {
    async append(stream, n, first) {
      const events = Array.from({ length: batch }, (_, i) => ({ eventId: randomUUID(), type: 'BenchEventHappened', data: data(n + i) }));
      const result = await store.append(stream, events, first ? 'no_stream' : revisions.get(stream)!);
      revisions.set(stream, result.nextExpectedRevision);
    },
    close: async () => {
      await store.close();
      await pool.end();
    },
  };
};

/**
 * Ours as the platform appends: through the command processor, whose appends of different streams
 * that arrive together share one commit (each still checked against its own expected revision).
 */
const oursShared = async (url: string): Promise<Appender> => {
  const { createPool, PostgresEventStore, CommandProcessor } = await import('@stayhub/event-sourcing');
  const pool = createPool(url, concurrency);
  const store = await PostgresEventStore.create(pool);
  const processor = new CommandProcessor(store, process.env.BENCH_MAX_IN_FLIGHT ? { maxInFlight: Number(process.env.BENCH_MAX_IN_FLIGHT) } : {});
  type Append = { type: 'Append'; events: { type: string; data: unknown }[] };
  const passThrough = { initialState: null, evolve: (state: null) => state, decide: (command: Append) => command.events };
  return {
    async append(stream, n, first) {
      const events = Array.from({ length: batch }, (_, i) => ({ type: 'BenchEventHappened', data: data(n + i) }));
      await processor.handle(stream, passThrough, { type: 'Append', events }, {}, { fresh: first });
    },
    close: async () => {
      await store.close();
      await pool.end();
    },
  };
};

/** The ceiling of one commit per write: a single-row INSERT in its own transaction, nothing else. */
const raw = async (url: string): Promise<Appender> => {
  const pool = new pg.Pool({ connectionString: url, max: concurrency });
  await pool.query('CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, stream text NOT NULL, data jsonb NOT NULL)');
  return {
    async append(stream, n) {
      for (let i = 0; i < batch; i++)
        await pool.query({ name: 'raw', text: 'INSERT INTO bench_rows (stream, data) VALUES ($1, $2)', values: [stream, JSON.stringify(data(n + i))] });
    },
    close: () => pool.end(),
  };
};

const emmett = async (url: string): Promise<Appender> => {
  const { getPostgreSQLEventStore } = await import('@event-driven-io/emmett-postgresql');
  const { STREAM_DOES_NOT_EXIST } = await import('@event-driven-io/emmett');
  const pool = new pg.Pool({ connectionString: url, max: concurrency });
  const store = getPostgreSQLEventStore(url, { connectionOptions: { pool } });
  await store.schema.migrate();
  const versions = new Map<string, bigint>();
  return {
    async append(stream, n, first) {
      const events = Array.from({ length: batch }, (_, i) => ({ type: 'BenchEventHappened', data: data(n + i) }));
      const result = await store.appendToStream(stream, events, { expectedStreamVersion: first ? STREAM_DOES_NOT_EXIST : versions.get(stream)! });
      versions.set(stream, result.nextExpectedStreamVersion);
    },
    close: async () => {
      await store.close();
      await pool.end().catch(() => undefined);
    },
  };
};

const appenders: Record<string, (url: string) => Promise<Appender>> = { ours: oursShared, 'ours-direct': ours, emmett, raw };
const appender = await appenders[values.store!]!(values.url!);
// Each client holds a lane (its own stream, appended with an expected version) for one append at a time; a new stream every `streamLength` appends.
const free = Array.from({ length: concurrency }, (_, lane) => ({ lane, stream: 0, appends: 0 }));
const failures: string[] = [];
// What each append costs, warm-up included: this process's CPU, the whole server's, commits and statements.
let appends = 0;
const counters = await pgCounters(values.url!);
const wal = await walCounters(values.url!);
const serverCpu = await serverCpuSeconds(values.url!);
const waits = await waitEventSampler(values.url!, 25);
const cpu = process.cpuUsage();
const result = await runLoad({
  concurrency,
  durationMs: Number(values.duration) * 1000,
  warmupMs: Number(values.warmup) * 1000,
  request: async (n) => {
    const lane = free.pop()!;
    if (lane.appends === streamLength) [lane.stream, lane.appends] = [lane.stream + 1, 0];
    const first = lane.appends === 0;
    try {
      await appender.append(`bench-${lane.lane}-${lane.stream}`, n * batch, first);
      lane.appends++;
      appends++;
      return 200;
    } catch (error) {
      if (failures.length < 3) failures.push(String(error));
      return 500;
    } finally {
      free.push(lane);
    }
  },
});
const clientCpu = process.cpuUsage(cpu);
const waitEvents = await waits.stop();
const sampling = waits.queries();
await appender.close(); // its connections report their statistics as they exit
const serverCpuAfter = await serverCpuSeconds(values.url!);
const countersAfter = await pgCounters(values.url!);
const walAfter = await walCounters(values.url!);
const per = (x: number) => Math.round((x / Math.max(1, appends)) * 1000) / 1000;
const perAppend = {
  appends,
  clientCpuMs: per((clientCpu.user + clientCpu.system) / 1000),
  serverCpuMs: serverCpu === undefined || serverCpuAfter === undefined ? null : per((serverCpuAfter - serverCpu) * 1000),
  // The wait-event sampler's own queries are not the store's.
  commits: per(countersAfter.commits - counters.commits - sampling),
  statements: counters.statements === null || countersAfter.statements === null ? null : per(countersAfter.statements - counters.statements - sampling),
  walFlushes: wal.flushes === null || walAfter.flushes === null ? null : per(walAfter.flushes - wal.flushes),
  walBytes: Math.round((walAfter.bytes - wal.bytes) / Math.max(1, appends)),
  walFullPages: per(walAfter.fullPages - wal.fullPages),
};
console.log(JSON.stringify({ ...result, eventsPerSecond: Math.round(result.throughput * batch), perAppend, waitEvents, failures }));
