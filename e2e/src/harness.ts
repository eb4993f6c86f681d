import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeCommandSide, createCommandApi, type CommandSide } from '@stayhub/command-api';
import { createPool, PostgresEventStore, TestClock, type Pool, type SecuritySettings } from '@stayhub/infra';
import type { Notifier } from '@stayhub/infra/notifications/port';
import type { PaymentGateway } from '@stayhub/infra/payments/port';
import { RedisAvailabilityStore } from '@stayhub/infra/read-stores/availability/redis';
import { testDatabaseUrl } from '@stayhub/infra/testing/database';
import { runProjectors } from '@stayhub/projectors';
import { composeQuerySide, createQueryApi } from '@stayhub/query-api';

export type Reply<T = any> = { status: number; body: T; headers: Headers };

/** A tiny JSON client for one API. */
export const client = (base: () => string) => {
  const call = async <T = any>(method: string, path: string, options: { body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<Reply<T>> => {
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
    return { status: response.status, body, headers: response.headers };
  };
  return {
    call,
    get: <T = any>(path: string, options?: { token?: string; headers?: Record<string, string> }) => call<T>('GET', path, options),
    post: <T = any>(path: string, body?: unknown, options?: { token?: string; headers?: Record<string, string> }) => call<T>('POST', path, { ...options, body: body ?? {} }),
    put: <T = any>(path: string, body: unknown, options?: { token?: string; headers?: Record<string, string> }) => call<T>('PUT', path, { ...options, body }),
    patch: <T = any>(path: string, body: unknown, options?: { token?: string; headers?: Record<string, string> }) => call<T>('PATCH', path, { ...options, body }),
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
  JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
  JWT_TTL_MINUTES: 60,
  HOST_RESPONSE_HOURS: 24,
  HOLD_TTL_MINUTES: 15,
  ORDER_PAYMENT_TIMEOUT_MINUTES: 15,
  PAYMENT_WEBHOOK_SECRET: 'webhook-secret-webhook-secret-0123456789',
};

export type StackOptions = {
  clock?: TestClock;
  gateway?: PaymentGateway;
  notifier?: Notifier;
  /** Tighter limits, CORS origins or admin emails for a test (the defaults are generous). */
  settings?: Partial<SecuritySettings>;
  /** `auto` runs due workflow tasks continuously; `manual` only on `runDueTasks()`. */
  workflows?: 'auto' | 'manual';
};

/**
 * `AVAILABILITY=redis` in the environment runs the stack with availability in Redis (REDIS_URL,
 * by default the build machine's 127.0.0.1:6379), under a random key prefix per stack.
 */
const availabilityFromEnvironment = (): RedisAvailabilityStore | undefined =>
  process.env.AVAILABILITY === 'redis'
    ? RedisAvailabilityStore.connect(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { namespace: `avail-e2e-${randomBytes(5).toString('hex')}` })
    : undefined;

/**
 * The whole platform in this process on a fresh database: command API, workflows, projectors and
 * query API, each startable and stoppable on its own (to prove the read side can fail alone).
 */
export const startStack = async (options: StackOptions = {}) => {
  const databaseUrl = await testDatabaseUrl();
  const clock = options.clock ?? new TestClock(new Date());
  const side: CommandSide = await composeCommandSide({
    databaseUrl,
    config: { ...config, ...options.settings },
    clock,
    ...(options.gateway ? { gateway: options.gateway } : {}),
    ...(options.notifier ? { notifier: options.notifier } : {}),
    workflowTickMs: 50,
  });
  const readPool: Pool = createPool(databaseUrl, 10);
  const readStore = await PostgresEventStore.create(readPool, { pollIntervalMs: 50 });
  const availability = availabilityFromEnvironment();
  const query = composeQuerySide({ databaseUrl, config: { ...config, ...options.settings }, clock, consistencyWaitMs: 3000, ...(availability ? { availability } : {}) });

  let commandServer: Server | undefined;
  let queryServer: Server | undefined;
  let projectors: { stop: AbortController; done: Promise<void> } | undefined;
  let workflows: { stop: AbortController; done: Promise<void> } | undefined;

  const stack = {
    clock,
    side,
    /** The Redis availability store when `AVAILABILITY=redis`, else undefined (the PostgreSQL table). */
    availability,
    pool: side.deps.pool,
    command: client(() => urlOf(commandServer!)),
    query: client(() => urlOf(queryServer!)),
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
      projectors = { stop, done: runProjectors(readPool, readStore, stop.signal, undefined, availability ? { availability } : {}) };
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
    /** Runs workflow tasks due at the test clock's now (after `clock.advance`). */
    async runDueTasks(): Promise<number> {
      return side.workflows.runDueTasks();
    },
    async stop() {
      await Promise.all([stack.stopCommandApi(), stack.stopQueryApi(), stack.stopProjectors(), stack.stopWorkflows()]);
      await readStore.close();
      await readPool.end();
      await query.close();
      await side.close();
      await availability?.dropNamespace();
      await availability?.close();
    },
  };
  await stack.startCommandApi();
  await stack.startQueryApi();
  stack.startProjectors();
  if ((options.workflows ?? 'auto') === 'auto') stack.startWorkflows();
  return stack;
};

export type Stack = Awaited<ReturnType<typeof startStack>>;
