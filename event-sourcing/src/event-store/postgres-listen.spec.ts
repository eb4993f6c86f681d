import { describe, expect, it } from 'vitest';
import { createPool } from '../postgres/pool.ts';
import { testDatabaseUrl } from '../testing/database.ts';
import { PostgresEventStore } from './postgres.ts';

describe('PostgreSQL event store: subscribers sharing one store', () => {
  it('open one LISTEN connection between them, so that closing the store lets the pool end (a graceful shutdown)', async () => {
    const pool = createPool(await testDatabaseUrl(), 10);
    const store = await PostgresEventStore.create(pool, { pollIntervalMs: 20 });
    const stop = new AbortController();
    const seen: number[] = [];
    const subscribers = Array.from({ length: 6 }, (_, i) =>
      store.subscribe({ after: '', signal: stop.signal, onBatch: async (events) => void seen.push(...events.map(() => i)) }),
    );
    await store.append('probe-1', [{ eventId: '01920000-0000-7000-8000-000000000001', type: 'Probed', data: {} }], 'no_stream');
    const deadline = Date.now() + 5_000;
    while (new Set(seen).size < 6 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(new Set(seen).size).toBe(6);
    // Six subscribers: one connection listens; the others came back to the pool (the wake-up the
    // append sends after its commit may still hold one for a moment).
    while (pool.totalCount - pool.idleCount > 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pool.totalCount - pool.idleCount).toBeLessThanOrEqual(1);

    stop.abort();
    await Promise.all(subscribers);
    await store.close();
    const ended = await Promise.race([pool.end().then(() => 'ended'), new Promise((resolve) => setTimeout(() => resolve('hung'), 3_000))]);
    expect(ended).toBe('ended');
  });
});
