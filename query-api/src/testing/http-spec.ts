import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import { TestClock } from '@stayhub/event-sourcing';
import { jwtTokens, type AuthUser } from '@stayhub/http-kit';
import { createLogger } from '@stayhub/platform-kit';
import type { QueryDeps } from '../shared/deps.ts';
import { createQueryApi } from '../server.ts';

type Readers = Omit<
  QueryDeps,
  | 'pool'
  | 'tokens'
  | 'clock'
  | 'log'
  | 'consistencyWaitMs'
  | 'waitForPosition'
  | 'committedHead'
  | 'searchCache'
  | 'changesVersion'
  | 'rateLimit'
  | 'corsOrigins'
>;
/** What a spec gives a reader: the methods the routes under test call, answering from the spec's documents. */
export type GivenReaders = { [K in keyof Readers]?: Partial<Readers[K]> };
export type Reply = { status: number; body: any; headers: Headers };

/** A reader the spec did not give: a route that reads it fails loudly (a 500 and this message in the log). */
const notGiven = <T extends object>(name: string, given: Partial<T> = {}): T =>
  new Proxy(given as T, {
    get: (target, method) => (method in target ? target[method as keyof T] : () => Promise.reject(new Error(`the spec gave no ${name}.${String(method)}`))),
  });

export const position = (n: number): string => `${'1'.padStart(20, '0')}-${String(n).padStart(20, '0')}`;

/**
 * The real query API (`createQueryApi`) listening on a free port of this process, its readers
 * answering from the documents a spec gives: given read-model documents, when a request, then the
 * status and body (problem+json for a refusal). Consistency: the read models have applied
 * everything up to `applied` and the event store has committed up to `head` (both settable), so
 * a spec can show a read that waits for a write the projections have not reached.
 */
export const queryApiSpec = async (
  readers: GivenReaders,
  { lean, ...options }: Pick<QueryDeps, 'searchCache' | 'changesVersion' | 'rateLimit'> & { lean?: boolean } = {},
) => {
  const clock = new TestClock('2030-03-01T09:00:00Z');
  const tokens = jwtTokens('query-spec-secret-query-spec-secret-0123', 60, () => clock.now());
  const state = { applied: position(10), head: position(10) };
  const deps: QueryDeps = {
    pool: notGiven<Pool>('pool'),
    ...(Object.fromEntries(
      (
        [
          'listings',
          'bookings',
          'products',
          'orders',
          'carts',
          'users',
          'reviews',
          'calendarBlocks',
          'earnings',
          'hostListings',
          'notifications',
          'sellerOrders',
          'hostBookings',
        ] as const
      ).map((name) => [name, notGiven(name, readers[name] as object)]),
    ) as unknown as Readers),
    tokens,
    clock,
    // Quiet: the specs provoke 503s on purpose, which the request log reports as errors.
    log: createLogger('query-api', 'fatal'),
    consistencyWaitMs: 10,
    waitForPosition: async (_projections, wanted) => wanted <= state.applied,
    committedHead: async () => state.head,
    ...options,
  };
  const app = createQueryApi(deps, lean === undefined ? {} : { lean });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    clock,
    consistency: state,
    tokenFor: (role: AuthUser['role'], userId: string) => tokens.issue({ userId, role, email: `${userId}@example.com` }),
    base,
    async get(path: string, token?: string, headers: Record<string, string> = {}): Promise<Reply> {
      const response = await fetch(`${base}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
    },
    /** The query API's one write: marking a notice read. */
    async post(path: string, body: unknown, token?: string): Promise<Reply> {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
    },
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

export type QueryApiSpec = Awaited<ReturnType<typeof queryApiSpec>>;

/** One row of a table of refused reads. */
export type RefusedRead = { name: string; path: string; token?: () => string | undefined; headers?: Record<string, string>; status: number; fields?: string[] };

export const expectRefusedRead = async (api: QueryApiSpec, { path, token, headers, status, fields }: RefusedRead, defaultToken?: string): Promise<void> => {
  const reply = await api.get(path, token ? token() : defaultToken, headers);
  if (reply.status !== status) throw new Error(`expected ${status}, got ${reply.status}: ${JSON.stringify(reply.body)}`);
  const type = reply.headers.get('content-type')?.split(';')[0];
  if (type !== 'application/problem+json') throw new Error(`expected problem+json, got ${type}`);
  const named = Array.isArray(reply.body?.errors) ? (reply.body.errors as { path: string }[]).map((e) => e.path) : [];
  for (const field of fields ?? []) if (!named.includes(field)) throw new Error(`the problem does not name ${field}: ${JSON.stringify(reply.body)}`);
};
