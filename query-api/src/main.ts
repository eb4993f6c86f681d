import type { Server } from 'node:http';
import { waitForDatabase, checkReachable } from '@stayhub/event-sourcing';
import { serveMetricsPort, closeGracefully, serveInWorkers } from '@stayhub/http-kit';
import { createLogger, loadConfig } from '@stayhub/platform-kit';
import { composeQuerySide } from './compose.ts';
import { createQueryApi } from './server.ts';

const config = loadConfig();
const databaseUrl = config.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is not set: start the platform with `npm start`, which provides one');
const log = createLogger('query-api', config.LOG_LEVEL);

// QUERY_API_WORKERS processes on the one port; each its own caches, pool and announcement listener.
await serveInWorkers({
  name: 'query-api',
  workers: config.QUERY_API_WORKERS,
  log,
  prepare: async () => {
    await waitForDatabase(databaseUrl, { log: (message) => log.warn(message) });
    await checkReachable(config, { servers: ['postgres', 'elasticsearch', 'redis', 'cassandra'] });
  },
  serve: async (worker) => {
    const deps = composeQuerySide({ databaseUrl, config, workers: worker === undefined ? 1 : config.QUERY_API_WORKERS });
    const app = createQueryApi(deps);
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(config.QUERY_API_PORT, () => resolve(listening));
    });
    deps.log.info(`query-api listening on ${config.QUERY_API_PORT}${worker === undefined ? '' : ` (worker ${worker})`}`);
    const metricsServer = serveMetricsPort(app, config.METRICS_PORT, deps.log);
    return {
      server,
      stop: async () => {
        metricsServer?.close();
        await closeGracefully(server);
        await deps.close();
      },
    };
  },
});
