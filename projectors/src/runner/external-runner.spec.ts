import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, PostgresEventStore, type EventToAppend, type Pool, type RecordedEvent, redisAnswers } from '@stayhub/event-sourcing';
import { RedisAvailabilityStore, availabilityStoreProjection } from '@stayhub/read-models';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { applyExternalBatch, migrateExternalProjections, runExternalProjection } from './external-runner.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const skip = (await redisAnswers(url)) ? undefined : `REDIS_URL (no Redis answered at ${url})`;
const namespace = `avail-test-${randomBytes(5).toString('hex')}`;
const TARGET = 'availability';

const held = (keys: string[], units = 1): EventToAppend => ({
  eventId: randomUUID(),
  type: 'HoldPlaced',
  data: { holdId: randomUUID(), bookingId: randomUUID(), keys, units, expiresAt: '2030-01-01T00:15:00.000Z', at: '2030-01-01T00:00:00.000Z' },
});
const released = (keys: string[], units = 1): EventToAppend => ({
  eventId: randomUUID(),
  type: 'HoldReleased',
  data: { holdId: randomUUID(), keys, units, reason: 'expired', at: '2030-01-01T00:15:00.000Z' },
});

describe.skipIf(Boolean(skip))(`availability projection into Redis${skip ? ` (skipped: set ${skip})` : ''}`, () => {
  let pool: Pool;
  let events: PostgresEventStore;
  let redis: Redis;
  let store: RedisAvailabilityStore;
  const projection = () => availabilityStoreProjection(store);
  const free = async (unitTypeId: string, keys: string[]) => [...(await store.used(TARGET, [unitTypeId], keys)).get(unitTypeId)!.values()];
  const checkpoint = async () =>
    (await pool.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1', [TARGET])).rows[0]!.position;
  const run = () => {
    const stop = new AbortController();
    const done = runExternalProjection(pool, events, projection(), stop.signal);
    return {
      stop: async () => {
        stop.abort();
        return done;
      },
    };
  };
  // Positions of what this file appended: other sessions on the server can hold the visible head back for a while.
  let last = '';
  const append = async (streamId: string, batch: EventToAppend[], expected: 'no_stream' | number) => {
    last = (await events.append(streamId, batch, expected)).position;
  };
  const caughtUp = async () => {
    for (let i = 0; i < 400 && (await checkpoint()) < last; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await checkpoint()).toBe(last);
  };
  const eventually = async <T>(read: () => Promise<T>, expected: T) => {
    for (let i = 0; i < 200; i++) {
      if (JSON.stringify(await read()) === JSON.stringify(expected)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await read()).toEqual(expected);
  };

  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 8);
    events = await PostgresEventStore.create(pool, { pollIntervalMs: 20 });
    redis = new Redis(url);
    store = new RedisAvailabilityStore(redis, { namespace });
    await migrateExternalProjections(pool, [projection()]);
  });
  afterAll(async () => {
    await store?.drop(TARGET);
    await redis?.quit();
    await events?.close();
    await pool?.end();
  });

  it('follows the calendar streams into Redis and checkpoints in PostgreSQL', async () => {
    await append('calendar-suite-2030-01', [held(['2030-01-10', '2030-01-11'], 2), held(['2030-01-11'])], 'no_stream');
    await append('calendar-suite-2030-02', [held(['2030-02-01'])], 'no_stream');
    await append('listing-elsewhere', [{ eventId: randomUUID(), type: 'ListingDrafted', data: {} }], 'no_stream');
    const runner = run();
    await caughtUp();
    await append('calendar-suite-2030-01', [released(['2030-01-10', '2030-01-11'], 2)], 1);
    await caughtUp();
    await runner.stop();
    expect(await free('suite', ['2030-01-10', '2030-01-11', '2030-02-01'])).toEqual([0, 1, 1]);
  });

  it('delivering the same events twice changes nothing', async () => {
    await append('calendar-twice-2030-01', [held(['2030-01-05'], 3), released(['2030-01-05'])], 'no_stream');
    const batch: RecordedEvent[] = (await events.readStream('calendar-twice-2030-01')).events;
    await applyExternalBatch(pool, projection(), TARGET, batch);
    await applyExternalBatch(pool, projection(), TARGET, batch);
    await applyExternalBatch(pool, projection(), TARGET, batch.slice(1));
    expect(await free('twice', ['2030-01-05'])).toEqual([2]);
  });

  it('a crash after Redis accepted a batch but before the checkpoint moved neither loses nor doubles it', async () => {
    const runner = run();
    await caughtUp();
    await runner.stop();
    await append('calendar-crash-2030-01', [held(['2030-01-07'], 2), held(['2030-01-07'])], 'no_stream');
    const pending = (await events.readStream('calendar-crash-2030-01')).events;
    await projection().applyBatch(pending, TARGET, async () => undefined); // Redis has it; the checkpoint does not
    const again = run();
    await caughtUp();
    await again.stop();
    expect(await free('crash', ['2030-01-07'])).toEqual([3]);
  });

  it('rebuilds from the first event when Redis comes back empty though the checkpoint is at the head', async () => {
    await append('calendar-lost-2030-03', [held(['2030-03-01'], 4)], 'no_stream');
    const runner = run();
    await caughtUp();
    await runner.stop();
    const before = await free('suite', ['2030-01-11']);
    await store.drop(TARGET); // what a Redis restarted without persistence shows
    const again = run();
    await eventually(() => free('lost', ['2030-03-01']), [4]);
    await caughtUp();
    await again.stop();
    expect(await free('suite', ['2030-01-11'])).toEqual(before);
  });

  it('starting from the first event, does not trust what the store already holds for the target', async () => {
    const runner = run();
    await caughtUp();
    await runner.stop();
    const before = await free('suite', ['2030-01-10', '2030-01-11', '2030-02-01']);
    // Left over from an earlier database with the same key prefix: a higher revision of a stream this database also has.
    await store.apply(TARGET, [{ streamId: 'calendar-suite-2030-01', streamRevision: 99, changes: [{ unitTypeId: 'suite', key: '2030-01-10', delta: 5 }] }]);
    await pool.query("UPDATE projection_checkpoints SET position = '' WHERE name = $1", [TARGET]);
    const again = run();
    await caughtUp();
    await again.stop();
    expect(await free('suite', ['2030-01-10', '2030-01-11', '2030-02-01'])).toEqual(before);
  });

  it('parks a malformed event and goes on with the rest', async () => {
    const broken: EventToAppend = { eventId: randomUUID(), type: 'HoldPlaced', data: { keys: ['2030-04-01'], units: 'two' } };
    await append('calendar-poison-2030-04', [broken, held(['2030-04-01'])], 'no_stream');
    const runner = run();
    await caughtUp();
    await runner.stop();
    expect(await free('poison', ['2030-04-01'])).toEqual([1]);
    const { rows } = await pool.query('SELECT event_id FROM projection_parked WHERE projection = $1', ['availability']);
    expect(rows.map((r) => r.event_id)).toEqual([broken.eventId]);
  });

  it('keeps its checkpoint while Redis is down, and catches up once it answers again', async () => {
    const runner = run();
    await caughtUp();
    await runner.stop();
    const down = new RedisAvailabilityStore(new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true }), {
      namespace,
    });
    await append('calendar-outage-2030-05', [held(['2030-05-01'])], 'no_stream');
    const at = await checkpoint();
    const stop = new AbortController();
    const failing = runExternalProjection(pool, events, availabilityStoreProjection(down), stop.signal);
    await new Promise((r) => setTimeout(r, 600));
    stop.abort();
    await failing;
    expect(await checkpoint()).toBe(at);
    const again = run();
    await caughtUp();
    await again.stop();
    expect(await free('outage', ['2030-05-01'])).toEqual([1]);
  });
});
