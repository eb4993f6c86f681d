import { waitForDatabase, checkReachable } from '@stayhub/event-sourcing';
import { serveMetricsPort, closeGracefully, onStopSignal } from '@stayhub/http-kit';
import { createLogger, loadConfig } from '@stayhub/platform-kit';
import { composeQuerySide } from './compose.ts';
import { createQueryApi } from './server.ts';

const config = loadConfig();
if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set: start the platform with `npm start`, which provides one');
await waitForDatabase(config.DATABASE_URL, { log: (message) => createLogger('query-api', config.LOG_LEVEL).warn(message) });
await checkReachable(config, { servers: ['postgres', 'elasticsearch', 'redis', 'cassandra'] });
const deps = composeQuerySide({ databaseUrl: config.DATABASE_URL, config });
const app = createQueryApi(deps);
const server = app.listen(config.QUERY_API_PORT, () => deps.log.info(`query-api listening on ${config.QUERY_API_PORT}`));
const metricsServer = serveMetricsPort(app, config.METRICS_PORT, deps.log);

const shutdown = async () => {
  metricsServer?.close();
  await closeGracefully(server);
  await deps.close();
  process.exit(0);
};
onStopSignal(shutdown);
