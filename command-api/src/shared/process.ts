import type { Express } from 'express';
import { waitForDatabase, checkReachable } from '@stayhub/event-sourcing';
import { serveMetricsPort, closeGracefully, onStopSignal } from '@stayhub/http-kit';
import { createLogger, loadConfig, lowerPriority, type Config, type Logger } from '@stayhub/platform-kit';
import { paymentGatewayFromConfig, meteredGateway } from '@stayhub/payments';
import { composeCommandSide, type CommandSide } from '../compose.ts';

/**
 * A process of the command side (the API, the workflow runner): its configuration, the database
 * waited for (the launcher may be restarting it), the command side composed, the workflows run when
 * `workflows` says so, `app` served on `port`; SIGTERM finishes in-flight requests and the tasks in
 * hand, then exits 0.
 */
export const runCommandSideProcess = async (options: {
  name: string;
  workflows: (config: Config) => boolean;
  app: (side: CommandSide) => Express;
  port: (config: Config) => number;
  /** The niceness the process lowers itself to before it starts work (0: as started). */
  nice?: (config: Config) => number;
}): Promise<void> => {
  const config = loadConfig();
  const log: Logger = createLogger(options.name, config.LOG_LEVEL);
  const nice = lowerPriority(options.nice?.(config) ?? 0);
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set: start the platform with `npm start`, which provides one');
  await waitForDatabase(config.DATABASE_URL, { log: (message) => log.warn(message) });
  // Only the write side's own servers: search, the log or a read store being down must not stop bookings.
  await checkReachable(config, { servers: ['postgres', 'esdb'] });

  const side = await composeCommandSide({ databaseUrl: config.DATABASE_URL, config, log, gateway: meteredGateway(paymentGatewayFromConfig(config)) });
  const stop = new AbortController();
  const workflows = options.workflows(config) ? side.workflows.run(stop.signal) : Promise.resolve();
  const port = options.port(config);
  const app = options.app(side);
  const server = app.listen(port, () => log.info(`${options.name} listening on ${port}, niceness ${nice}`));
  const metricsServer = serveMetricsPort(app, config.METRICS_PORT, log);

  const shutdown = async () => {
    log.info('shutting down: no new requests, finishing in-flight ones and the tasks in hand');
    const closed = closeGracefully(server);
    metricsServer?.close();
    stop.abort();
    await workflows.catch(() => undefined);
    await closed;
    await side.close();
    process.exit(0);
  };
  onStopSignal(shutdown);
};
