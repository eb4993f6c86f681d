import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { postgresAnswers } from './postgres/pool.ts';
import { listOf, type Config } from '@stayhub/platform-kit';

type Server = 'postgres' | 'esdb' | 'kafka' | 'elasticsearch' | 'redis' | 'cassandra';

export type ReachabilityConfig = Partial<
  Pick<
    Config,
    | 'DATABASE_URL'
    | 'EVENT_STORE'
    | 'ESDB_URL'
    | 'LOG'
    | 'KAFKA_BROKERS'
    | 'SEARCH'
    | 'ELASTICSEARCH_URL'
    | 'AVAILABILITY'
    | 'REDIS_URL'
    | 'HISTORY'
    | 'CASSANDRA_CONTACT_POINTS'
  >
>;

export type ReachabilityOptions = {
  /** The servers this process uses (the command side must not wait for search, say); all selected ones when omitted. */
  servers?: readonly Server[];
  timeoutMs?: number;
};

type Check = { server: Server; why: string; variable: string; value: string; answers: () => Promise<boolean> };

/** `host:port` pairs of a list like `a:9092,b` (the port defaulting to `port`). */
export const hostsOf = (list: string, port: number): { host: string; port: number }[] =>
  listOf(list).map((entry) => {
    const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(entry);
    return { host: match?.[1] ?? entry, port: match?.[2] ? Number(match[2]) : port };
  });

/** The hosts of a KurrentDB connection string (`esdb://a:2113,b:2113?tls=false`, `kurrentdb+discover://…`). */
export const esdbHosts = (url: string): { host: string; port: number }[] => {
  const authority = /^[a-z+]+:\/\/(?:[^@/]*@)?([^/?]+)/i.exec(url)?.[1];
  return authority ? hostsOf(authority, 2113) : [];
};

const tcpAnswers = (host: string, port: number, timeoutMs: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });

/** Any of the hosts accepting a connection counts: clients find the rest of the cluster from one. */
const anyAnswers = async (hosts: { host: string; port: number }[], timeoutMs: number): Promise<boolean> =>
  hosts.length > 0 && (await Promise.all(hosts.map(({ host, port }) => tcpAnswers(host, port, timeoutMs)))).some(Boolean);

/** Any HTTP answer (even 401) means a server listens; only no answer at all is unreachable. */
const httpAnswers = async (url: string, timeoutMs: number): Promise<boolean> => {
  try {
    await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
};

const checksFor = (config: ReachabilityConfig, timeoutMs: number): Check[] => {
  const checks: Check[] = [];
  const add = (selected: boolean, check: Omit<Check, 'value'> & { value: string | undefined }) => {
    if (selected && check.value) checks.push(check as Check);
  };
  const { DATABASE_URL, ESDB_URL, KAFKA_BROKERS, ELASTICSEARCH_URL, REDIS_URL, CASSANDRA_CONTACT_POINTS } = config;
  const pgRole = config.EVENT_STORE === 'esdb' ? 'checkpoints, deadlines, idempotency keys' : 'event store, checkpoints, deadlines';
  add(true, {
    server: 'postgres',
    why: `PostgreSQL (${pgRole}) is required`,
    variable: 'DATABASE_URL',
    value: DATABASE_URL,
    answers: () => postgresAnswers(DATABASE_URL!, timeoutMs),
  });
  add(config.EVENT_STORE === 'esdb', {
    server: 'esdb',
    why: 'EVENT_STORE=esdb',
    variable: 'ESDB_URL',
    value: ESDB_URL,
    answers: () => anyAnswers(esdbHosts(ESDB_URL!), timeoutMs),
  });
  add(config.LOG === 'kafka', {
    server: 'kafka',
    why: 'LOG=kafka',
    variable: 'KAFKA_BROKERS',
    value: KAFKA_BROKERS,
    answers: () => anyAnswers(hostsOf(KAFKA_BROKERS!, 9092), timeoutMs),
  });
  add(config.SEARCH === 'elasticsearch', {
    server: 'elasticsearch',
    why: 'SEARCH=elasticsearch',
    variable: 'ELASTICSEARCH_URL',
    value: ELASTICSEARCH_URL,
    answers: () => httpAnswers(ELASTICSEARCH_URL!, timeoutMs),
  });
  add(config.AVAILABILITY === 'redis', {
    server: 'redis',
    why: 'AVAILABILITY=redis',
    variable: 'REDIS_URL',
    value: REDIS_URL,
    answers: () => redisAnswers(REDIS_URL!, timeoutMs),
  });
  add(config.HISTORY === 'cassandra', {
    server: 'cassandra',
    why: 'HISTORY=cassandra',
    variable: 'CASSANDRA_CONTACT_POINTS',
    value: CASSANDRA_CONTACT_POINTS,
    answers: () => anyAnswers(hostsOf(CASSANDRA_CONTACT_POINTS!, 9042), timeoutMs),
  });
  return checks;
};

/** One line per selected server that does not answer, e.g. "SEARCH=elasticsearch but nothing answers at ELASTICSEARCH_URL=http://…". */
export const unreachable = async (config: ReachabilityConfig, options: ReachabilityOptions = {}): Promise<string[]> => {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const checks = checksFor(config, timeoutMs).filter((check) => !options.servers || options.servers.includes(check.server));
  const answers = await Promise.all(checks.map((check) => check.answers()));
  return checks.filter((_, i) => !answers[i]).map((check) => `${check.why} but nothing answers at ${check.variable}=${redact(check.value)}`);
};

/** Start-up check: pings every selected server at once and throws one error naming each that does not answer. */
export const checkReachable = async (config: ReachabilityConfig, options: ReachabilityOptions = {}): Promise<void> => {
  const problems = await unreachable(config, options);
  if (problems.length > 0) throw new Error(`Cannot start, unreachable servers:\n${problems.map((line) => `  ${line}`).join('\n')}`);
};

/** Passwords in URLs stay out of logs. */
const redact = (value: string): string => value.replace(/\/\/([^:/@]+):[^@/]*@/g, '//$1:***@');

/** Whether a Redis answers at `url` within `timeoutMs` (start-up checks, and skipping suites on machines without one). */
export const redisAnswers = async (url: string, timeoutMs = 1_000): Promise<boolean> => {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
};
