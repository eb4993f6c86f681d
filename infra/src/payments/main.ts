import { pino } from 'pino';
import { loadConfig } from '../config/config.ts';
import { onStopSignal } from '../http/shutdown.ts';
import { startGatewayServer } from './gateway-server.ts';

/** The simulated payment gateway as its own process: `npx tsx infra/src/payments/main.ts`. */
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
