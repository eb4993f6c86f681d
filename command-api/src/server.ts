import type { Express } from 'express';
import { z } from 'zod';
import { corsOriginsOf, createHttpApp, gauge, idempotency, SecuritySettings, WorkflowRunner, type Route, type WorkflowHealth } from '@stayhub/infra';
import { positionNumber } from '@stayhub/infra/event-store/lag';
import type { CommandDeps } from './shared/deps.ts';
import { identityRoutes } from './identity/routes.ts';
import { listingRoutes } from './listings/routes.ts';
import { bookingRoutes } from './bookings/routes.ts';
import { rateLimits } from './security/rate-limits.ts';
import { commerceRoutes } from './commerce/index.ts';
import { operationsRoutes, refreshTaskMetrics } from './operations/routes.ts';

export const commandRoutes = (deps: CommandDeps): Route[] => [...identityRoutes(deps), ...listingRoutes(deps), ...bookingRoutes(deps), ...commerceRoutes(deps), ...operationsRoutes(deps)];

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
        schema: z.string().regex(/^[\x21-\x7e]{1,255}$/, '1 to 255 visible ASCII characters').optional(),
      },
    ],
    corsOrigins: corsOriginsOf(deps.settings.CORS_ORIGINS),
    logError: (error, req) => deps.log.error({ err: error, method: req.method, url: req.url }, 'unhandled error'),
    log: deps.log,
    refreshMetrics: () =>
      Promise.all([
        status(),
        refreshTaskMetrics(deps).catch((error: unknown) => deps.log.warn({ err: error }, 'workflow task counts unavailable for /metrics')),
      ]),
    extra: (app) => {
      app.get('/health', async (_req, res) => {
        try {
          const [head, workflows] = await Promise.all([deps.eventStore.headPosition(), status()]);
          const stuck = workflows.subscriptions.filter((s) => s.stuck).map((s) => s.workflow);
          res.status(stuck.length > 0 ? 503 : 200).json({
            status: stuck.length > 0 ? 'degraded' : 'ok',
            ...(stuck.length > 0 ? { problems: stuck.map((w) => `workflow ${w} is stuck: its subscription keeps failing`) } : {}),
            eventStore: { status: 'ok', head },
            workflows,
          });
        } catch (error) {
          res.status(503).json({ status: 'unavailable', eventStore: { status: 'down', error: String(error) } });
        }
      });
    },
  });
};

/** The workflows' health, copied into the metrics gauges on each read. */
const workflowStatus = (deps: CommandDeps) => {
  const lag = gauge('workflow_subscription_lag_events', 'Events a workflow subscription has not reacted to yet (unknown: absent)', ['workflow']);
  const parked = gauge('workflow_parked_events', 'Events a workflow could not react to and parked', ['workflow']);
  const stuck = gauge('workflow_subscription_stuck', '1 while a workflow subscription keeps failing past the health limit', ['workflow']);
  const failing = gauge('workflow_subscription_failing', '1 while the last attempt of a workflow subscription failed', ['workflow']);
  const tasks = gauge('workflow_tasks', 'Workflow tasks by state', ['state']);
  const position = gauge('workflow_subscription_position', "A workflow subscription's position in the log (PostgreSQL's global position, KurrentDB's prepare position)", ['workflow']);
  return async (): Promise<WorkflowHealth> => {
    const health = await WorkflowRunner.health(deps.pool, deps.clock.now(), { eventStore: deps.eventStore });
    for (const s of health.subscriptions) {
      if (s.lag === null) lag.remove({ workflow: s.workflow });
      else lag.set({ workflow: s.workflow }, s.lag);
      parked.set({ workflow: s.workflow }, s.parked);
      position.set({ workflow: s.workflow }, positionNumber(s.position));
      stuck.set({ workflow: s.workflow }, s.stuck ? 1 : 0);
      failing.set({ workflow: s.workflow }, s.failingSince ? 1 : 0);
    }
    for (const state of ['pending', 'overdue', 'parked'] as const) tasks.set({ state }, health[state]);
    return health;
  };
};
