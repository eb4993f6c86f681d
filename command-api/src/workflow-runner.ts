import { loadConfig, createLogger, waitForDatabase } from '@stayhub/infra';
import { paymentGatewayFromConfig } from '@stayhub/infra/payments/from-config';
import { meteredGateway } from '@stayhub/infra/payments/metrics';
import { checkReachable } from '@stayhub/infra/config/reachability';
import { closeGracefully } from '@stayhub/infra/http/shutdown';
import { composeCommandSide } from './compose.ts';
import { createWorkflowRunnerApp } from './operations/workflow-runner-app.ts';

/**
 * The workflows in a process of their own (`WORKFLOWS_IN=own-process`, what `npm start` runs), so
 * that payments, confirmations and mail take their CPU from another core than the command API's.
 * Their commands go through this process's own command processor: a stream the command API appended
 * to meanwhile is a conflict, re-read and decided again, exactly as between two command APIs.
 */
const config = loadConfig();
const log = createLogger('workflow-runner', config.LOG_LEVEL);
if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set: start the platform with `npm start`, which provides one');
await waitForDatabase(config.DATABASE_URL, { log: (message) => log.warn(message) });
await checkReachable(config, { servers: ['postgres', 'esdb'] });

const side = await composeCommandSide({ databaseUrl: config.DATABASE_URL, config, log, gateway: meteredGateway(paymentGatewayFromConfig(config)) });
const stop = new AbortController();
const workflows = side.workflows.run(stop.signal);
const server = createWorkflowRunnerApp(side.deps).listen(config.WORKFLOWS_PORT, () => log.info(`workflow runner running; health on ${config.WORKFLOWS_PORT}`));

const shutdown = async () => {
  log.info('shutting down: finishing the tasks in hand');
  const closed = closeGracefully(server);
  stop.abort();
  await workflows.catch(() => undefined);
  await closed;
  await side.close();
  process.exit(0);
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
