import { loadConfig, createLogger, waitForDatabase } from '@stayhub/infra';
import { paymentGatewayFromConfig } from '@stayhub/infra/payments/from-config';
import { meteredGateway } from '@stayhub/infra/payments/metrics';
import { checkReachable } from '@stayhub/infra/config/reachability';
import { closeGracefully, onStopSignal } from '@stayhub/infra/http/shutdown';
import { composeCommandSide } from './compose.ts';
import { createCommandApi } from './server.ts';

const config = loadConfig();
const log = createLogger('command-api', config.LOG_LEVEL);
if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set: start the platform with `npm start`, which provides one');
// A database that is not up yet is waited for, not a reason to exit (the launcher may be restarting it).
await waitForDatabase(config.DATABASE_URL, { log: (message) => log.warn(message) });
// Only the write side's own servers: search, the log or a read store being down must not stop bookings.
await checkReachable(config, { servers: ['postgres', 'esdb'] });

const side = await composeCommandSide({
  databaseUrl: config.DATABASE_URL,
  config,
  log,
  gateway: meteredGateway(paymentGatewayFromConfig(config)),
});
const stop = new AbortController();
const workflows = side.workflows.run(stop.signal);
const server = createCommandApi(side.deps).listen(config.COMMAND_API_PORT, () => log.info(`command-api listening on ${config.COMMAND_API_PORT}`));

const shutdown = async () => {
  log.info('shutting down: no new requests, finishing in-flight ones');
  const closed = closeGracefully(server);
  stop.abort();
  await workflows.catch(() => undefined);
  await closed;
  await side.close();
  process.exit(0);
};
onStopSignal(shutdown);
