import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { match } from 'path-to-regexp';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';
import { authenticate, requireUser, type TokenIssuer } from './auth.ts';
import { HttpProblem, problemHandler, sendProblem } from './problem.ts';
import { headerGuard, inSequence, leanDispatch, mountRoutes, openApiDocument, type CommonHeader, type Route } from './route.ts';
import { httpMetrics, metricsContentType, metricsText, type Logger } from '@stayhub/platform-kit';
import { fromMetricsPort } from './metrics-port.ts';
import { jsonBody } from './json-body.ts';
import { correlationIdOf, requestLog } from './request-log.ts';

export type HttpAppOptions = {
  title: string;
  description?: string;
  routes: readonly Route[];
  tokens: TokenIssuer;
  /** Handlers for one route only (rate limits), matched on its exact pattern before `before` runs. */
  guards?: (route: Route) => RequestHandler[];
  /** Runs before the routes (after auth and guards). */
  before?: RequestHandler[];
  /** Runs before one route, knowing which (e.g. idempotency, scoped by the route's pattern), after its input is checked. */
  perRoute?: (route: Route) => RequestHandler[];
  /** Headers that every route of some methods reads (documented and checked on each). */
  headers?: CommonHeader[];
  /** Brings gauges up to date before `/metrics` is read (a failure leaves them as they were). */
  refreshMetrics?: () => Promise<unknown>;
  /** Plain express handlers for /health and the like. */
  extra?: (app: Express) => void;
  logError: (error: unknown, req: { method: string; url: string }) => void;
  /** Errors that say a part is not ready yet (see `problemHandler`): a 503 to retry, not a 500. */
  notReady?: (error: unknown) => boolean;
  /** Where each request's line goes (see `requestLog`); without it requests get a correlation id but no line. */
  log?: Logger;
  bodyLimit?: string;
  corsOrigins?: string[];
  /**
   * Whether express hashes every answer's body into a weak ETag (default true): worth it where GETs
   * are cached and revalidated; an API of commands sets the ETags that matter (a stream's revision)
   * itself and need not hash every answer.
   */
  bodyEtags?: boolean;
  /** Whether the hot GETs (`hot: true`) skip express's router (`leanDispatch`; default true); false sends every request through it. */
  lean?: boolean;
};

const MAX_JSON_DEPTH = 32;
const depthOf = (value: unknown, depth = 0): number => {
  if (depth > MAX_JSON_DEPTH || value === null || typeof value !== 'object') return depth;
  let deepest = depth;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child, depth + 1));
  return deepest;
};

/**
 * Helmet's headers, worked out once: without a content security policy each of its dozen
 * middlewares sets one fixed header whatever the request, so the list is set on each answer instead
 * of running them all (they were ~13 % of the query API's CPU on a read by id).
 */
const securityHeaders = (): [string, string][] => {
  const headers: [string, string][] = [];
  const answer = { setHeader: (name: string, value: string) => void headers.push([name, value]), removeHeader: () => undefined };
  let done = false;
  helmet({ contentSecurityPolicy: false })({} as IncomingMessage, answer as unknown as ServerResponse, () => {
    done = true;
  });
  if (!done || headers.length === 0) throw new Error('helmet set no fixed headers: it depends on the request now, so run it per request');
  return headers;
};

const ALL_METHODS: CommonHeader['methods'] = ['get', 'post', 'put', 'patch', 'delete'];

/** Request metadata that events carry: bounded and well-formed before anything stores it. */
const requestMetadataHeaders: CommonHeader[] = [
  {
    name: 'X-Correlation-Id',
    methods: ALL_METHODS,
    description: "Ties the events this request causes to a caller's own trace (1 to 128 visible ASCII characters); one is made when absent",
    schema: z
      .string()
      .regex(/^[\x21-\x7e]{1,128}$/, '1 to 128 visible ASCII characters')
      .optional(),
  },
  {
    name: 'traceparent',
    methods: ALL_METHODS,
    description: 'W3C Trace Context parent, kept in event metadata',
    schema: z
      .string()
      .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'a W3C traceparent: version-traceid-parentid-flags in lower-case hex')
      .optional(),
  },
];

/** The express 5 app shared by both APIs: security headers, JSON limits, auth, zod routes, OpenAPI, problem+json. */
export const createHttpApp = (options: HttpAppOptions): Express => {
  const app = express();
  app.disable('x-powered-by');
  // `/AUTH/login` and `/bookings/` are not `/auth/login` and `/bookings`: no limit or key scope is dodged by spelling.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.set('query parser', 'simple');
  if (options.bodyEtags === false) app.set('etag', false);
  // Security headers on every answer: any of them may be opened by a browser.
  const headersOfHelmet = securityHeaders();
  // CORS only for what a browser sends cross-origin (it always sends Origin then); other callers get
  // just `Vary: Origin`, so that no cache hands one origin's answer to another.
  const corsHandler = cors({
    origin: options.corsOrigins ?? true,
    exposedHeaders: ['X-Consistency-Token', 'ETag', 'Location', 'Retry-After', 'X-Correlation-Id'],
  });
  // What every request goes through, in this order, as one layer of the app (each layer express
  // steps through costs more than most of these small middlewares do).
  const prelude = inSequence([
    (_req, res, next) => {
      for (const [name, value] of headersOfHelmet) res.setHeader(name, value);
      next();
    },
    (req, res, next) => {
      if (req.headers.origin !== undefined) return corsHandler(req, res, next);
      res.vary('Origin');
      next();
    },
    options.log
      ? requestLog(options.log)
      : (req, res, next) => {
          req.id = correlationIdOf(req);
          res.setHeader('X-Correlation-Id', req.id);
          next();
        },
    httpMetrics(),
    // The raw bytes are kept for signature checks (webhooks sign the body exactly as sent).
    jsonBody({ limit: options.bodyLimit ?? '256kb', keepRaw: true }),
    (req, _res, next) => {
      if (depthOf(req.body) > MAX_JSON_DEPTH) return next(new HttpProblem(400, 'Bad Request', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`));
      const hasBody = (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') && Number(req.headers['content-length'] ?? 0) > 0;
      if (hasBody && !req.is(['application/json', 'application/*+json'])) {
        return next(new HttpProblem(415, 'Unsupported Media Type', 'Send the body as application/json'));
      }
      next();
    },
    authenticate(options.tokens),
  ]);
  app.use(prelude);
  const headers = [...requestMetadataHeaders, ...(options.headers ?? [])];
  // Per route, before anything shared (an idempotent replay, say): its limits are counted, then its
  // headers checked, then `before`; all in the route's own chain, so a request is matched once.
  const router = express.Router({ caseSensitive: true, strict: true });
  const perRoute = (route: Route) => [
    ...(options.guards?.(route) ?? []),
    headerGuard(route, headers),
    ...(options.before ?? []),
    ...(options.perRoute?.(route) ?? []),
  ];
  mountRoutes(router, options.routes, perRoute);
  app.use(router);
  // Paths no API route has (`/health`, `/metrics`, the docs): after the routes, which they never shadow.
  options.extra?.(app);
  // Operators' figures, not the public's: an admin token reads them, or anyone on the metrics port (unpublished).
  app.get('/metrics', async (req, res) => {
    if (!fromMetricsPort(req)) requireUser(req.user, 'admin');
    await options.refreshMetrics?.().catch(() => undefined);
    res.type(metricsContentType).send(await metricsText());
  });
  const document = openApiDocument({ title: options.title, version: '1.0.0', description: options.description }, options.routes, headers);
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: options.title }));
  // A request no route takes passes `before` too (a global rate limit counts it), then hears 404 or 405.
  for (const handler of options.before ?? []) app.use(handler);
  // A known path with another method is a 405 that lists the methods it takes.
  const patterns = options.routes.map((route) => ({
    method: route.method.toUpperCase(),
    matches: match(route.path, { sensitive: true, trailing: false, decode: false }),
  }));
  app.use((req, res) => {
    const allowed = [...new Set(patterns.filter((p) => p.matches(req.path)).map((p) => p.method))];
    if (allowed.length === 0) return sendProblem(res, 404, { detail: `No route ${req.method} ${req.path}` });
    if (allowed.includes('GET')) allowed.push('HEAD');
    res.set('Allow', allowed.join(', '));
    sendProblem(res, 405, { detail: `${req.path} takes ${allowed.join(', ')}` });
  });
  const onError = problemHandler(options.logError, options.notReady ? { notReady: options.notReady } : {});
  app.use(onError);
  // The hot GETs skip the router (`leanDispatch`); `options.lean: false` leaves every request to express (parity specs).
  const lean = options.lean === false ? undefined : leanDispatch({ app, routes: options.routes, prelude, perRoute, onError });
  if (lean) {
    // express's app function hands every request to `app.handle` (so `listen`, supertest and a mount all pass here).
    const withHandle = app as unknown as { handle: (req: IncomingMessage, res: ServerResponse, callback?: unknown) => void };
    const handle = withHandle.handle.bind(app);
    withHandle.handle = (req, res, callback) => {
      if (!lean(req, res)) handle(req, res, callback);
    };
  }
  return app;
};
