import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { v7 as uuidv7 } from 'uuid';
import { TestClock, type RecordedEvent } from '@stayhub/event-sourcing';
import { type AuthUser } from '@stayhub/http-kit';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { testLogLevel } from '@stayhub/platform-kit/testing';
import type { Decider } from '@stayhub/domain';
import { composeCommandSide, type CommandSide } from '../compose.ts';
import { createCommandApi } from '../server.ts';

/** What a spec says happened already, or expects to have been appended: a domain event as plain data. */
export type GivenEvent = { type: string; data: unknown };
export type Reply = { status: number; body: any; headers: Headers };
type Call = { body?: unknown; token?: string; headers?: Record<string, string> };

const config = {
  LOG_LEVEL: testLogLevel,
  JWT_SECRET: 'command-spec-secret-command-spec-secret-0123',
  JWT_TTL_MINUTES: 60,
  HOST_RESPONSE_HOURS: 24,
  HOLD_TTL_MINUTES: 15,
  ORDER_PAYMENT_TIMEOUT_MINUTES: 15,
  PAYMENT_WEBHOOK_SECRET: 'command-spec-webhook-secret-0123456789',
  RATE_LIMIT_AUTH_PER_IP: 10_000,
  ADMIN_EMAILS: 'ops@example.com',
};

/**
 * The real command API (`createCommandApi` over `composeCommandSide`) on a fresh database of the
 * run's PostgreSQL server, listening on a free port of this process, for HTTP specs beside the routes:
 * given events (appended through the event store port), when a request, then the status, the
 * problem+json body and the events the request appended (read back through the port). The
 * workflows do not run: a spec sees only what the route itself appended.
 */
export const commandApiSpec = async (options: { clock?: TestClock } = {}) => {
  const clock = options.clock ?? new TestClock('2030-03-01T09:00:00Z');
  const side: CommandSide = await composeCommandSide({ databaseUrl: await testDatabaseUrl(), config, clock });
  const app = createCommandApi(side.deps);
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const store = side.deps.eventStore;
  let mark = '';

  const call = async (method: string, path: string, { body, token, headers }: Call = {}): Promise<Reply> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: the text as it came
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };

  const spec = {
    clock,
    deps: side.deps,
    /** Appends events to a stream through the event store port, after what it holds. */
    async given(streamId: string, events: readonly GivenEvent[]): Promise<void> {
      const { revision } = await store.readStream(streamId);
      await store.append(
        streamId,
        events.map((event) => ({ eventId: uuidv7(), type: event.type, data: event.data, metadata: { actor: 'spec' } })),
        revision < 0 ? 'no_stream' : revision,
      );
    },
    /** The events a decider decides for these commands, one after the other, appended as `given`. */
    async givenDecided<C, S, E extends GivenEvent>(streamId: string, decider: Decider<C, S, E>, commands: readonly C[]): Promise<void> {
      let state = decider.initialState;
      const events: E[] = [];
      for (const command of commands) {
        const decided = decider.decide(command, state);
        state = decided.reduce(decider.evolve, state);
        events.push(...decided);
      }
      await spec.given(streamId, events);
    },
    /** A bearer token for a user of this role (who need not have registered). */
    tokenFor: (role: AuthUser['role'], userId: string = uuidv7(), email = `${userId}@example.com`) => side.deps.tokens.issue({ userId, role, email }),
    /** Sends a request; `appended()` then lists what it appended. */
    async request(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, call_: Call = {}): Promise<Reply> {
      mark = await store.headPosition();
      return call(method, path, call_);
    },
    /** The events appended since the last request began, read through the port (idempotency records left out). */
    async appended(streamPrefix = ''): Promise<(GivenEvent & { streamId: string })[]> {
      const events: RecordedEvent[] = await store.readAll({ after: mark });
      return events
        .filter((event) => !event.streamId.startsWith('idempotency-') && event.streamId.startsWith(streamPrefix))
        .map((event) => ({ streamId: event.streamId, type: event.type, data: event.data }));
    },
    /** A stream's events as the port reads them. */
    async stream(streamId: string): Promise<GivenEvent[]> {
      return (await store.readStream(streamId)).events.map((event) => ({ type: event.type, data: event.data }));
    },
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await side.close();
    },
  };
  return spec;
};

export type CommandApiSpec = Awaited<ReturnType<typeof commandApiSpec>>;

/** A problem+json answer: its status, its media type, and (for a 400) the fields it names. */
export const problemOf = (reply: Reply) => ({
  status: reply.status,
  type: reply.headers.get('content-type')?.split(';')[0],
  fields: Array.isArray(reply.body?.errors) ? (reply.body.errors as { path: string }[]).map((e) => e.path) : [],
  code: reply.body?.code as string | undefined,
});

/** One row of a table of refusals: a request and the problem it must get. */
export type Refusal = {
  name: string;
  method?: 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'GET';
  path: string | (() => string);
  token?: () => string | undefined;
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  /** The fields a 400 names (its `errors[].path`). */
  fields?: string[];
  /** The domain's error code. */
  code?: string;
};

/** Sends a refused request and checks its problem+json answer, and that it appended nothing. */
export const expectRefused = async (api: CommandApiSpec, refusal: Refusal, defaultToken?: string): Promise<void> => {
  const { method = 'POST', path, token, body, headers, status, fields, code } = refusal;
  const bearer = token ? token() : defaultToken;
  const reply = await api.request(method, typeof path === 'function' ? path() : path, {
    ...(bearer ? { token: bearer } : {}),
    ...(body !== undefined ? { body } : {}),
    ...(headers ? { headers } : {}),
  });
  const problem = problemOf(reply);
  if (problem.status !== status) throw new Error(`expected ${status}, got ${problem.status}: ${JSON.stringify(reply.body)}`);
  if (problem.type !== 'application/problem+json') throw new Error(`expected problem+json, got ${problem.type}`);
  for (const field of fields ?? []) if (!problem.fields.includes(field)) throw new Error(`the problem does not name ${field}: ${JSON.stringify(reply.body)}`);
  if (code && problem.code !== code) throw new Error(`expected code ${code}, got ${problem.code}`);
  const appended = await api.appended();
  if (appended.length > 0) throw new Error(`a refusal appended ${JSON.stringify(appended)}`);
};
