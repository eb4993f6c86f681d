import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '@stayhub/platform-kit';
import { createHttpApp } from './app.ts';
import { jwtTokens } from './auth.ts';
import { defineRoute } from './route.ts';

const lines: Record<string, unknown>[] = [];
const log = createLogger('test', 'info', { write: (line: string) => void lines.push(JSON.parse(line)) });
let base: string;
let close: () => void;
const seen: string[] = [];

beforeAll(async () => {
  const app = createHttpApp({
    title: 'test',
    tokens: jwtTokens('a-test-secret-a-test-secret-0123456789', 5),
    log,
    logError: () => undefined,
    routes: [
      defineRoute({
        method: 'get',
        path: '/things/:id',
        summary: 'a thing',
        tags: ['things'],
        auth: 'none',
        responses: { 200: { description: 'the thing' } },
        params: z.object({ id: z.string() }),
        query: z.object({ q: z.string().optional() }),
        handler: async ({ req, params }) => {
          seen.push(String(req.id));
          return { status: params.id === 'broken' ? 500 : 200, body: { id: params.id } };
        },
      }),
    ],
    extra: (express) => express.get('/health', (_req, res) => void res.json({ status: 'ok' })),
  });
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close?.());

const lineOf = (correlationId: string) => lines.filter((line) => line.correlationId === correlationId);

describe('request log and correlation id', () => {
  it('one line per request: method, route pattern, path without its query, status, duration, the caller’s correlation id', async () => {
    const response = await fetch(`${base}/things/t-1?q=private-words`, { headers: { 'x-correlation-id': 'order-42.retry:1' } });
    expect(response.headers.get('x-correlation-id')).toBe('order-42.retry:1');
    expect(seen.at(-1)).toBe('order-42.retry:1');
    const logged = lineOf('order-42.retry:1');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 30, route: '/things/:id', req: { method: 'GET', path: '/things/t-1' }, res: { status: 200 } });
    expect(typeof logged[0]!.durationMs).toBe('number');
    expect(logged[0]!.msg).toBe('GET /things/:id 200');
    expect(JSON.stringify(logged[0])).not.toContain('private-words');
  });

  it('a missing or unusable correlation id is replaced by a fresh one, returned to the caller', async () => {
    for (const header of [{}, { 'x-correlation-id': 'has spaces' }, { 'x-correlation-id': 'x'.repeat(200) }] as Record<string, string>[]) {
      const response = await fetch(`${base}/things/t-2`, { headers: header });
      const id = response.headers.get('x-correlation-id')!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(lineOf(id)).toHaveLength(1);
    }
  });

  it('a 5xx is logged at error; an unknown route as unmatched; health probes only at debug', async () => {
    const broken = await fetch(`${base}/things/broken`);
    expect(lineOf(broken.headers.get('x-correlation-id')!)[0]).toMatchObject({ level: 50, res: { status: 500 } });
    const unknown = await fetch(`${base}/nowhere`);
    expect(lineOf(unknown.headers.get('x-correlation-id')!)[0]).toMatchObject({ route: 'unmatched', res: { status: 404 } });
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(lineOf(health.headers.get('x-correlation-id')!)).toHaveLength(0);
  });
});
