import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import { createHttpApp, idempotency, type Route } from '@stayhub/http-kit';
import { conversationRoutes } from './conversations/routes.ts';
import { inboxRoutes } from './inbox/routes.ts';
import { attachSockets } from './realtime/socket-server.ts';
import type { ChatDeps } from './shared/deps.ts';

const chatRoutes = (deps: ChatDeps): Route[] => [...inboxRoutes(deps), ...conversationRoutes(deps)];

const createChatApp = (deps: ChatDeps): Express =>
  createHttpApp({
    title: 'StayHub chat',
    description: 'Guest–host conversations. Real time over the WebSocket at `/ws` (see the README for its frames); these routes are the HTTP side.',
    routes: chatRoutes(deps),
    tokens: deps.tokens,
    corsOrigins: deps.corsOrigins,
    perRoute: idempotency({ pool: deps.pool, eventStore: deps.store }),
    logError: (error, req) => deps.log.error({ err: error, method: req.method, url: req.url }, 'unhandled error'),
    log: deps.log,
    extra: (app) => {
      app.get('/health', async (_req, res) => {
        try {
          const { rows } = await deps.pool.query<{ name: string; position: string }>('SELECT name, position FROM chat_checkpoints ORDER BY name');
          res.json({ status: 'ok', connections: deps.hub.connections(), checkpoints: rows });
        } catch (error) {
          res.status(503).json({ status: 'unavailable', error: String(error) });
        }
      });
    },
  });

export type ChatServer = { server: Server; app: Express; close: () => Promise<void> };

/** The HTTP routes and the WebSocket endpoint on one server (not yet listening). */
export const createChatServer = (deps: ChatDeps): ChatServer => {
  const app = createChatApp(deps);
  const server = createServer(app);
  const sockets = attachSockets(server, deps);
  return {
    server,
    app,
    close: async () => {
      await sockets.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
};
