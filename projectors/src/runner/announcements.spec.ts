import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, PostgresEventStore, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { CHECKPOINT_CHANNEL, eachEvent, readCheckpoint, type PgProjection } from '@stayhub/read-models';
import { PostgresCheckpoints } from '../kafka/checkpoints.ts';
import { applyPgFromLog, migrateLogProjections } from './log-runner.ts';
import { migrateProjector, runPgProjections } from './pg-runner.ts';

/** A projection that only counts what it applied: the checkpoint is what matters here. */
const probe: PgProjection = {
  name: 'probe',
  handles: new Set(['Probed']),
  migrate: async (client, target) => void (await client.query(`CREATE TABLE IF NOT EXISTS ${target} (event_id uuid PRIMARY KEY)`)),
  index: async () => undefined,
  fold: eachEvent(async (client, event, target) => void (await client.query(`INSERT INTO ${target} VALUES ($1) ON CONFLICT DO NOTHING`, [event.eventId]))),
  drop: async (client, target) => void (await client.query(`DROP TABLE IF EXISTS ${target}`)),
};

/*
 * Read-your-writes waits on announcements, not a poll: each runner announces on the checkpoint
 * channel once the transaction that moved a checkpoint committed (a reader woken earlier would find
 * it not moved yet and wait again).
 */
describe('projectors announce moved checkpoints after the commit', () => {
  let pool: Pool;
  let events: PostgresEventStore;
  let listener: PoolClient;
  const heard: string[] = [];
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 6);
    events = await PostgresEventStore.create(pool, { pollIntervalMs: 20 });
    await migrateProjector(pool, [probe]);
    listener = await pool.connect();
    // What a woken reader would find: the checkpoint at the moment it is told.
    listener.on('notification', () => void readCheckpoint(pool, 'probe').then((position) => heard.push(position)));
    await listener.query(`LISTEN ${CHECKPOINT_CHANNEL}`);
  });
  afterAll(async () => {
    await listener.query(`UNLISTEN ${CHECKPOINT_CHANNEL}`);
    listener.release();
    await events.close();
    await pool.end();
  });

  it('the event store runner, once per batch, with the checkpoint already there', async () => {
    heard.length = 0;
    const stop = new AbortController();
    const running = runPgProjections(pool, events, [probe], stop.signal);
    try {
      const { position } = await events.append(`probe-${randomUUID()}`, [{ eventId: randomUUID(), type: 'Probed', data: {} }], 'no_stream');
      await expect.poll(() => heard.includes(position), { timeout: 20_000 }).toBe(true);
    } finally {
      stop.abort();
      await running;
    }
  });

  it('the log runner after a partition batch, and the relay after saving new heads', async () => {
    await migrateLogProjections(pool);
    heard.length = 0;
    const [event] = await events.readAll({ maxCount: 1 });
    await applyPgFromLog(pool, probe, 'probe', [event!], { topic: 'stayhub.probe', partition: 0 });
    await expect.poll(() => heard.length, { timeout: 20_000 }).toBeGreaterThan(0);
    heard.length = 0;
    const relay = await PostgresCheckpoints.create(pool);
    await relay.save('relay', event!.globalPosition, [{ topic: 'stayhub.probe', partition: 0, position: event!.globalPosition }]);
    await expect.poll(() => heard.length, { timeout: 20_000 }).toBeGreaterThan(0);
  });
});
