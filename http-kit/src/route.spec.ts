import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpApp } from './app.ts';
import { jwtTokens } from './auth.ts';
import { defineRoute, openApiDocument, type Route } from './route.ts';

const seen: unknown[] = [];
const routes: Route[] = [
  defineRoute({
    method: 'post',
    path: '/rooms/:id/notes',
    summary: 'Add a note',
    tags: ['rooms'],
    auth: 'user',
    roles: ['host'],
    params: z.object({ id: z.string().regex(/^[a-z0-9-]+$/) }),
    query: z.object({ notify: z.enum(['yes', 'no']).default('no') }),
    body: z.object({ text: z.string().min(1).max(20), pinned: z.boolean().default(false) }),
    headers: z.object({ 'x-room-version': z.string().regex(/^\d+$/).optional() }),
    responses: { 201: { description: 'Added' } },
    handler: async (input) => {
      seen.push({ params: input.params, query: input.query, body: input.body, user: input.user?.userId });
      return { status: 201, body: { ok: true }, headers: { Location: `/rooms/${input.params.id}/notes/1` } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/rooms',
    summary: 'List rooms',
    tags: ['rooms'],
    auth: 'optional',
    handler: async ({ user }) => ({ body: { viewer: user?.userId ?? null } }),
  }),
  defineRoute({
    method: 'delete',
    path: '/rooms/:id',
    summary: 'Remove',
    tags: ['rooms'],
    auth: 'none',
    params: z.object({ id: z.string() }),
    handler: async () => ({ status: 204 }),
  }),
];

describe('routes of the HTTP kit', () => {
  const tokens = jwtTokens('route-spec-secret-route-spec-secret-0123', 5);
  let server: Server;
  let base: string;
  let host: string;
  let guest: string;
  beforeAll(async () => {
    const app = createHttpApp({ title: 'spec', routes, tokens, logError: () => undefined });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    host = await tokens.issue({ userId: 'h1', role: 'host', email: 'h@example.com' });
    guest = await tokens.issue({ userId: 'g1', role: 'guest', email: 'g@example.com' });
  });
  afterAll(() => server?.close());

  const post = (path: string, body: unknown, token?: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('hands the handler parsed input (defaults filled) and the caller, and sends its reply', async () => {
    const response = await post('/rooms/r-1/notes', { text: 'hi' }, host);
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe('/rooms/r-1/notes/1');
    expect(await response.json()).toEqual({ ok: true });
    expect(seen.at(-1)).toEqual({ params: { id: 'r-1' }, query: { notify: 'no' }, body: { text: 'hi', pinned: false }, user: 'h1' });
  });

  it('reads the caller from a token on an optional route, and answers an empty body with no content', async () => {
    expect(await (await fetch(`${base}/rooms`)).json()).toEqual({ viewer: null });
    expect(await (await fetch(`${base}/rooms`, { headers: { authorization: `Bearer ${guest}` } })).json()).toEqual({ viewer: 'g1' });
    expect((await fetch(`${base}/rooms/x`, { method: 'DELETE' })).status).toBe(204);
  });

  const refusals: {
    name: string;
    path: string;
    body: unknown;
    token?: 'host' | 'guest';
    headers?: Record<string, string>;
    status: number;
    fields?: string[];
  }[] = [
    { name: 'no token, whatever else is wrong', path: '/rooms/R!/notes?x=1', body: { nope: 1 }, status: 401 },
    { name: 'a bad token', path: '/rooms/r-1/notes', body: { text: 'hi' }, headers: { authorization: 'Bearer forged' }, status: 401 },
    { name: 'a role the route does not take', path: '/rooms/r-1/notes', body: { text: 'hi' }, token: 'guest', status: 403 },
    { name: 'a bad path parameter', path: '/rooms/R!/notes', body: { text: 'hi' }, token: 'host', status: 400, fields: ['id'] },
    { name: 'a bad query parameter', path: '/rooms/r-1/notes?notify=maybe', body: { text: 'hi' }, token: 'host', status: 400, fields: ['notify'] },
    { name: 'an unknown query parameter', path: '/rooms/r-1/notes?colour=red', body: { text: 'hi' }, token: 'host', status: 400, fields: ['colour'] },
    { name: 'a body field of the wrong type', path: '/rooms/r-1/notes', body: { text: 7 }, token: 'host', status: 400, fields: ['text'] },
    { name: 'an unknown body field', path: '/rooms/r-1/notes', body: { text: 'hi', colour: 'red' }, token: 'host', status: 400, fields: ['colour'] },
    { name: 'a body that is not JSON', path: '/rooms/r-1/notes', body: '{"text":', token: 'host', status: 400 },
    {
      name: 'a header the route reads, malformed',
      path: '/rooms/r-1/notes',
      body: { text: 'hi' },
      token: 'host',
      headers: { 'x-room-version': 'v2' },
      status: 400,
      fields: ['x-room-version'],
    },
  ];
  it.each(refusals)('refuses $name: $status problem+json, and the handler never runs', async ({ path, body, token, headers, status, fields }) => {
    const before = seen.length;
    const response = await post(path, body, token === 'host' ? host : token === 'guest' ? guest : undefined, headers);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as { errors?: { path: string }[] };
    for (const field of fields ?? []) expect(problem.errors?.map((e) => e.path)).toContain(field);
    expect(seen.length).toBe(before);
  });

  it('documents every route in OpenAPI from the same schemas: closed request objects, security by auth, problems for 4XX', () => {
    const document = openApiDocument({ title: 'spec', version: '1' }, routes);
    const notes = (document.paths['/rooms/{id}/notes'] as Record<string, any>).post;
    expect(notes.security).toEqual([{ bearer: [] }]);
    expect(notes.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(['path:id', 'query:notify', 'header:x-room-version']);
    expect(notes.requestBody.content['application/json'].schema).toMatchObject({ type: 'object', additionalProperties: false, required: ['text'] });
    expect(Object.keys(notes.responses)).toEqual(['201', '4XX', '5XX']);
    expect((document.paths['/rooms'] as Record<string, any>).get.security).toEqual([{}, { bearer: [] }]);
    expect((document.paths['/rooms/{id}'] as Record<string, any>).delete.security).toEqual([]);
  });
});
