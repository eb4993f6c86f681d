import type { Express } from 'express';
import { isMissingTable } from '@stayhub/event-sourcing';
import { byAddress, createHttpApp, leasedFromPrimary, rateLimiter, type Route } from '@stayhub/http-kit';
import { Token } from './shared/consistency.ts';
import type { QueryDeps } from './shared/deps.ts';
import { listingRoutes } from './listings/routes.ts';
import { bookingRoutes } from './bookings/routes.ts';
import { commerceQueryRoutes } from './commerce/index.ts';
import { reviewRoutes } from './reviews/routes.ts';
import { userRoutes } from './users/routes.ts';
import { calendarRoutes } from './calendar/routes.ts';
import { payoutRoutes } from './payouts/routes.ts';
import { hostRoutes } from './hosts/routes.ts';
import { notificationRoutes } from './notifications/routes.ts';

const queryRoutes = (deps: QueryDeps): Route[] => [
  ...listingRoutes(deps),
  ...bookingRoutes(deps),
  ...commerceQueryRoutes(deps),
  ...userRoutes(deps),
  ...reviewRoutes(deps),
  ...calendarRoutes(deps),
  ...payoutRoutes(deps),
  ...hostRoutes(deps),
  ...notificationRoutes(deps),
];

/** The query API: reads only read models, never the event store. */
export const createQueryApi = (deps: QueryDeps, options: { lean?: boolean } = {}): Express =>
  createHttpApp({
    ...options,
    title: 'StayHub query API',
    description: "Reads of the read models. Pass a command response's consistency token as `?after=` to read your own write.",
    routes: queryRoutes(deps),
    tokens: deps.tokens,
    // Reads are anonymous and cheap, not free: one address cannot take the event loop for itself.
    before: deps.rateLimit
      ? [
          rateLimiter({
            name: 'queries-per-address',
            windowMs: deps.rateLimit.windowMs,
            limit: deps.rateLimit.perAddress,
            key: byAddress,
            ...(deps.rateLimit.acrossWorkers ? { counter: leasedFromPrimary } : {}),
          }),
        ]
      : [],
    corsOrigins: deps.corsOrigins,
    // A read model its projector has not created yet (a brand-new database, the first second of a start).
    notReady: isMissingTable,
    headers: [
      {
        name: 'X-Consistency-Token',
        methods: ['get'],
        description: "A command response's consistency token: the read waits (briefly) until the read model has applied that write",
        schema: Token,
      },
    ],
    logError: (error, req) => deps.log.error({ err: error, method: req.method, url: req.url }, 'unhandled error'),
    log: deps.log,
    extra: (app) => {
      app.get('/health', async (_req, res) => {
        try {
          const { rows } = await deps.pool.query<{ name: string; position: string; updated_at: Date }>(
            'SELECT name, position, updated_at FROM projection_checkpoints ORDER BY name',
          );
          res.json({ status: 'ok', readModels: rows.map((r) => ({ name: r.name, position: r.position, updatedAt: r.updated_at })) });
        } catch (error) {
          res.status(503).json({ status: 'unavailable', error: String(error) });
        }
      });
    },
  });
