import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isMissingTable } from '@stayhub/event-sourcing';
import { HttpProblem, problemHandler } from './problem.ts';

class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly kind: string,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

/** What each route throws, and the problem it must become. */
const cases: { name: string; thrown: () => unknown; status: number; body: Record<string, unknown>; headers?: Record<string, string> }[] = [
  {
    name: 'an HttpProblem keeps its status, title, detail, extra members and headers',
    thrown: () => new HttpProblem(429, 'Too Many Requests', 'Wait', { retryAfter: 3 }, { 'Retry-After': '3' }),
    status: 429,
    body: { type: 'about:blank', title: 'Too Many Requests', status: 429, detail: 'Wait', retryAfter: 3 },
    headers: { 'retry-after': '3' },
  },
  {
    name: 'a ZodError is a 400 naming each field',
    thrown: () => z.object({ guests: z.number() }).parse({ guests: 'two' }),
    status: 400,
    body: { title: 'Invalid request', errors: [expect.objectContaining({ path: 'guests', code: 'invalid_type' })] },
  },
  ...(
    [
      ['invalid', 400],
      ['not_found', 404],
      ['forbidden', 403],
      ['conflict', 409],
      ['rule', 422],
      ['something new', 422],
    ] as const
  ).map(([kind, status]) => ({
    name: `a domain error of kind ${kind} is a ${status} with its stable code`,
    thrown: () => new DomainError(kind, 'SOME_CODE', 'Said the domain', { n: 1 }),
    status,
    body: { type: 'urn:stayhub:error:SOME_CODE', title: 'SOME_CODE', status, detail: 'Said the domain', code: 'SOME_CODE', details: { n: 1 } },
  })),
  {
    name: 'a client error of a library (status on the error) keeps its status',
    thrown: () => Object.assign(new Error('request entity too large'), { status: 413, type: 'entity.too.large' }),
    status: 413,
    body: { title: 'Content Too Large', detail: 'The body is too large' },
  },
  {
    name: 'a database that cannot be reached is a 503 to retry',
    thrown: () => withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    status: 503,
    body: { title: 'Service Unavailable' },
    headers: { 'retry-after': '5' },
  },
  {
    name: 'anything else is a 500 that reveals nothing of the error',
    thrown: () => new Error('password=hunter2 in a stack'),
    status: 500,
    body: { title: 'Internal Server Error', detail: 'Something went wrong on our side; the request can be retried' },
  },
];

describe('problem+json (RFC 9457) for whatever a route throws', () => {
  const logged: unknown[] = [];
  let base: string;
  let close: () => void;
  beforeAll(async () => {
    const app = express();
    app.use(express.json());
    for (const [i, c] of cases.entries()) {
      app.get(`/${i}`, () => {
        throw c.thrown();
      });
    }
    app.use(problemHandler((error) => logged.push(error)));
    const server = await new Promise<import('node:http').Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close?.());

  it.each(cases.map((c, i) => ({ ...c, i })))('$name', async ({ i, status, body, headers }) => {
    const response = await fetch(`${base}/${i}`);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const json = await response.json();
    expect(json).toMatchObject({ status, ...body });
    expect(JSON.stringify(json)).not.toContain('hunter2');
    for (const [name, value] of Object.entries(headers ?? {})) expect(response.headers.get(name)).toBe(value);
  });

  it('logs only the unexpected errors', () => {
    expect(logged).toHaveLength(1);
    expect(String(logged[0])).toContain('hunter2');
  });
});

describe('problemHandler with parts that may not be ready', () => {
  it('a read model not created yet is a 503 to retry in a second, logged; elsewhere the same error is a 500', async () => {
    const logged: unknown[] = [];
    const missing = () => withCode('relation "reviews" does not exist', '42P01');
    const serve = async (options: Parameters<typeof problemHandler>[1]) => {
      const app = express();
      app.get('/', () => {
        throw missing();
      });
      app.use(problemHandler((error) => logged.push(error), options));
      const server = await new Promise<import('node:http').Server>((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      try {
        return await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      } finally {
        server.close();
      }
    };
    const notReady = await serve({ notReady: isMissingTable });
    expect(notReady.status).toBe(503);
    expect(notReady.headers.get('retry-after')).toBe('1');
    expect(await notReady.json()).toMatchObject({ status: 503, detail: 'This data is still being set up; retry in a moment' });
    expect((await serve({})).status).toBe(500);
    expect(logged).toHaveLength(2);
  });
});
