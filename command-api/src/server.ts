import type { Express } from 'express';
import { corsOriginsOf, createHttpApp, idempotency, metricsContentType, metricsText, SecuritySettings, WorkflowRunner, type Route } from '@stayhub/infra';
import type { CommandDeps } from './shared/deps.ts';
import { identityRoutes } from './identity/routes.ts';
import { listingRoutes } from './listings/routes.ts';
import { bookingRoutes } from './bookings/routes.ts';
import { rateLimits } from './security/rate-limits.ts';
import { commerceRoutes } from './commerce/index.ts';
import { operationsRoutes, refreshParkedMetrics } from './operations/routes.ts';

export const commandRoutes = (deps: CommandDeps): Route[] => [...identityRoutes(deps), ...listingRoutes(deps), ...bookingRoutes(deps), ...commerceRoutes(deps), ...operationsRoutes(deps)];

/** The command API as an express app, separate from `listen()` so tests drive the real thing in process. */
export const createCommandApi = (deps: CommandDeps): Express =>
  createHttpApp({
    title: 'StayHub command API',
    description: 'Commands append events; answers carry a consistency token for read-your-writes on the query API.',
    routes: commandRoutes(deps),
    tokens: deps.tokens,
    before: [...rateLimits(SecuritySettings.parse(deps.settings)), idempotency(deps.pool)],
    corsOrigins: corsOriginsOf(deps.settings.CORS_ORIGINS),
    logError: (error, req) => deps.log.error({ err: error, method: req.method, url: req.url }, 'unhandled error'),
    extra: (app) => {
      app.get('/health', async (_req, res) => {
        try {
          const [head, workflows] = await Promise.all([deps.eventStore.headPosition(), WorkflowRunner.health(deps.pool, deps.clock.now())]);
          res.json({ status: 'ok', eventStore: { status: 'ok', head }, workflows });
        } catch (error) {
          res.status(503).json({ status: 'unavailable', eventStore: { status: 'down', error: String(error) } });
        }
      });
      app.get('/metrics', async (_req, res) => {
        await refreshParkedMetrics(deps).catch((error: unknown) => deps.log.warn({ err: error }, 'parked task counts unavailable for /metrics'));
        res.type(metricsContentType).send(await metricsText());
      });
    },
  });
