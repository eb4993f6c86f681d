import { existsSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import express, { type Express } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';

export type WebServerOptions = {
  /** The production build (`vite build` output). */
  distDir: string;
  commandApiUrl: string;
  queryApiUrl: string;
  projectorsUrl: string;
  /** The chat service: its HTTP routes under `/api/chat`, its WebSocket at `/api/chat/ws`. */
  chatUrl: string;
  /** Extra parts whose /health the operator page shows (e.g. the payment gateway). */
  otherParts?: Record<string, string>;
  mapTilesUrl?: string;
  /** How long a host has to answer a request (the inbox shows the deadline). */
  hostResponseHours?: number;
};

const problem = (status: number, detail: string) => ({ type: 'about:blank', title: status === 502 ? 'Bad Gateway' : 'Not Found', status, detail });

/**
 * Serves the built app and forwards `/api/command/*`, `/api/query/*`, `/api/ops/*` and
 * `/api/chat/*` to the command API, the query API, the projectors and the chat: the browser talks
 * to one origin (no CORS, one URL to configure), and the APIs' addresses stay configuration of
 * this server. The chat's WebSocket goes through `attachChatSocket`.
 */
export const createWebServer = (options: WebServerOptions): Express => {
  const app = express();
  app.disable('x-powered-by');
  const targets = { command: options.commandApiUrl, query: options.queryApiUrl, ops: options.projectorsUrl, chat: options.chatUrl };
  for (const [prefix, target] of Object.entries(targets)) {
    app.use(
      `/api/${prefix}`,
      createProxyMiddleware({
        target,
        changeOrigin: true,
        xfwd: true,
        on: {
          error: (_error, _req, res) => {
            if ('writeHead' in res && !res.headersSent) {
              res.writeHead(502, { 'content-type': 'application/problem+json' });
              res.end(JSON.stringify(problem(502, `The ${prefix} service at ${target} did not answer; it may be restarting`)));
            }
          },
        },
      }),
    );
  }

  app.get('/api/config', (_req, res) => {
    res.json({ mapTilesUrl: options.mapTilesUrl ?? null, hostResponseHours: options.hostResponseHours ?? 24 });
  });

  /** Every part's /health in one answer, for the operator page (a part that does not answer is `down`). */
  app.get('/api/parts', async (_req, res) => {
    const parts = {
      'command-api': options.commandApiUrl,
      'query-api': options.queryApiUrl,
      projectors: options.projectorsUrl,
      chat: options.chatUrl,
      ...options.otherParts,
    };
    const checked = await Promise.all(
      Object.entries(parts).map(async ([name, url]) => {
        try {
          const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3000) });
          const body: unknown = await response.json().catch(() => null);
          return { name, status: response.ok ? 'ok' : 'unavailable', httpStatus: response.status, health: body };
        } catch (error) {
          return { name, status: 'down', httpStatus: null, health: { error: String(error) } };
        }
      }),
    );
    res.json({ parts: checked });
  });
  app.use('/api', (req, res) => {
    res
      .status(404)
      .type('application/problem+json')
      .send(JSON.stringify(problem(404, `No route ${req.method} ${req.originalUrl}`)));
  });

  const index = join(options.distDir, 'index.html');
  app.use(express.static(options.distDir, { index: false, maxAge: '1h', immutable: false }));
  // Client-side routes: every other GET gets the app, which routes itself.
  app.get('/{*path}', (_req, res) => {
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The web app is not built: run `npm run build -w web`');
      return;
    }
    res.set('Cache-Control', 'no-cache').sendFile(index);
  });
  return app;
};

const CHAT_SOCKET_PATH = '/api/chat/ws';

/**
 * Forwards WebSocket upgrades of `/api/chat/ws` to the chat's `/ws` (the access token rides in the
 * query string, as browsers cannot set headers on a WebSocket). Any other upgrade is refused.
 */
export const attachChatSocket = (server: Server, chatUrl: string): void => {
  const proxy = createProxyMiddleware({
    target: chatUrl,
    changeOrigin: true,
    xfwd: true,
    pathFilter: (path) => path === CHAT_SOCKET_PATH,
    pathRewrite: (path) => path.replace(CHAT_SOCKET_PATH, '/ws'),
    on: { error: (_error, _req, socket) => void ('destroy' in socket ? socket.destroy() : undefined) },
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== CHAT_SOCKET_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    proxy.upgrade(req, socket as Parameters<typeof proxy.upgrade>[1], head);
  });
};
