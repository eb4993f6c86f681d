import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { requireUser, type AuthUser, type Role } from './auth.ts';

export type Reply = { status?: number; body?: unknown; headers?: Record<string, string> };

export type RouteInput<P, Q, B> = {
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
  responses?: Record<number, { description: string; schema?: Schema }>;
  /** `in-append`: the handler records its answer to an `Idempotency-Key` in its own append (`answerOnce`). */
  idempotency?: 'in-append';
  handler: (input: RouteInput<Out<P>, Out<Q>, Out<B>>) => Promise<Reply>;
};

export type Route = RouteSpec<Schema | undefined, Schema | undefined, Schema | undefined>;

/** A route whose params, query and body are parsed with zod before the handler runs. */
export const defineRoute = <P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined>(
  spec: RouteSpec<P, Q, B>,
): Route => spec as unknown as Route;

const run =
  (route: Route): RequestHandler =>
  async (req, res) => {
    if (route.auth === 'user') requireUser(req.user, ...(route.roles ?? []));
    const input: RouteInput<unknown, unknown, unknown> = {
      params: route.params ? route.params.parse(req.params) : undefined,
      query: route.query ? route.query.parse(req.query) : undefined,
      body: route.body ? route.body.parse(req.body ?? {}) : undefined,
      user: req.user,
      req,
      res,
    };
    const reply = await route.handler(input);
    if (reply.headers) res.set(reply.headers);
    const status = reply.status ?? 200;
    if (reply.body === undefined) res.status(status).send();
    else res.status(status).json(reply.body);
  };

/** Mounts each route with the handlers that need to know which route it is (e.g. the idempotency scope). */
export const mountRoutes = (router: Router, routes: readonly Route[], perRoute: (route: Route) => RequestHandler[] = () => []): void => {
  for (const route of routes) router[route.method](route.path, ...perRoute(route), run(route));
};

const jsonSchema = (schema: Schema, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });

const parameters = (schema: Schema | undefined, where: 'path' | 'query') => {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
};

/** The OpenAPI 3.1 document, generated from the same zod schemas the routes parse with. */
export const openApiDocument = (info: { title: string; version: string; description?: string }, routes: readonly Route[]) => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses ?? { 200: { description: 'OK' } })) {
      responses[status] = {
        description: response.description,
        ...(response.schema ? { content: { 'application/json': { schema: jsonSchema(response.schema, 'output') } } } : {}),
      };
    }
    responses.default = { description: 'A problem (RFC 9457)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
    (paths[path] ??= {})[route.method] = {
      summary: route.summary,
      tags: route.tags,
      ...(route.auth !== 'none' ? { security: [{ bearer: [] }] } : {}),
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: {
          type: 'object',
          properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' } },
        },
      },
    },
  };
};
