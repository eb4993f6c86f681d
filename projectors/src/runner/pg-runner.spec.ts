import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, PostgresEventStore, type Pool } from '@stayhub/infra';
import { testDatabaseUrl } from '@stayhub/infra/testing/database';
import { eachEvent, readCheckpoint, type PgProjection } from '@stayhub/read-models';
import { migrateProjector, runPgProjections, type BatchStages } from './pg-runner.ts';

/** A projection that records each event it applied once (a second application would fail on the key). */
const recorder = (name: string, gate?: { open: Promise<void> }): PgProjection => ({
  name,
  handles: new Set(['Probed']),
  migrate: async (client, target) => void (await client.query(`CREATE TABLE IF NOT EXISTS ${target} (event_id uuid PRIMARY KEY)`)),
  index: async () => undefined,
  fold: async (db, events, target) => {
    await gate?.open;
    return eachEvent(async (client, event) => void (await client.query(`INSERT INTO ${target} VALUES ($1)`, [event.eventId])))(db, events, target);
  },
  drop: async (client, target) => void (await client.query(`DROP TABLE IF EXISTS ${target}`)),
});

/*
 * One shared reader, one lane per projection: a projection slower than the others holds back only
 * itself, and takes what arrived meanwhile as one batch, each event applied once.
 */
describe('the shared reader hands batches to each projection at its own pace', () => {
  let pool: Pool;
  let events: PostgresEventStore;
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 8);
    events = await PostgresEventStore.create(pool, { pollIntervalMs: 20 });
  });
  afterAll(async () => {
    await events.close();
    await pool.end();
  });

  it('a slow projection delays only itself, then applies what it missed in one batch, each event once', async () => {
    let open = () => undefined as void;
    const gate = { open: new Promise<void>((resolve) => (open = resolve)) };
    const suffix = randomUUID().slice(0, 8);
    const fast = recorder(`fast_${suffix}`);
    const slow = recorder(`slow_${suffix}`, gate);
    await migrateProjector(pool, [fast, slow]);
    const stages: BatchStages[] = [];
    const stop = new AbortController();
    const running = runPgProjections(pool, events, [fast, slow], stop.signal, (message, context) => {
      if (message === 'batch stages') stages.push(context as BatchStages);
    });
    try {
      const positions: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { position } = await events.append(`probe-${randomUUID()}`, [{ eventId: randomUUID(), type: 'Probed', data: {} }], 'no_stream');
        positions.push(position);
        // The fast projection has each event while the slow one is held.
        await expect.poll(() => readCheckpoint(pool, fast.name), { timeout: 20_000 }).toBe(position);
      }
      expect(await readCheckpoint(pool, slow.name)).toBe('');
      open();
      await expect.poll(() => readCheckpoint(pool, slow.name), { timeout: 20_000 }).toBe(positions.at(-1));
      for (const projection of [fast, slow]) expect(Number((await pool.query(`SELECT count(*) FROM ${projection.name}`)).rows[0].count)).toBe(5);
      // The slow one took the first batch, then the four that queued meanwhile as one.
      expect(stages.filter((s) => s.projection === slow.name).map((s) => s.events)).toEqual([1, 4]);
      expect(stages.filter((s) => s.projection === fast.name).map((s) => s.events)).toEqual([1, 1, 1, 1, 1]);
    } finally {
      stop.abort();
      await running;
    }
  });
});
