import type { Express } from 'express';
import { z } from 'zod';
import { createHttpApp, idempotency, type Route } from '@stayhub/http-kit';
import { corsOriginsOf, SecuritySettings } from '@stayhub/platform-kit';
import type { CommandDeps } from './shared/deps.ts';
import { identityRoutes } from './identity/routes.ts';
import { listingRoutes } from './listings/routes.ts';
import { bookingRoutes } from './bookings/routes.ts';
import { rateLimits } from './security/rate-limits.ts';
import { commerceRoutes } from './commerce/index.ts';
import { operationsRoutes, refreshTaskMetrics } from './operations/routes.ts';
import { workflowHealthBody, workflowStatus } from './operations/workflow-status.ts';

const commandRoutes = (deps: CommandDeps): Route[] => [
  ...identityRoutes(deps),
  ...listingRoutes(deps),
  ...bookingRoutes(deps),
  ...commerceRoutes(deps),
  ...operationsRoutes(deps),
];

/** The command API as an express app, separate from `listen()` so tests drive the real thing in process. */
export const createCommandApi = (deps: CommandDeps): Express => {
  const status = workflowStatus(deps);
  return createHttpApp({
    title: 'StayHub command API',
    description: 'Commands append events; answers carry a consistency token for read-your-writes on the query API.',
    routes: commandRoutes(deps),
    tokens: deps.tokens,
    guards: rateLimits(SecuritySettings.parse(deps.settings)),
    perRoute: idempotency(deps),
    headers: [
      {
        name: 'Idempotency-Key',
        methods: ['post', 'put', 'patch'],
        description: 'A retry with the same key (and body) gets the first answer instead of running again',
        schema: z
          .string()
          .regex(/^[\x21-\x7e]{1,255}$/, '1 to 255 visible ASCII characters')
          .optional(),
      },
    ],
    corsOrigins: corsOriginsOf(deps.settings.CORS_ORIGINS),
    // Commands answer with the ETags that matter (a stream's revision); no hash of every body.
    bodyEtags: false,
    logError: (error, req) => deps.log.error({ err: error, method: req.method, url: req.url }, 'unhandled error'),
    log: deps.log,
    refreshMetrics: () =>
      Promise.all([
        status(),
        refreshTaskMetrics(deps).catch((error: unknown) => deps.log.warn({ err: error }, 'workflow task counts unavailable for /metrics')),
      ]),
    extra: (app) => {
      app.get('/health', async (_req, res) => {
        const { status: code, body } = await workflowHealthBody(deps, status);
        res.status(code).json(body);
      });
    },
  });
};
