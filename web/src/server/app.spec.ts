import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { attachChatSocket, createWebServer } from './app.ts';

const listen = (app: express.Express): Promise<Server> =>
  new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** An upstream that echoes what reached it, as the APIs would see it. */
const upstream = (name: string) => {
  const app = express();
  app.use(express.json());
  app.get('/health', (_req, res) => void res.json({ status: 'ok', name }));
  app.all(
    '/{*path}',
    (req, res) =>
      void res.status(201).json({
        name,
        method: req.method,
        url: req.url,
        body: req.body,
        auth: req.header('authorization') ?? null,
        key: req.header('idempotency-key') ?? null,
      }),
  );
  return app;
};

/** A chat upstream: its WebSocket at /ws echoes each frame with the URL the socket was opened at. */
const chatUpstream = async () => {
  const server = await listen(upstream('chat'));
  const sockets = new WebSocketServer({ server, path: '/ws' });
  sockets.on('connection', (socket, req) => socket.on('message', (data) => socket.send(JSON.stringify({ url: req.url, echo: data.toString() }))));
  return server;
};

let servers: Server[] = [];
let base = '';
beforeAll(async () => {
  const dist = mkdtempSync(join(tmpdir(), 'web-dist-'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>StayHub</title><div id="root"></div>');
  writeFileSync(join(dist, 'app.js'), 'console.log(1)');
  const [command, query, chat] = await Promise.all([listen(upstream('command')), listen(upstream('query')), chatUpstream()]);
  const web = await listen(
    createWebServer({
      distDir: dist,
      commandApiUrl: urlOf(command),
      queryApiUrl: urlOf(query),
      projectorsUrl: 'http://127.0.0.1:9', // nothing listens there
      chatUrl: urlOf(chat),
      mapTilesUrl: 'http://tiles.test/{z}/{x}/{y}.png',
      hostResponseHours: 12,
    }),
  );
  attachChatSocket(web, urlOf(chat));
  servers = [command, query, chat, web];
  base = urlOf(web);
});
afterAll(() => {
  for (const server of servers) server.close();
});

describe('the web server', () => {
  it('forwards /api/command and /api/query to the APIs with method, path, body and headers intact', async () => {
    const sent = await fetch(`${base}/api/command/bookings/b1/approve?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t', 'idempotency-key': 'k1' },
      body: JSON.stringify({ reason: 'ok' }),
    });
    expect(sent.status).toBe(201);
    expect(await sent.json()).toEqual({
      name: 'command',
      method: 'POST',
      url: '/bookings/b1/approve?x=1',
      body: { reason: 'ok' },
      auth: 'Bearer t',
      key: 'k1',
    });
    expect(await (await fetch(`${base}/api/query/listings/search?q=sea`)).json()).toMatchObject({
      name: 'query',
      method: 'GET',
      url: '/listings/search?q=sea',
    });
  });

  it('answers 502 problem+json naming the part when an API does not answer', async () => {
    const response = await fetch(`${base}/api/ops/admin/projections`);
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 502, detail: expect.stringContaining('The ops service at http://127.0.0.1:9 did not answer') });
  });

  it('tells the app its run-time configuration', async () => {
    expect(await (await fetch(`${base}/api/config`)).json()).toEqual({ mapTilesUrl: 'http://tiles.test/{z}/{x}/{y}.png', hostResponseHours: 12 });
  });

  it("gathers every part's health, a silent one as down", async () => {
    const { parts } = (await (await fetch(`${base}/api/parts`)).json()) as { parts: { name: string; status: string }[] };
    expect(parts.map(({ name, status }) => ({ name, status }))).toEqual([
      { name: 'command-api', status: 'ok' },
      { name: 'query-api', status: 'ok' },
      { name: 'projectors', status: 'down' },
      { name: 'chat', status: 'ok' },
    ]);
  });

  it("forwards /api/chat to the chat's routes and /api/chat/ws to its WebSocket, token included", async () => {
    expect(await (await fetch(`${base}/api/chat/me/conversations?limit=5`)).json()).toMatchObject({
      name: 'chat',
      method: 'GET',
      url: '/me/conversations?limit=5',
    });
    const socket = new WebSocket(`${base.replace('http', 'ws')}/api/chat/ws?access_token=t1`);
    const answer = new Promise<unknown>((resolve, reject) => {
      socket.once('message', (data) => resolve(JSON.parse(data.toString())));
      socket.once('error', reject);
    });
    socket.once('open', () => socket.send('hello'));
    expect(await answer).toEqual({ url: '/ws?access_token=t1', echo: 'hello' });
    socket.close();
  });

  it('refuses a WebSocket on any other path', async () => {
    const socket = new WebSocket(`${base.replace('http', 'ws')}/api/query/ws`);
    const failure = await new Promise<Error>((resolve) => socket.once('error', resolve));
    expect(failure.message).toContain('404');
  });

  it('serves the build, the app for client-side routes, and 404 problem+json for unknown /api paths', async () => {
    expect(await (await fetch(`${base}/app.js`)).text()).toBe('console.log(1)');
    const route = await fetch(`${base}/host/listings/some-draft`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<div id="root">');
    const unknown = await fetch(`${base}/api/nothing`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ detail: 'No route GET /api/nothing' });
  });
});
