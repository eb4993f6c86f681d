import { createPool, waitForDatabase, checkReachable, eventStoreFromConfig } from '@stayhub/event-sourcing';
import { createHttpApp, jwtTokens, serveMetricsPort, onStopSignal } from '@stayhub/http-kit';
import { corsOriginsOf, createLogger, loadConfig } from '@stayhub/platform-kit';
import {
  connectAvailabilityStore,
  readStoreClientsFromConfig,
  bookingHistoryCassandra,
  listingSearchElasticsearch,
  productSearchElasticsearch,
  orderHistoryCassandra,
} from '@stayhub/read-models';
import { RebuildJobs } from './admin/rebuilds.ts';
import { adminRoutes } from './admin/routes.ts';
import { withAvailabilityStore } from './replay/availability-store.ts';
import { pgRebuildAdapter } from './replay/pg-target.ts';
import { withSearchIndexes } from './replay/search-index-target.ts';
import { pgEventSource } from './replay/sources.ts';
import { runProjectors, startLogProjectors, type ProjectorOptions } from './compose.ts';
import { kafkaFromConfig } from './kafka/from-config.ts';
import { projectionMetrics } from './metrics.ts';
import { pgProjections } from './projections.ts';
import type { LogProjectionStatus } from './runner/log-runner.ts';
import { projectionStatus, type RunnerLog } from './runner/pg-runner.ts';

const config = loadConfig();
const log = createLogger('projectors', config.LOG_LEVEL);
if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set: start the platform with `npm start`, which provides one');
await waitForDatabase(config.DATABASE_URL, { log: (message) => log.warn(message) });
await checkReachable(config);

const pool = createPool(config.DATABASE_URL, 10);
const eventStore = await eventStoreFromConfig(config, pool);
const stop = new AbortController();
const availability = await connectAvailabilityStore(config);
const clients = readStoreClientsFromConfig(config);
const { elasticsearch, cassandra } = clients;
const searchIndexes = elasticsearch
  ? [listingSearchElasticsearch(elasticsearch, clients.listingsAlias), productSearchElasticsearch(elasticsearch, clients.productsAlias)]
  : [];
const options: ProjectorOptions = {
  ...(availability ? { availability } : {}),
  external: [
    ...searchIndexes,
    ...(cassandra
      ? [
          bookingHistoryCassandra(cassandra.client, cassandra.keyspace, { replication: cassandra.replication }),
          orderHistoryCassandra(cassandra.client, cassandra.keyspace, { replication: cassandra.replication }),
        ]
      : []),
  ],
};
const runnerLog: RunnerLog = (message, context, level = 'warn') => log[level](context ?? {}, message);
const fromLog =
  config.LOG === 'kafka'
    ? await startLogProjectors(pool, stop.signal, runnerLog, { ...options, kafka: { kafka: kafkaFromConfig(config, 'stayhub-projectors'), logger: log } })
    : undefined;
const running = fromLog ? fromLog.done : runProjectors(pool, eventStore, stop.signal, runnerLog, options);

const metrics = projectionMetrics();
const consumerStatus = async (): Promise<LogProjectionStatus[] | undefined> => {
  const consumers = await fromLog?.status();
  if (consumers) metrics.consumers(consumers);
  return consumers;
};
const status = async () => {
  const projections = await projectionStatus(
    pool,
    pgProjections.map((p) => p.name),
    { eventStore },
  );
  metrics.projections(projections);
  const consumers = await consumerStatus();
  return { projections, ...(consumers ? { consumers } : {}) };
};

const port = config.PROJECTORS_PORT;
const app = createHttpApp({
  title: 'StayHub projectors',
  description: 'Health, metrics and the operator routes of the projectors (admin role).',
  routes: adminRoutes({
    pool,
    projections: pgProjections,
    eventStore,
    now: () => new Date(),
    // Rebuilds from the operator page read the PostgreSQL event store, as the replay tool does.
    ...(config.EVENT_STORE === 'postgres'
      ? {
          rebuilds: new RebuildJobs({
            pool,
            events: pgEventSource(pool),
            adapter: withSearchIndexes(
              withAvailabilityStore(pgRebuildAdapter(pool, pgProjections, runnerLog), pool, availability, runnerLog),
              pool,
              elasticsearch && { client: elasticsearch, projections: searchIndexes },
              runnerLog,
            ),
            log: (line) => log.info(line),
          }),
        }
      : {}),
  }),
  tokens: jwtTokens(config.JWT_SECRET, config.JWT_TTL_MINUTES),
  corsOrigins: corsOriginsOf(config.CORS_ORIGINS),
  logError: (error, req) => log.error({ err: error, method: req.method, url: req.url }, 'unhandled error'),
  log: log,
  // `/metrics` is the kit's (an admin token reads it), the projections' gauges brought up to date first.
  refreshMetrics: () => status(),
  extra: (app) => {
    app.get('/health', async (_req, res) => {
      try {
        res.json({ status: 'ok', ...(await status()) });
      } catch (error) {
        res.status(503).json({ status: 'unavailable', error: String(error) });
      }
    });
  },
});
const server = app.listen(port, () => log.info(`projectors running (${config.LOG === 'kafka' ? 'from Kafka' : 'from the event store'}); health on ${port}`));
const metricsServer = serveMetricsPort(app, config.METRICS_PORT, log);

const shutdown = async () => {
  log.info('stopping: finishing the batch in hand and committing checkpoints');
  stop.abort();
  server.close();
  metricsServer?.close();
  await running.catch(() => undefined);
  await eventStore.close();
  await availability?.close();
  await clients.close();
  await pool.end();
  process.exit(0);
};
onStopSignal(shutdown);
