import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kafka } from 'kafkajs';
import { composeCommandSide, createCommandApi, type CommandSide } from '@stayhub/command-api';
import { createPool, TestClock, type Pool, eventStoreFromConfig } from '@stayhub/event-sourcing';
import { type PayoutSettings, type SecuritySettings } from '@stayhub/platform-kit';
import {
  readStoreClientsFromConfig,
  type ReadStoreClients,
  RedisAvailabilityStore,
  bookingHistoryCassandra,
  listingSearchElasticsearch,
  productSearchElasticsearch,
  orderHistoryCassandra,
} from '@stayhub/read-models';
import type { Notifier } from '@stayhub/notifications';
import type { PaymentGateway } from '@stayhub/payments';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { testLogLevel } from '@stayhub/platform-kit/testing';
import { migrateProjectors, runProjectors, startLogProjectors, type ProjectorOptions, type LogProjectionStatus } from '@stayhub/projectors';
import { KafkaRelay, PostgresCheckpoints, allTopics, type RelayStatus } from '@stayhub/projectors/kafka';
import { composeQuerySide, createQueryApi } from '@stayhub/query-api';
import { OpenApiContract } from './contract.ts';

export type Reply<T = any> = { status: number; body: T; headers: Headers };

/** A tiny JSON client for one API; with a contract, every response is checked against the API's OpenAPI document. */
const client = (base: () => string, contract?: OpenApiContract) => {
  const call = async <T = any>(
    method: string,
    path: string,
    options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
  ): Promise<Reply<T>> => {
    const response = await fetch(`${base()}${path}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    const reply = { status: response.status, body, headers: response.headers };
    await contract?.check(base(), method, path, reply);
    return reply;
  };
  return {
    call,
    get: <T = any>(path: string, options?: { token?: string; headers?: Record<string, string> }) => call<T>('GET', path, options),
    post: <T = any>(path: string, body?: unknown, options?: { token?: string; headers?: Record<string, string> }) =>
      call<T>('POST', path, { ...options, body: body ?? {} }),
    put: <T = any>(path: string, body: unknown, options?: { token?: string; headers?: Record<string, string> }) => call<T>('PUT', path, { ...options, body }),
    patch: <T = any>(path: string, body: unknown, options?: { token?: string; headers?: Record<string, string> }) =>
      call<T>('PATCH', path, { ...options, body }),
    delete: <T = any>(path: string, options?: { token?: string; headers?: Record<string, string> }) => call<T>('DELETE', path, options),
  };
};

const listen = (app: ReturnType<typeof createCommandApi>): Promise<Server> =>
  new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const close = (server: Server | undefined) =>
  new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.closeAllConnections();
    server.close(() => resolve());
  });

const config = {
  LOG_LEVEL: testLogLevel,
  JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
  JWT_TTL_MINUTES: 60,
  HOST_RESPONSE_HOURS: 24,
  HOLD_TTL_MINUTES: 15,
  ORDER_PAYMENT_TIMEOUT_MINUTES: 15,
  PAYMENT_WEBHOOK_SECRET: 'webhook-secret-webhook-secret-0123456789',
  // Every spec signs up its users from this one address; the limit's own spec sets it low again.
  RATE_LIMIT_AUTH_PER_IP: 10_000,
};

export type StackOptions = {
  clock?: TestClock;
  gateway?: PaymentGateway;
  notifier?: Notifier;
  /** Tighter limits, CORS origins, admin emails or payout terms for a test (the defaults are generous). */
  settings?: Partial<SecuritySettings> & Partial<PayoutSettings> & { SEARCH_CACHE_TTL_MS?: number };
  /** `auto` runs due workflow tasks continuously; `manual` only on `runDueTasks()`. */
  workflows?: 'auto' | 'manual';
  /** The log projectors read, whatever `LOG` says (a spec that must always run over Kafka). */
  log?: 'local' | 'kafka';
  /**
   * `at-scale`: search in Elasticsearch, availability in Redis and history in Cassandra, whatever
   * `SEARCH`, `AVAILABILITY` and `HISTORY` say (their URLs must be set; see `atScaleStoresMissing`).
   */
  stores?: 'at-scale';
};

/** Why the at-scale read stores cannot be used here (a URL not set), or undefined when they can. */
export const atScaleStoresMissing = (): string | undefined => {
  const missing = (['ELASTICSEARCH_URL', 'REDIS_URL', 'CASSANDRA_CONTACT_POINTS'] as const).filter((url) => !process.env[url]);
  return missing.length ? missing.map((url) => process.env[`${url}_MISSING`] ?? `set ${url}`).join('; ') : undefined;
};

/**
 * The adapters the environment selects, as `docker-compose.kafka.yml` sets them: `EVENT_STORE=esdb`,
 * `SEARCH=elasticsearch`, `HISTORY=cassandra` each only with its URL; `LOG=kafka` on the brokers of
 * `KAFKA_BROKERS` (the test setup's broker, or an external cluster).
 */
const environment = (options: StackOptions) => {
  const env = process.env;
  const forced = options.stores === 'at-scale' ? new Set(['SEARCH', 'HISTORY']) : new Set<string>();
  const chosen = (variable: string, value: string, url: string) => {
    if (env[variable] !== value && !forced.has(variable)) return false;
    if (!env[url]) console.warn(`[e2e] ${variable}=${value} ignored: ${url} is not set`);
    return Boolean(env[url]);
  };
  return {
    EVENT_STORE: chosen('EVENT_STORE', 'esdb', 'ESDB_URL') ? ('esdb' as const) : ('postgres' as const),
    ESDB_URL: env.ESDB_URL,
    LOG: (options.log ?? (env.LOG === 'kafka' ? 'kafka' : 'local')) as 'local' | 'kafka',
    SEARCH: chosen('SEARCH', 'elasticsearch', 'ELASTICSEARCH_URL') ? ('elasticsearch' as const) : ('postgres' as const),
    ELASTICSEARCH_URL: env.ELASTICSEARCH_URL,
    ELASTICSEARCH_FLAVOR: env.ELASTICSEARCH_FLAVOR === 'opensearch' ? ('opensearch' as const) : ('elasticsearch' as const),
    HISTORY: chosen('HISTORY', 'cassandra', 'CASSANDRA_CONTACT_POINTS') ? ('cassandra' as const) : ('postgres' as const),
    CASSANDRA_CONTACT_POINTS: env.CASSANDRA_CONTACT_POINTS,
    CASSANDRA_LOCAL_DC: env.CASSANDRA_LOCAL_DC ?? 'datacenter1',
    CASSANDRA_KEYSPACE: env.CASSANDRA_KEYSPACE ?? 'stayhub',
  };
};

/** A Kafka for one stack: the run's broker (KAFKA_BROKERS), with every topic made. Loaded only under LOG=kafka. */
const startKafka = async () => {
  const { fastConsumer, testCluster, testKafka } = await import('../../projectors/test/kafka/broker.ts');
  const cluster = await testCluster(Object.fromEntries(allTopics.map((topic) => [topic, 6])));
  return { cluster, client: testKafka(cluster.brokers, `e2e-${randomBytes(4).toString('hex')}`), consumer: fastConsumer };
};

/** The Elasticsearch and Cassandra projections of the read stores in use, for the projectors. */
const externalProjections = (stores: ReadStoreClients): NonNullable<ProjectorOptions['external']> => [
  ...(stores.elasticsearch
    ? [
        listingSearchElasticsearch(stores.elasticsearch, stores.listingsAlias, { settings: { replicas: 0 } }),
        productSearchElasticsearch(stores.elasticsearch, stores.productsAlias, { settings: { replicas: 0 } }),
      ]
    : []),
  ...(stores.cassandra
    ? [
        bookingHistoryCassandra(stores.cassandra.client, stores.cassandra.keyspace, { replication: stores.cassandra.replication }),
        orderHistoryCassandra(stores.cassandra.client, stores.cassandra.keyspace, { replication: stores.cassandra.replication }),
      ]
    : []),
];

/**
 * `AVAILABILITY=redis` in the environment (or `stores: 'at-scale'`) runs the stack with availability
 * in Redis (REDIS_URL, by default 127.0.0.1:6379), under a random key prefix per stack.
 */
const availabilityFromEnvironment = (options: StackOptions): RedisAvailabilityStore | undefined =>
  process.env.AVAILABILITY === 'redis' || options.stores === 'at-scale'
    ? RedisAvailabilityStore.connect(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { namespace: `avail-e2e-${randomBytes(5).toString('hex')}` })
    : undefined;

/**
 * PostgreSQL's store hands out an event only once every older transaction on the server has ended
 * (so a reader never skips one); a projector's open batch, or another test file's, can hold back a
 * fresh event for a moment. Waits until everything committed before the call is visible.
 */
const committedEventsVisible = async (pool: Pool, store: CommandSide['deps']['eventStore'], timeoutMs = 20_000): Promise<void> => {
  const { rows } = await pool.query<{ head: string | null }>(
    "SELECT lpad(transaction_id::text, 20, '0') || '-' || lpad(global_position::text, 20, '0') AS head FROM es_events ORDER BY transaction_id DESC, global_position DESC LIMIT 1",
  );
  const committed = rows[0]?.head ?? '';
  const deadline = Date.now() + timeoutMs;
  while ((await store.headPosition()) < committed) {
    if (Date.now() > deadline) throw new Error(`events up to ${committed} still hidden after ${timeoutMs} ms: a transaction stays open on the server`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/**
 * The whole platform in this process on a fresh database: command API, workflows, projectors and
 * query API, each startable and stoppable on its own (to prove the read side can fail alone).
 */
export const startStack = async (options: StackOptions = {}) => {
  const databaseUrl = await testDatabaseUrl();
  const clock = options.clock ?? new TestClock(new Date());
  const scale = environment(options);
  const side: CommandSide = await composeCommandSide({
    databaseUrl,
    config: { ...config, ...options.settings, EVENT_STORE: scale.EVENT_STORE, ESDB_URL: scale.ESDB_URL },
    clock,
    ...(options.gateway ? { gateway: options.gateway } : {}),
    ...(options.notifier ? { notifier: options.notifier } : {}),
    workflowTickMs: 50,
  });
  const readPool: Pool = createPool(databaseUrl, 10);
  const readStore = await eventStoreFromConfig(scale, readPool, { pollIntervalMs: 50 });
  const availability = availabilityFromEnvironment(options);
  const readStores = readStoreClientsFromConfig(scale, { namespace: `e2e_${randomBytes(5).toString('hex')}` });
  const kafka = scale.LOG === 'kafka' ? await startKafka() : undefined;
  const checkpoints = kafka ? await PostgresCheckpoints.create(readPool) : undefined;
  const projectorOptions: ProjectorOptions = { ...(availability ? { availability } : {}), external: externalProjections(readStores) };
  const query = composeQuerySide({
    databaseUrl,
    config: { ...config, ...options.settings, LOG: scale.LOG },
    clock,
    // Under Kafka a (re)started projector first joins its consumer group, which takes seconds.
    consistencyWaitMs: kafka ? 8000 : 3000,
    readStores,
    ...(availability ? { availability } : {}),
  });

  let commandServer: Server | undefined;
  let queryServer: Server | undefined;
  let projectors: { stop: AbortController; done: Promise<void> } | undefined;
  let workflows: { stop: AbortController; done: Promise<void> } | undefined;
  let relay: { stop: AbortController; done: Promise<void>; relay: KafkaRelay } | undefined;
  let logStatus: (() => Promise<LogProjectionStatus[]>) | undefined;

  const stack = {
    clock,
    side,
    /** The Redis availability store when `AVAILABILITY=redis`, else undefined (the PostgreSQL table). */
    availability,
    /** The Elasticsearch and Cassandra clients in use (each undefined when PostgreSQL serves it). */
    readStores,
    /** Under LOG=kafka: the brokers (KAFKA_BROKERS) and a client. */
    kafka: kafka ? { brokers: kafka.cluster.brokers, client: kafka.client as Kafka } : undefined,
    pool: side.deps.pool,
    /** Where each API listens now (it moves when restarted). */
    urls: { command: () => urlOf(commandServer!), query: () => urlOf(queryServer!) },
    command: client(() => urlOf(commandServer!), new OpenApiContract()),
    /** The command API's base URL, for a spec that needs raw fetch (e.g. to abort a request). */
    commandUrl: () => urlOf(commandServer!),
    query: client(() => urlOf(queryServer!), new OpenApiContract()),
    async startCommandApi() {
      commandServer = await listen(createCommandApi(side.deps));
    },
    async stopCommandApi() {
      await close(commandServer);
      commandServer = undefined;
    },
    async startQueryApi() {
      queryServer = await listen(createQueryApi(query));
    },
    async stopQueryApi() {
      await close(queryServer);
      queryServer = undefined;
    },
    startProjectors() {
      const stop = new AbortController();
      const done = kafka
        ? startLogProjectors(readPool, stop.signal, undefined, { ...projectorOptions, kafka: { kafka: kafka.client, consumer: kafka.consumer } }).then(
            (running) => {
              logStatus = running.status;
              return running.done;
            },
          )
        : runProjectors(readPool, readStore, stop.signal, undefined, projectorOptions);
      projectors = { stop, done };
    },
    /** Under LOG=kafka: each projection's consumer group, counters and lag per partition. */
    async projectorStatus(): Promise<LogProjectionStatus[]> {
      return (await logStatus?.()) ?? [];
    },
    /** Under LOG=kafka: the relay (event store → Kafka), running from the stack's start. */
    startRelay() {
      if (!kafka || !checkpoints) throw new Error('the relay runs only under LOG=kafka');
      const stop = new AbortController();
      const running = new KafkaRelay({ eventStore: readStore, kafka: kafka.client, checkpoints, backoff: { baseMs: 50, maxMs: 1000 } });
      relay = { stop, relay: running, done: running.start(stop.signal) };
    },
    async stopRelay() {
      relay?.stop.abort();
      await relay?.done;
      relay = undefined;
    },
    relayStatus(): RelayStatus | undefined {
      return relay?.relay.status();
    },
    async stopProjectors() {
      projectors?.stop.abort();
      await projectors?.done;
      projectors = undefined;
    },
    startWorkflows() {
      const stop = new AbortController();
      workflows = { stop, done: side.workflows.run(stop.signal) };
    },
    async stopWorkflows() {
      workflows?.stop.abort();
      await workflows?.done;
      workflows = undefined;
    },
    /** Runs workflow tasks due at the test clock's now (after `clock.advance`), reacting to every event committed before the call. */
    async runDueTasks(): Promise<number> {
      if (scale.EVENT_STORE === 'postgres') await committedEventsVisible(side.deps.pool, side.deps.eventStore);
      return side.workflows.runDueTasks();
    },
    async stop() {
      // A test's database is thrown away: a part that does not stop in time is named, not waited on.
      const bounded = (label: string, step: Promise<unknown>) =>
        Promise.race([
          step,
          new Promise((resolve) => setTimeout(() => resolve(console.warn(`[harness] ${label} did not stop within 15 s; moving on`)), 15_000).unref()),
        ]).then(
          (value) => value,
          (error: unknown) => console.warn(`[harness] stopping ${label} failed:`, error),
        );
      await Promise.all([
        bounded('command-api', stack.stopCommandApi()),
        bounded('query-api', stack.stopQueryApi()),
        bounded('projectors', stack.stopProjectors()),
        bounded('workflows', stack.stopWorkflows()),
        bounded('relay', stack.stopRelay()),
      ]);
      await kafka?.cluster.stop();
      for (const alias of [readStores.listingsAlias, readStores.productsAlias]) {
        await readStores.elasticsearch?.indices.delete({ index: `${alias}*` }, { ignore: [404] }).catch(() => undefined);
      }
      await readStores.cassandra?.client.execute(`DROP KEYSPACE IF EXISTS ${readStores.cassandra.keyspace}`).catch(() => undefined);
      await bounded('read stores', readStores.close());
      await bounded('read store', readStore.close());
      await bounded('read pool', readPool.end());
      await bounded('query side', query.close());
      await bounded('command side', side.close());
      await availability?.dropNamespace();
      await availability?.close();
    },
  };
  // The read models' tables exist before the first read, as they do once a deployed projector has started once.
  await migrateProjectors(readPool, projectorOptions);
  await stack.startCommandApi();
  await stack.startQueryApi();
  if (kafka) stack.startRelay();
  stack.startProjectors();
  if ((options.workflows ?? 'auto') === 'auto') stack.startWorkflows();
  return stack;
};

export type Stack = Awaited<ReturnType<typeof startStack>>;
