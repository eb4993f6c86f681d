import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availabilityStoreContract } from './contract.ts';
import { redisAnswers } from '@stayhub/event-sourcing';
import { AvailabilityTargetMissing } from './port.ts';
import { RedisAvailabilityStore } from './redis.ts';

// Redis listens on 127.0.0.1:6379 on the build machine; elsewhere REDIS_URL names one.
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const skip = (await redisAnswers(url)) ? undefined : `REDIS_URL (no Redis answered at ${url})`;
// Every key this file writes starts with its own prefix; only that prefix is flushed.
const namespace = `avail-test-${randomBytes(5).toString('hex')}`;

availabilityStoreContract(
  'redis',
  async () => ({
    open: async () => RedisAvailabilityStore.connect(url, { namespace: `${namespace}-contract` }),
    cleanup: async () => {
      const store = RedisAvailabilityStore.connect(url, { namespace: `${namespace}-contract` });
      await store.dropNamespace();
      await store.close();
    },
  }),
  skip,
);

describe.skipIf(Boolean(skip))(`redis availability store${skip ? ` (skipped: set ${skip})` : ''}`, () => {
  let redis: Redis;
  let store: RedisAvailabilityStore;
  beforeAll(() => {
    redis = new Redis(url);
    store = new RedisAvailabilityStore(redis, { namespace });
  });
  afterAll(async () => {
    await store.dropNamespace();
    await redis.quit();
  });

  it('keeps one hash per unit type with the counters and the last revision applied per calendar stream', async () => {
    await store.prepare('availability');
    await store.apply('availability', [
      { streamId: 'calendar-room-2030-01', streamRevision: 4, changes: [{ unitTypeId: 'room', key: '2030-01-05', delta: 2 }] },
    ]);
    expect(await redis.hgetall(`${namespace}:availability:u:room`)).toEqual({ '2030-01-05': '2', 'rev:calendar-room-2030-01': '4' });
  });

  it('removes a counter that falls back to zero', async () => {
    await store.prepare('zeroes');
    await store.apply('zeroes', [
      { streamId: 'calendar-z-2030-01', streamRevision: 0, changes: [{ unitTypeId: 'z', key: '2030-01-01', delta: 1 }] },
      { streamId: 'calendar-z-2030-01', streamRevision: 1, changes: [{ unitTypeId: 'z', key: '2030-01-01', delta: -1 }] },
    ]);
    expect(await redis.hgetall(`${namespace}:zeroes:u:z`)).toEqual({ 'rev:calendar-z-2030-01': '1' });
  });

  it('notices a Redis that lost its data, and starts the target clean so it can be rebuilt from the first event', async () => {
    const target = 'lost';
    await store.prepare(target);
    await store.apply(target, [{ streamId: 'calendar-l-2030-01', streamRevision: 0, changes: [{ unitTypeId: 'l', key: '2030-01-01', delta: 1 }] }]);
    await redis.del(`${namespace}:${target}:ready`); // what a restart without persistence, or a flush, leaves behind
    await expect(
      store.apply(target, [{ streamId: 'calendar-l-2030-01', streamRevision: 1, changes: [{ unitTypeId: 'l', key: '2030-01-02', delta: 1 }] }]),
    ).rejects.toBeInstanceOf(AvailabilityTargetMissing);
    expect(await store.prepare(target)).toBe(false);
    expect(await redis.exists(`${namespace}:${target}:u:l`)).toBe(0);
    expect(
      await store.apply(target, [{ streamId: 'calendar-l-2030-01', streamRevision: 0, changes: [{ unitTypeId: 'l', key: '2030-01-01', delta: 1 }] }]),
    ).toEqual([true]);
  });

  it('drops only its own target, even when names hold glob characters', async () => {
    const neighbour = new RedisAvailabilityStore(redis, { namespace: `${namespace}*` });
    await neighbour.prepare('availability');
    await neighbour.apply('availability', [{ streamId: 'calendar-n-2030-01', streamRevision: 0, changes: [{ unitTypeId: 'n', key: '2030-01-01', delta: 1 }] }]);
    await store.prepare('availability');
    await store.apply('availability', [{ streamId: 'calendar-n-2030-01', streamRevision: 0, changes: [{ unitTypeId: 'n', key: '2030-01-01', delta: 1 }] }]);
    // Unescaped, the neighbour's pattern `<namespace>*:availability:*` would match this store's keys too.
    await neighbour.drop('availability');
    expect((await neighbour.used('availability', ['n'], ['2030-01-01'])).get('n')!.get('2030-01-01')).toBe(0);
    expect((await store.used('availability', ['n'], ['2030-01-01'])).get('n')!.get('2030-01-01')).toBe(1);
    await store.drop('availability');
    expect((await store.used('availability', ['n'], ['2030-01-01'])).get('n')!.get('2030-01-01')).toBe(0);
  });
});
