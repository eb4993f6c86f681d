import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, PostgresEventStore, type EventToAppend, type Pool, redisAnswers } from '@stayhub/event-sourcing';
import { RedisAvailabilityStore, availabilityStoreProjection } from '@stayhub/read-models';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { pgProjections } from '../projections.ts';
import { pgRebuildAdapter } from '../replay/pg-target.ts';
import { silentProgress } from '../replay/progress.ts';
import { rebuild } from '../replay/replay.ts';
import { pgEventSource } from '../replay/sources.ts';
import { migrateExternalProjections, runExternalProjection } from '../runner/external-runner.ts';
import { liveTarget } from '../runner/pg-runner.ts';
import { withAvailabilityStore } from './availability-store.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const skip = (await redisAnswers(url)) ? undefined : `REDIS_URL (no Redis answered at ${url})`;

const held = (keys: string[], units = 1): EventToAppend => ({
  eventId: randomUUID(),
  type: 'HoldPlaced',
  data: { holdId: randomUUID(), bookingId: randomUUID(), keys, units, expiresAt: '2030-01-01T00:15:00.000Z', at: '2030-01-01T00:00:00.000Z' },
});
const released = (keys: string[], units = 1): EventToAppend => ({
  eventId: randomUUID(),
  type: 'HoldReleased',
  data: { holdId: randomUUID(), keys, units, reason: 'cancelled', at: '2030-01-01T00:15:00.000Z' },
});

describe.skipIf(Boolean(skip))(`replay of availability into a fresh Redis key prefix${skip ? ` (skipped: set ${skip})` : ''}`, () => {
  let pool: Pool;
  let events: PostgresEventStore;
  let store: RedisAvailabilityStore;
  let live: { stop: AbortController; done: Promise<void> };
  let last = '';
  const append = async (streamId: string, batch: EventToAppend[], expected: 'no_stream' | number) => {
    last = (await events.append(streamId, batch, expected)).position;
  };
  const caughtUp = async () => {
    for (let i = 0; i < 400; i++) {
      const target = await liveTarget(pool, 'availability');
      const { rows } = await pool.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1', [target]);
      if ((rows[0]?.position ?? '') >= last) return target;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the live projection did not catch up');
  };
  const replay = (options: { swap?: boolean; verify?: boolean }) =>
    rebuild(
      {
        pool,
        events: pgEventSource(pool),
        adapter: withAvailabilityStore(pgRebuildAdapter(pool, pgProjections), pool, store),
        print: () => undefined,
        progress: () => silentProgress,
      },
      { names: ['availability'], batchSize: 3, dropAfterMs: 50, verifyWaitMs: 5_000, ...options },
    );

  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 8);
    events = await PostgresEventStore.create(pool, { pollIntervalMs: 20 });
    store = RedisAvailabilityStore.connect(url, { namespace: `avail-test-${randomBytes(5).toString('hex')}` });
    await migrateExternalProjections(pool, [availabilityStoreProjection(store)]);
    const stop = new AbortController();
    live = { stop, done: runExternalProjection(pool, events, availabilityStoreProjection(store), stop.signal) };
    await append('calendar-room-2030-01', [held(['2030-01-30', '2030-01-31'], 2), held(['2030-01-31']), released(['2030-01-30'], 2)], 'no_stream');
    await append('calendar-room-2030-02', [held(['2030-02-01'], 3)], 'no_stream');
    await append('calendar-suite-2030-01', [held(['2030-01-31'])], 'no_stream');
    await append('listing-x', [{ eventId: randomUUID(), type: 'ListingDrafted', data: {} }], 'no_stream');
    await caughtUp();
  });
  afterAll(async () => {
    live?.stop.abort();
    await live?.done;
    await store?.dropNamespace();
    await store?.close();
    await events?.close();
    await pool?.end();
  });

  it('rebuilds into a new prefix that verifies equal, swaps it in, drops the old keys, and the live projection follows it', async () => {
    const before = await store.snapshot('availability');
    expect(before.size).toBe(2);
    const outcome = await replay({ verify: true, swap: true });
    expect(outcome.status).toBe('swapped');
    expect(outcome.comparisons.availability!.tables).toEqual([{ table: '(main)', rebuiltRows: 3, liveRows: 3, differences: 0 }]);
    const target = outcome.targets[0]!.target;
    expect(await liveTarget(pool, 'availability')).toBe(target);
    expect(await store.snapshot(target)).toEqual(before);
    await new Promise((r) => setTimeout(r, 200)); // the old target goes after the readers' grace
    expect((await store.snapshot('availability')).size).toBe(0);

    await append('calendar-suite-2030-01', [held(['2030-01-31'])], 0);
    expect(await caughtUp()).toBe(target);
    expect((await store.used(target, ['suite'], ['2030-01-31'])).get('suite')!.get('2030-01-31')).toBe(2);
  });

  it('verify names the counts that differ from the live target', async () => {
    const current = await caughtUp();
    await store.apply(current, [{ streamId: 'calendar-tampered-2030-01', streamRevision: 0, changes: [{ unitTypeId: 'room', key: '2030-01-31', delta: 1 }] }]);
    const outcome = await replay({ verify: true });
    expect(outcome.status).toBe('built');
    const comparison = outcome.comparisons.availability!;
    expect(comparison.tables[0]!.differences).toBe(1);
    expect(comparison.samples).toEqual([
      { table: outcome.targets[0]!.target, key: { unit_type_id: 'room', key: '2030-01-31' }, rebuilt: { used: 3 }, live: { used: 4 } },
    ]);
  });
});
