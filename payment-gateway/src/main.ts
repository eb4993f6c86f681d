import { pino } from 'pino';
import { loadConfig } from '@stayhub/platform-kit';
import { onStopSignal } from '@stayhub/http-kit';
import { startGatewayServer } from './server.ts';

/** The simulated payment gateway as its own process: `npx tsx payment-gateway/src/main.ts`. */
const config = loadConfig();
const logger = pino({ name: 'payment-gateway', level: config.LOG_LEVEL });
const server = await startGatewayServer({
  port: config.PAYMENT_GATEWAY_PORT,
  host: '0.0.0.0',
  webhookSecret: config.PAYMENT_WEBHOOK_SECRET,
  logger,
});
logger.info({ url: server.url }, 'simulated payment gateway listening');

const shutdown = async (signal: string) => {
  logger.info({ signal }, 'stopping');
  await server.close();
  process.exit(0);
};
onStopSignal(shutdown);
