import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { availabilityStoreContract } from './contract.ts';
import { liveAvailability } from './live.ts';
import { addUsedBatch, createAvailabilityTable, PgAvailabilityStore } from './postgres.ts';

availabilityStoreContract('postgres', async () => {
  const pool = createPool(await testDatabaseUrl(), 20);
  return { open: async () => new PgAvailabilityStore(pool), cleanup: () => pool.end() };
});

describe('postgres availability store', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 4);
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('reads the table the PostgreSQL projection writes, and everything as free before anything was projected', async () => {
    const store = new PgAvailabilityStore(pool);
    expect((await store.used('availability', ['u'], ['2030-01-01'])).get('u')!.get('2030-01-01')).toBe(0);
    await createAvailabilityTable(pool, 'availability');
    await addUsedBatch(pool, 'availability', [{ unitTypeId: 'u', key: '2030-01-01', delta: 2 }]);
    expect((await store.used('availability', ['u'], ['2030-01-01'])).get('u')!.get('2030-01-01')).toBe(2);
    expect(await store.prepare('availability')).toBe(true);
  });

  it('binds a reader to whichever target is live, so a swapped-in rebuild is read at once', async () => {
    const store = new PgAvailabilityStore(pool);
    const reader = liveAvailability(pool, store);
    for (const [target, units] of [
      ['availability_r1', 1],
      ['availability_r2', 2],
    ] as const) {
      await store.prepare(target);
      await store.apply(target, [{ streamId: 'calendar-v-2030-01', streamRevision: 0, changes: [{ unitTypeId: 'v', key: '2030-01-01', delta: units }] }]);
    }
    await pool.query('CREATE TABLE IF NOT EXISTS projection_targets (projection text PRIMARY KEY, target text NOT NULL)');
    await pool.query("INSERT INTO projection_targets VALUES ('availability', 'availability_r1')");
    expect((await reader.used(['v'], ['2030-01-01'])).get('v')!.get('2030-01-01')).toBe(1);
    await pool.query("UPDATE projection_targets SET target = 'availability_r2'");
    expect((await reader.used(['v'], ['2030-01-01'])).get('v')!.get('2030-01-01')).toBe(2);
  });

  it('refuses a target name that is not a plain identifier', async () => {
    const store = new PgAvailabilityStore(pool);
    await expect(store.prepare('x; DROP TABLE es_events')).rejects.toThrow(/Bad availability target/);
  });
});
