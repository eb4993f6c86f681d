import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, OwnTransactions, PostgresEventStore, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { CHECKPOINT_CHANNEL, CheckpointChanges, CheckpointMoved, eachEvent, readCheckpoint, type PgProjection } from '@stayhub/read-models';
import { PostgresCheckpoints } from '../kafka/checkpoints.ts';
import { applyPgFromLog, migrateLogProjections } from './log-runner.ts';
import { applyBatch, migrateProjector, runPgProjections } from './pg-runner.ts';

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
  const payloads: string[] = [];
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 6);
    events = await PostgresEventStore.create(pool, { pollIntervalMs: 20 });
    await migrateProjector(pool, [probe]);
    listener = await pool.connect();
    // What a woken reader would find: the checkpoint at the moment it is told.
    listener.on('notification', (message) => {
      payloads.push(message.payload ?? '');
      void readCheckpoint(pool, 'probe').then((position) => heard.push(position));
    });
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

  it("a live batch's announcement is a statement of its own transaction: heard at its commit with what it changed, never for one rolled back", async () => {
    const changes = new CheckpointChanges(pool, { recheckMs: 60_000 });
    await changes.start();
    try {
      const stream = `probe-${randomUUID()}`;
      await events.append(stream, [{ eventId: randomUUID(), type: 'Probed', data: {} }], 'no_stream');
      await events.append(stream, [{ eventId: randomUUID(), type: 'Probed', data: {} }], 0);
      const from = await readCheckpoint(pool, 'probe');
      const [first, second] = await events.readAll({ after: from, maxCount: 2 });
      const own = new OwnTransactions();
      payloads.length = 0;
      heard.length = 0;
      const noLog = () => undefined;
      await applyBatch(pool, probe, 'probe', [first!], noLog, from, { ownTransactions: own, announce: true });
      // The checkpoint moved away from `from`: the batch rolls back, and its NOTIFY with it.
      await expect(applyBatch(pool, probe, 'probe', [second!], noLog, from, { ownTransactions: own, announce: true })).rejects.toBeInstanceOf(CheckpointMoved);
      await applyBatch(pool, probe, 'probe', [second!], noLog, first!.globalPosition, { ownTransactions: own, announce: true });
      // Notifications arrive in commit order: once the second batch's is heard, any of the rolled-back one's would have been too.
      await expect.poll(() => payloads.length, { timeout: 20_000 }).toBe(2);
      expect(payloads).toEqual([`probe=${first!.globalPosition}`, `probe=${second!.globalPosition}`]);
      // A reader woken by it finds the checkpoint there already (never before the commit).
      await expect.poll(() => heard.length, { timeout: 20_000 }).toBe(2);
      for (const [i, position] of heard.entries()) expect(position >= [first!, second!][i]!.globalPosition).toBe(true);
      // A cache keyed by the announced changes sees them.
      await expect.poll(() => changes.versionOf(['probe']).endsWith(`/${second!.globalPosition}`), { timeout: 20_000 }).toBe(true);
    } finally {
      await changes.close();
    }
  });
});
