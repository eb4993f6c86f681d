import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import { authenticate, type TokenIssuer } from './auth.ts';
import { HttpProblem, problemHandler, sendProblem } from './problem.ts';
import { mountRoutes, openApiDocument, type Route } from './route.ts';
import { httpMetrics } from './metrics.ts';
import { correlationIdOf, requestLog } from './request-log.ts';
import type { Logger } from '../logging.ts';

export type HttpAppOptions = {
  title: string;
  description?: string;
  routes: readonly Route[];
  tokens: TokenIssuer;
  /** Runs before the routes (after auth), e.g. rate limits. */
  before?: RequestHandler[];
  /** Runs before one route, knowing which (e.g. idempotency, scoped by the route's pattern). */
  perRoute?: (route: Route) => RequestHandler[];
  /** Plain express handlers for /health, /metrics and the like. */
  extra?: (app: Express) => void;
  logError: (error: unknown, req: { method: string; url: string }) => void;
  /** Where each request's line goes (see `requestLog`); without it requests get a correlation id but no line. */
  log?: Logger;
  bodyLimit?: string;
  corsOrigins?: string[];
};

const MAX_JSON_DEPTH = 32;
const depthOf = (value: unknown, depth = 0): number => {
  if (depth > MAX_JSON_DEPTH || value === null || typeof value !== 'object') return depth;
  let deepest = depth;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child, depth + 1));
  return deepest;
};

/** The express 5 app shared by both APIs: security headers, JSON limits, auth, zod routes, OpenAPI, problem+json. */
export const createHttpApp = (options: HttpAppOptions): Express => {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(helmet({ contentSecurityPolicy: false }));
  app.use(cors({ origin: options.corsOrigins ?? true, exposedHeaders: ['X-Consistency-Token', 'ETag', 'Location', 'Retry-After', 'X-Correlation-Id'] }));
  app.use(options.log ? requestLog(options.log) : (req, res, next) => {
    req.id = correlationIdOf(req);
    res.setHeader('X-Correlation-Id', req.id);
    next();
  });
  app.use(httpMetrics());
  // The raw bytes are kept for signature checks (webhooks sign the body exactly as sent).
  app.use(
    express.json({
      limit: options.bodyLimit ?? '256kb',
      type: ['application/json', 'application/*+json'],
      verify: (req, _res, buf) => {
        (req as { rawBody?: Buffer }).rawBody = buf;
      },
    }),
  );
  app.use((req, _res, next) => {
    if (depthOf(req.body) > MAX_JSON_DEPTH) return next(new HttpProblem(400, 'Bad Request', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`));
    const hasBody = ['POST', 'PUT', 'PATCH'].includes(req.method) && Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !req.is(['application/json', 'application/*+json'])) {
      return next(new HttpProblem(415, 'Unsupported Media Type', 'Send the body as application/json'));
    }
    next();
  });
  app.use(authenticate(options.tokens));
  options.extra?.(app);
  const document = openApiDocument({ title: options.title, version: '1.0.0', description: options.description }, options.routes);
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: options.title }));
  for (const handler of options.before ?? []) app.use(handler);
  const router = express.Router();
  mountRoutes(router, options.routes, options.perRoute);
  app.use(router);
  app.use((req, res) => sendProblem(res, 404, { detail: `No route ${req.method} ${req.path}` }));
  app.use(problemHandler(options.logError));
  return app;
};
