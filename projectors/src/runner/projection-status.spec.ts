import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, PostgresEventStore, type EventStore, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { projectionSet } from '../compose.ts';
import { cartsProjection, type ExternalProjection } from '@stayhub/read-models';
import { migrateProjector, projectionStatus } from './pg-runner.ts';

/** An event store that is not PostgreSQL (as KurrentDB): only its head position is asked. */
const elsewhere = (head: string): EventStore => ({ headPosition: async () => head }) as unknown as EventStore;

describe('projection status', () => {
  let pool: Pool;
  let store: PostgresEventStore;
  let last = '';
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 3);
    store = await PostgresEventStore.create(pool);
    await migrateProjector(pool, [cartsProjection]);
    for (let i = 0; i < 3; i++) last = (await store.append(`cart-${i}`, [{ eventId: crypto.randomUUID(), type: 'Unrelated', data: {} }], 'no_stream')).position;
  });
  afterAll(() => pool.end());

  it('counts the lag in es_events with the PostgreSQL store', async () => {
    const [status] = await projectionStatus(pool, [cartsProjection.name], { eventStore: store });
    expect(status).toMatchObject({ name: 'carts', position: '', lag: 3, parked: 0 });
  });

  it('with another event store, never reads es_events: lag 0 at its head, else unknown', async () => {
    // The newest append's position, as another store's head would give it (PostgreSQL's own head hides
    // events behind other test files' open transactions).
    const head = last;
    await pool.query('ALTER TABLE es_events RENAME TO es_events_hidden');
    try {
      expect((await projectionStatus(pool, ['carts'], { eventStore: elsewhere(head) }))[0]!.lag).toBeNull();
      await pool.query("UPDATE projection_checkpoints SET position = $1 WHERE name = 'carts'", [head]);
      expect((await projectionStatus(pool, ['carts'], { eventStore: elsewhere(head) }))[0]).toMatchObject({ position: head, lag: 0 });
    } finally {
      await pool.query('ALTER TABLE es_events_hidden RENAME TO es_events');
    }
  });
});

describe('projection set', () => {
  it('drops the PostgreSQL projection an external store takes over', () => {
    const search = { name: 'listings' } as ExternalProjection;
    const { inPostgres, external } = projectionSet({ external: [search] });
    expect(external).toEqual([search]);
    expect(inPostgres.map((p) => p.name)).not.toContain('listings');
    expect(inPostgres.map((p) => p.name)).toContain('availability');
    expect(projectionSet({}).inPostgres.map((p) => p.name)).toContain('listings');
  });
});
