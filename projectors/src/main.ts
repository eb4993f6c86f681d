import express from 'express';
import { createLogger, createPool, loadConfig, metricsContentType, metricsText, PostgresEventStore, gauge } from '@stayhub/infra';
import { connectAvailabilityStore } from '@stayhub/infra/read-stores/availability/from-config';
import { runProjectors } from './compose.ts';
import { pgProjections } from './projections.ts';
import { projectionStatus } from './runner/pg-runner.ts';

const config = loadConfig();
const log = createLogger('projectors', config.LOG_LEVEL);
if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set: start the platform with `npm start`, which provides one');

const pool = createPool(config.DATABASE_URL, 10);
const eventStore = await PostgresEventStore.create(pool);
const stop = new AbortController();
const availability = await connectAvailabilityStore(config);
const running = runProjectors(pool, eventStore, stop.signal, (message, context) => log.warn(context ?? {}, message), availability ? { availability } : {});

const lag = gauge('projection_lag_events', 'Events not yet applied', ['projection']);
const parked = gauge('projection_parked_events', 'Events parked after failing', ['projection']);
const status = async () => {
  const all = await projectionStatus(pool, pgProjections.map((p) => p.name));
  for (const s of all) {
    lag.set({ projection: s.name }, s.lag);
    parked.set({ projection: s.name }, s.parked);
  }
  return all;
};

const port = Number(process.env.PROJECTORS_PORT ?? 3003);
const app = express();
app.get('/health', async (_req, res) => {
  try {
    res.json({ status: 'ok', projections: await status() });
  } catch (error) {
    res.status(503).json({ status: 'unavailable', error: String(error) });
  }
});
app.get('/metrics', async (_req, res) => {
  await status().catch(() => undefined);
  res.type(metricsContentType).send(await metricsText());
});
const server = app.listen(port, () => log.info(`projectors running; health on ${port}`));

const shutdown = async () => {
  log.info('stopping: finishing the batch in hand and committing checkpoints');
  stop.abort();
  server.close();
  await running.catch(() => undefined);
  await eventStore.close();
  await availability?.close();
  await pool.end();
  process.exit(0);
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
