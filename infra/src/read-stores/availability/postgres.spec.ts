import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../../postgres/pool.ts';
import { testDatabaseUrl } from '../../testing/database.ts';
import { availabilityStoreContract } from './contract.ts';
import { addUsed, createAvailabilityTable, PgAvailabilityStore } from './postgres.ts';

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
    await addUsed(pool, 'availability', { unitTypeId: 'u', key: '2030-01-01', delta: 2 });
    expect((await store.used('availability', ['u'], ['2030-01-01'])).get('u')!.get('2030-01-01')).toBe(2);
    expect(await store.prepare('availability')).toBe(true);
  });

  it('refuses a target name that is not a plain identifier', async () => {
    const store = new PgAvailabilityStore(pool);
    await expect(store.prepare('x; DROP TABLE es_events')).rejects.toThrow(/Bad availability target/);
  });
});
