import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { Logger } from '@stayhub/platform-kit';

const viaMetricsPort = new WeakSet<IncomingMessage>();

/** Whether a request came through the metrics port, where `/metrics` needs no token. */
export const fromMetricsPort = (req: IncomingMessage): boolean => viaMetricsPort.has(req);

/**
 * With `METRICS_PORT` set, serves the app's own `GET /metrics` (the same figures, refreshed the same
 * way) on that port as well, without a token: for Prometheus on a network the public does not reach
 * (the compose stack publishes none of these ports). Anything else there is a 404. One app per host
 * or container: two apps given the same port cannot both listen (the second logs it and goes on).
 */
export const serveMetricsPort = (app: RequestListener, port: number | undefined, log: Pick<Logger, 'info' | 'error'>): Server | undefined => {
  if (port === undefined) return undefined;
  const server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url ?? '').split('?')[0] === '/metrics') {
      viaMetricsPort.add(req);
      app(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Only GET /metrics is served on this port\n');
  });
  server.on('error', (error) => log.error({ err: error, port }, 'metrics port unavailable: /metrics stays on the app port (admin token)'));
  server.listen(port, () => log.info(`metrics on ${port}`));
  return server;
};
