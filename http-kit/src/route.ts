import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, Request, RequestHandler, Response, Router } from 'express';
import { match } from 'path-to-regexp';
import { z } from 'zod';
import { requireUser, type AuthUser, type Role } from './auth.ts';
import { parseStrict, parseStrictParts } from './input.ts';
import { HttpProblem } from './problem.ts';

export type Reply = {
  status?: number;
  body?: unknown;
  /** The body already as JSON text (a read model that lays its answer out itself): sent as it is, instead of `body` serialised. */
  json?: string;
  headers?: Record<string, string>;
  /** The ETag of `json` when the read model made it once with the text (see `bodyEtagOf`): the answer does not hash the body again. */
  etag?: string;
};

type RouteInput<P, Q, B> = {
  params: P;
  query: Q;
  body: B;
  user: AuthUser | undefined;
  req: Request;
  res: Response;
};

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export type RouteSpec<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined> = {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  tags: string[];
  /** `none`: public; `user`: a valid token (of one of `roles`, if given); `optional`: `user` if a token was sent. */
  auth: 'none' | 'user' | 'optional';
  roles?: Role[];
  params?: P;
  query?: Q;
  body?: B;
  /** Request headers this route reads (lower-case names), parsed and documented like the rest; others pass untouched. */
  headers?: z.ZodObject;
  /** Every success status the handler answers with (problems are documented for all routes); `200` when omitted. */
  responses?: Record<number, { description: string; schema?: Schema; headers?: Record<string, string> }>;
  /** `in-append`: the handler records its answer to an `Idempotency-Key` in its own append (`answerOnce`). */
  idempotency?: 'in-append';
  /**
   * A hot GET (a read by id): dispatched ahead of express's router by `leanDispatch`, through the same
   * middlewares and checks, its JSON text answered without express's `send` (same status, headers, body).
   */
  hot?: true;
  handler: (input: RouteInput<Out<P>, Out<Q>, Out<B>>) => Promise<Reply>;
};

export type Route = RouteSpec<Schema | undefined, Schema | undefined, Schema | undefined>;

/** A route whose params, query and body are parsed with zod before the handler runs. */
export const defineRoute = <P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined>(
  spec: RouteSpec<P, Q, B>,
): Route => spec as unknown as Route;

/** A header every route of some methods accepts (e.g. Idempotency-Key on writes), checked before the route's own. */
export type CommonHeader = { name: string; methods: RouteSpec<undefined, undefined, undefined>['method'][]; description: string; schema: z.ZodType };

/**
 * Checks the headers a route reads (its own and the common ones) before anything else handles the
 * request, so that no shortcut (an idempotent replay, say) skips them.
 */
export const headerGuard = (route: Route, common: readonly CommonHeader[]): RequestHandler => {
  const shape = z.object(Object.fromEntries(commonFor(route, common).map((h) => [h.name.toLowerCase(), h.schema])));
  const schema = route.headers ? shape.extend(route.headers.shape) : shape;
  return (req, _res, next) => {
    // Who you are is settled before what you sent: no token is a 401, whatever else is wrong.
    if (route.auth === 'user') requireUser(req.user, ...(route.roles ?? []));
    parseStrict(schema, req.headers, 'header');
    next();
  };
};

/** The ETag express would give a body (its `etag fn`, weak by default), made once with a text that is sent many times; none where the app sets none. */
export const bodyEtagOf = (req: Request, text: string): string | undefined => {
  const etagOf = req.app.get('etag fn') as ((body: string, encoding: string) => string) | undefined;
  return etagOf?.(text, 'utf8');
};

/**
 * A JSON text answered as express's `res.send` answers it (`Content-Type` with its charset,
 * `Content-Length`, the ETag, 304 when the client's copy is fresh, no body to HEAD), laid out
 * directly: no type look-up, no second hash of a body whose ETag is known.
 */
const sendJsonText = (req: Request, res: Response, status: number, text: string, etag: string | undefined): void => {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', String(Buffer.byteLength(text)));
  const tag = etag ?? bodyEtagOf(req, text);
  if (tag !== undefined) res.setHeader('ETag', tag);
  if (req.fresh) {
    res.statusCode = 304;
    res.removeHeader('Content-Type');
    res.removeHeader('Content-Length');
    res.end();
  } else if (req.method === 'HEAD') res.end();
  else res.end(text);
};

const run =
  (route: Route, lean = false): RequestHandler =>
  async (req, res) => {
    if (route.auth === 'user') requireUser(req.user, ...(route.roles ?? []));
    const [params, query, body] = parseStrictParts([
      { schema: route.params, sent: { ...req.params }, part: 'path' },
      { schema: route.query, sent: { ...(req.query as object) }, part: 'query' },
      { schema: route.body, sent: req.body ?? {}, part: 'body' },
    ]);
    const input: RouteInput<unknown, unknown, unknown> = {
      params,
      query,
      body,
      user: req.user,
      req,
      res,
    };
    const reply = await route.handler(input);
    if (reply.headers) res.set(reply.headers);
    const status = reply.status ?? 200;
    if (reply.json !== undefined && lean) sendJsonText(req, res, status, reply.json, reply.etag);
    else if (reply.json !== undefined) {
      if (reply.etag !== undefined) res.set('ETag', reply.etag);
      res.status(status).set('Content-Type', 'application/json').send(reply.json);
    } else if (reply.body === undefined) res.status(status).send();
    else res.status(status).json(reply.body);
  };

const commonFor = (route: Route, common: readonly CommonHeader[]) => common.filter((h) => h.methods.includes(route.method));

/**
 * Middlewares run one after the other as one handler, as express would run them (an error, thrown or
 * passed on or a rejected promise, skips the rest and goes to `next`), without a step of express's
 * router between each two: the router's step costs more than most small middlewares do.
 */
export const inSequence = (handlers: readonly RequestHandler[]): RequestHandler => {
  if (handlers.length === 1) return handlers[0]!;
  return (req, res, next) => {
    let at = 0;
    const step = (error?: unknown) => {
      if (error !== undefined && error !== null) return next(error);
      const handler = handlers[at++];
      if (!handler) return next();
      try {
        const result: unknown = handler(req, res, step);
        if (result instanceof Promise) result.catch((thrown: unknown) => next(thrown ?? new Error('rejected without a reason')));
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
};

/**
 * Mounts each route on its pattern (the router decides how exactly paths must match), with the
 * handlers that need to know which route it is (e.g. the idempotency scope) in one layer before it.
 */
export const mountRoutes = (router: Router, routes: readonly Route[], perRoute: (route: Route) => RequestHandler[] = () => []): void => {
  for (const route of routes) router[route.method](route.path, inSequence([...perRoute(route), run(route)]));
};

/** A request the lean dispatch took, or `false` for express to handle it. */
type LeanDispatch = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The hot GETs (`hot: true`) answered ahead of express's router: a GET or HEAD whose path's first
 * GET route is a hot one goes through what express would run for it (`prelude`, the app's shared
 * middlewares; then the route's own chain, as `mountRoutes` builds it; errors to `onError`), with
 * express's request and response objects, but without the router's walk over its layers; every
 * other request is left to express. The route is matched as the router matches it (case-sensitive,
 * strict, decoded parameters); a path that does not decode is left to express's own answer.
 */
export const leanDispatch = (options: {
  app: Express;
  routes: readonly Route[];
  prelude: RequestHandler;
  perRoute: (route: Route) => RequestHandler[];
  onError: ErrorRequestHandler;
}): LeanDispatch | undefined => {
  const gets = options.routes
    .filter((route) => route.method === 'get')
    .map((route) => ({ route, matches: match<Record<string, string>>(route.path, { sensitive: true, trailing: false, decode: decodeURIComponent }) }));
  if (!gets.some((get) => get.route.hot)) return undefined;
  const chains = new Map(
    gets.filter((get) => get.route.hot).map(({ route }) => [route, inSequence([options.prelude, ...options.perRoute(route), run(route, true)])]),
  );
  const { request, response } = options.app as unknown as { request: object; response: object };
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    let found: { route: Route; params: Record<string, string> } | undefined;
    try {
      for (const get of gets) {
        const matched = get.matches(path);
        if (matched) {
          found = { route: get.route, params: matched.params };
          break;
        }
      }
    } catch {
      return false;
    }
    const chain = found && chains.get(found.route);
    if (!found || !chain) return false;
    // What express's `app.handle` and router set up before a route runs.
    const ours = req as Request;
    const answer = res as Response;
    ours.res = answer;
    answer.req = ours;
    Object.setPrototypeOf(req, request);
    Object.setPrototypeOf(res, response);
    answer.locals ??= Object.create(null);
    ours.originalUrl = url;
    ours.baseUrl = '';
    ours.params = found.params;
    (ours as { route?: { path: string } }).route = { path: found.route.path };
    chain(ours, answer, (error?: unknown) => {
      options.onError(error ?? new HttpProblem(404, 'Not Found', `No route ${req.method} ${path}`), ours, answer, () => undefined);
    });
    return true;
  };
};

type Json = Record<string, unknown>;

/** Every request object closed (`additionalProperties: false`), as the server refuses unknown fields; intersections merged into one object. */
const closed = (schema: Json): Json => {
  const node: Json = Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      Array.isArray(value)
        ? value.map((v) => (v && typeof v === 'object' ? closed(v as Json) : v))
        : value && typeof value === 'object' && key !== 'enum' && key !== 'const'
          ? closed(value as Json)
          : value,
    ]),
  );
  if (key(node, 'properties')) {
    if (node.additionalProperties === undefined) node.additionalProperties = false;
    return node;
  }
  const parts = node.allOf as Json[] | undefined;
  if (parts?.every((part) => part.type === 'object' && key(part, 'properties'))) {
    const { allOf: _allOf, ...rest } = node;
    return {
      ...rest,
      type: 'object',
      properties: Object.assign({}, ...parts.map((p) => p.properties)),
      required: [...new Set(parts.flatMap((p) => (p.required as string[] | undefined) ?? []))],
      additionalProperties: false,
    };
  }
  return node;
};
const key = (node: Json, name: string) => Object.hasOwn(node, name) && typeof node[name] === 'object';

const jsonSchema = (schema: Schema, io: 'input' | 'output'): Json => {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete json.$schema;
  return io === 'input' ? closed(json) : json;
};

const parameters = (schema: Schema | undefined, where: 'path' | 'query' | 'header') => {
  if (!schema) return [];
  type Shape = { properties?: Record<string, Json>; required?: string[]; anyOf?: Shape[]; allOf?: Shape[] };
  const json = jsonSchema(schema, 'input') as Shape;
  // A union of query shapes (dates or slots) is documented as every parameter any shape takes, each
  // optional; an intersection (named parameters and a pattern of others) as the named ones.
  const shapes = json.anyOf ?? json.allOf ?? [json];
  const required = json.anyOf ? [] : shapes.flatMap((shape) => shape.required ?? []);
  const properties: Record<string, Json> = Object.assign({}, ...shapes.map((shape) => shape.properties ?? {}));
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
};

const problemResponse = { description: 'A problem (RFC 9457)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };

/** The OpenAPI 3.1 document, generated from the same zod schemas the routes parse with. */
export const openApiDocument = (
  info: { title: string; version: string; description?: string },
  routes: readonly Route[],
  common: readonly CommonHeader[] = [],
) => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses ?? { 200: { description: 'OK' } })) {
      responses[status] = {
        description: response.description,
        ...(response.headers
          ? { headers: Object.fromEntries(Object.entries(response.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }])) }
          : {}),
        ...(response.schema ? { content: { 'application/json': { schema: jsonSchema(response.schema, 'output') } } } : {}),
      };
    }
    responses['4XX'] = { ...problemResponse, description: 'A problem with the request (RFC 9457)' };
    responses['5XX'] = { ...problemResponse, description: 'The service cannot answer now (RFC 9457); retry later' };
    const headers = commonFor(route, common).map((h) => ({
      name: h.name,
      in: 'header',
      required: false,
      description: h.description,
      schema: jsonSchema(h.schema, 'input'),
    }));
    const operations = paths[path] ?? {};
    paths[path] = operations;
    operations[route.method] = {
      operationId: `${route.method}${path.replace(/\{([A-Za-z_]+)\}/g, 'By-$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: route.summary,
      tags: route.tags,
      security: route.auth === 'none' ? [] : route.auth === 'optional' ? [{}, { bearer: [] }] : [{ bearer: [] }],
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query'), ...headers, ...parameters(route.headers, 'header')],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
      responses,
    };
  }
  const tags = [...new Set(routes.flatMap((route) => route.tags))].sort().map((name) => ({ name, description: `Routes about ${name}` }));
  return {
    openapi: '3.1.0',
    info: { ...info, license: { name: 'Proprietary', identifier: 'LicenseRef-StayHub' } },
    servers: [{ url: '/', description: 'This server' }],
    tags,
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status'],
          properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' } },
        },
      },
    },
  };
};
