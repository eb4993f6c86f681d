import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import { type Logger, correlationIdOf } from '@stayhub/platform-kit';

export { correlationIdOf };

const routeOf = (req: IncomingMessage): string => {
  const express = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  return typeof express.route?.path === 'string' ? `${express.baseUrl ?? ''}${express.route.path}` : 'unmatched';
};

const pathOf = (req: IncomingMessage): string => ((req as { originalUrl?: string }).originalUrl ?? req.url ?? '').split('?')[0]!;

/** Probes that run every few seconds are logged at debug, so they do not drown the requests people make. */
const probe = (req: IncomingMessage) => /^\/(health|metrics)$/.test(pathOf(req));

/**
 * One JSON line per request when its answer is sent: method, route pattern, path (never the query
 * string), status, duration in ms and correlation id; at error level for a 5xx.
 */
export const requestLog = (log: Logger): RequestHandler =>
  pinoHttp<IncomingMessage, ServerResponse>({
    logger: log,
    genReqId: (req, res) => {
      const id = correlationIdOf(req);
      res.setHeader('X-Correlation-Id', id);
      return id;
    },
    quietReqLogger: true,
    wrapSerializers: false,
    customAttributeKeys: { reqId: 'correlationId', responseTime: 'durationMs' },
    serializers: {
      req: (req: IncomingMessage) => ({ method: req.method, path: pathOf(req) }),
      res: (res: ServerResponse) => ({ status: res.statusCode }),
    },
    customLogLevel: (req, res, error) => (error || res.statusCode >= 500 ? 'error' : probe(req) ? 'debug' : 'info'),
    customSuccessObject: (req, _res, value: Record<string, unknown>) => ({ ...value, route: routeOf(req) }),
    customErrorObject: (req, _res, _error, value: Record<string, unknown>) => ({ ...value, route: routeOf(req) }),
    customSuccessMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
  }) as unknown as RequestHandler;
