import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { type Logger, correlationIdOf } from '@stayhub/platform-kit';

export { correlationIdOf };

declare module 'http' {
  interface IncomingMessage {
    /** The request's correlation id, set by the request log (or the app when it logs nothing). */
    id?: string;
  }
}

const routeOf = (req: IncomingMessage): string => {
  const express = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  return typeof express.route?.path === 'string' ? `${express.baseUrl ?? ''}${express.route.path}` : 'unmatched';
};

const pathOf = (req: IncomingMessage): string => ((req as { originalUrl?: string }).originalUrl ?? req.url ?? '').split('?')[0]!;

/** Probes that run every few seconds are logged at debug, so they do not drown the requests people make. */
const probe = (req: IncomingMessage) => /^\/(health|metrics)$/.test(pathOf(req));

/**
 * One JSON line per request when its answer is sent: method, route pattern, path (never the query
 * string), status, duration in ms and correlation id; at error level for a 5xx. Nothing is built for
 * a line the logger's level leaves out (pino-http made two child loggers per request, whatever the
 * level: a few percent of a busy API's CPU).
 */
export const requestLog =
  (log: Logger): RequestHandler =>
  (req, res, next) => {
    const startedAt = Date.now();
    const correlationId = correlationIdOf(req);
    req.id ??= correlationId;
    res.setHeader('X-Correlation-Id', correlationId);
    const done = (error?: unknown) => {
      res.off('close', done);
      res.off('finish', done);
      res.off('error', done);
      const failed = error !== undefined || res.statusCode >= 500;
      const level = failed ? 'error' : probe(req) ? 'debug' : 'info';
      if (!log.isLevelEnabled(level)) return;
      const route = routeOf(req);
      log[level](
        {
          correlationId,
          req: { method: req.method, path: pathOf(req) },
          res: { status: res.statusCode },
          ...(failed ? { err: error ?? new Error(`failed with status code ${res.statusCode}`) } : {}),
          durationMs: Date.now() - startedAt,
          route,
        },
        `${req.method} ${route} ${res.statusCode}`,
      );
    };
    res.on('close', done);
    res.on('finish', done);
    res.on('error', done);
    next();
  };
