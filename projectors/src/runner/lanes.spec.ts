import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, PostgresEventStore, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { eachEvent, readCheckpoint, type PgProjection } from '@stayhub/read-models';
import { migrateProjector, runPgProjections } from './pg-runner.ts';

/** A projection that records the events it applied in its own table. */
const recording = (name: string, handles: string[], before?: () => Promise<void>): PgProjection => ({
  name,
  handles: new Set(handles),
  migrate: async (client, target) => void (await client.query(`CREATE TABLE IF NOT EXISTS ${target} (event_id uuid PRIMARY KEY)`)),
  index: async () => undefined,
  fold: eachEvent(async (client, event, target) => {
    await before?.();
    await client.query(`INSERT INTO ${target} VALUES ($1)`, [event.eventId]);
  }),
  drop: async (client, target) => void (await client.query(`DROP TABLE IF EXISTS ${target}`)),
});

/*
 * One lane per projection: the shared reader reads on while a projection writes, so a slow
 * projection (its write transaction open) holds back neither the reader nor the others.
 */
describe('projections in lanes', () => {
  let pool: Pool;
  let events: PostgresEventStore;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const writing = new Promise<void>((resolve) => (entered = resolve));
  const slow = recording('lanes_slow', ['Slow', 'Both'], () => {
    entered();
    return released;
  });
  const fast = recording('lanes_fast', ['Fast', 'Both']);
  const idle = recording('lanes_idle', ['Never']);
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 8);
    events = await PostgresEventStore.create(pool, { pollIntervalMs: 20 });
    await migrateProjector(pool, [slow, fast, idle]);
  });
  afterAll(async () => {
    await events.close();
    await pool.end();
  });

  const applied = async (table: string): Promise<string[]> =>
    (await pool.query<{ event_id: string }>(`SELECT event_id FROM ${table}`)).rows.map((r) => r.event_id);
  const append = async (type: string) => {
    const eventId = randomUUID();
    const { position } = await events.append(`lane-${randomUUID()}`, [{ eventId, type, data: {} }], 'no_stream');
    return { eventId, position };
  };

  it('a slow projection holds back neither the reader nor the others, and each applies every event once', async () => {
    const stop = new AbortController();
    const running = runPgProjections(pool, events, [slow, fast, idle], stop.signal);
    try {
      const first = await append('Both');
      // The slow projection now holds its write transaction open on the first event.
      await writing;
      const later = [await append('Fast'), await append('Slow'), await append('Both'), await append('Fast')];
      const fastOnes = [first, later[0]!, later[2]!, later[3]!].map((e) => e.eventId);
      await expect.poll(() => applied('lanes_fast'), { timeout: 20_000 }).toEqual(expect.arrayContaining(fastOnes));
      await expect.poll(() => readCheckpoint(pool, 'lanes_fast'), { timeout: 20_000 }).toBe(later[3]!.position);
      await expect.poll(() => readCheckpoint(pool, 'lanes_idle'), { timeout: 20_000 }).toBe(later[3]!.position);
      expect(await applied('lanes_slow')).toEqual([]);

      release();
      await expect.poll(() => readCheckpoint(pool, 'lanes_slow'), { timeout: 20_000 }).toBe(later[3]!.position);
      expect((await applied('lanes_slow')).sort()).toEqual([first, later[1]!, later[2]!].map((e) => e.eventId).sort());
      expect((await applied('lanes_fast')).sort()).toEqual([...fastOnes].sort());
      expect(await applied('lanes_idle')).toEqual([]);
    } finally {
      release();
      stop.abort();
      await running;
    }
  });
});
