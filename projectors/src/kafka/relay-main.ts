/**
 * The relay as its own process (`LOG=kafka`): event store → Kafka, one topic per context, keyed by
 * stream id. The image runs its bundle as `node dist/relay.js` (`APP=relay`).
 * Health and metrics on `RELAY_PORT` (3004).
 */
import express from 'express';
import { onStopSignal } from '@stayhub/http-kit';
import { createPool, checkReachable, eventStoreFromConfig } from '@stayhub/event-sourcing';
import { createLogger, loadConfig, metricsContentType, metricsText } from '@stayhub/platform-kit';
import { ensureTopics } from './admin.ts';
import { PostgresCheckpoints } from './checkpoints.ts';
import { kafkaFromConfig } from './from-config.ts';
import { KafkaRelay } from './relay.ts';
import { relayMetrics } from '../metrics.ts';

const config = loadConfig();
const log = createLogger('relay', config.LOG_LEVEL);
if (config.LOG !== 'kafka') throw new Error(`The relay publishes to Kafka: set LOG=kafka and KAFKA_BROKERS (LOG=${config.LOG})`);
if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set: the relay keeps its checkpoint in PostgreSQL');
await checkReachable(config, { servers: ['postgres', 'esdb', 'kafka'] });

const pool = createPool(config.DATABASE_URL, 4);
const eventStore = await eventStoreFromConfig(config, pool);
const kafka = kafkaFromConfig(config, 'stayhub-relay');
// Topics made by the compose file are left as they are; a cluster that auto-creates them needs nothing.
await ensureTopics(kafka).then(
  (created) => created.length > 0 && log.info({ created }, 'topics created'),
  (error: unknown) => log.warn({ err: String(error) }, 'could not create topics; relying on the cluster having or auto-creating them'),
);
const relay = new KafkaRelay({ eventStore, kafka, checkpoints: await PostgresCheckpoints.create(pool), logger: log });
const stop = new AbortController();
const running = relay.start(stop.signal);
running.catch((error: unknown) => {
  log.fatal({ err: String(error) }, 'relay stopped');
  process.exit(1);
});

const measure = relayMetrics();
const status = () => {
  const current = relay.status();
  measure(current);
  return current;
};

const port = config.RELAY_PORT;
const app = express();
app.get('/health', (_req, res) => {
  const current = status();
  res.status(current.running ? 200 : 503).json({ status: current.running ? 'ok' : 'stopped', relay: current });
});
app.get('/metrics', async (_req, res) => {
  status();
  res.type(metricsContentType).send(await metricsText());
});
const server = app.listen(port, () => log.info(`relay running; health on ${port}`));

const shutdown = async () => {
  log.info('stopping: the batch in hand is checkpointed only if Kafka acknowledged it');
  stop.abort();
  server.close();
  await running.catch(() => undefined);
  await eventStore.close();
  await pool.end();
  process.exit(0);
};
onStopSignal(shutdown);
