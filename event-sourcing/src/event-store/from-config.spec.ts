import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../postgres/pool.ts';
import { testDatabaseUrl } from '../testing/database.ts';
import { KurrentEventStore } from './esdb.ts';
import { eventStoreFromConfig } from './from-config.ts';
import { PostgresEventStore } from './postgres.ts';

describe('event store from configuration', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 2);
  });
  afterAll(() => pool.end());

  it('is PostgreSQL by default, migrated and ready', async () => {
    const store = await eventStoreFromConfig({}, pool);
    expect(store).toBeInstanceOf(PostgresEventStore);
    expect((await store.append('probe-1', [{ eventId: crypto.randomUUID(), type: 'Probed', data: {} }], 'no_stream')).nextExpectedRevision).toBe(0);
  });

  it('is KurrentDB for EVENT_STORE=esdb (connecting lazily), and refuses to guess a missing ESDB_URL', async () => {
    const store = await eventStoreFromConfig({ EVENT_STORE: 'esdb', ESDB_URL: 'esdb://127.0.0.1:1?tls=false' }, pool);
    expect(store).toBeInstanceOf(KurrentEventStore);
    await store.close();
    await expect(eventStoreFromConfig({ EVENT_STORE: 'esdb' }, pool)).rejects.toThrow(/ESDB_URL is required/);
  });
});
