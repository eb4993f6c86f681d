import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from 'pg';
import { createPool } from '../postgres/pool.ts';
import { testDatabaseUrl } from '../testing/database.ts';
import { PostgresEventStore } from './postgres.ts';

const event = () => ({ eventId: randomUUID(), type: 'Happened', data: {} });

let pool: Pool;
let store: PostgresEventStore;
beforeAll(async () => {
  pool = createPool(await testDatabaseUrl(), 4);
  store = await PostgresEventStore.create(pool);
});
afterAll(async () => {
  await store?.close();
  await pool?.end();
});

describe('PostgreSQL event store: readStream under a concurrent append', () => {
  it('never reports a revision ahead of the events it returns (a cache trusting it would skip an event)', async () => {
    const streamId = `race-${randomUUID()}`;
    await store.append(streamId, [event(), event()], 'no_stream');
    // Every query the reading store makes is followed by another writer's append, committed at once.
    let appended = 0;
    const racing = new Proxy(pool, {
      get(target, key, receiver) {
        if (key !== 'query') return Reflect.get(target, key, receiver);
        return async (...args: Parameters<Pool['query']>) => {
          const result = await (target.query as (...a: unknown[]) => Promise<unknown>)(...args);
          if (appended < 3) {
            appended++;
            await store.append(streamId, [event()], 'any');
          }
          return result;
        };
      },
    });
    const reader = new PostgresEventStore(racing as Pool);
    for (let i = 0; i < 3; i++) {
      const { revision: head } = await store.readStream(streamId);
      const read = await reader.readStream(streamId, { fromRevision: head + 1 });
      const last = read.events.at(-1)?.streamRevision;
      if (last === undefined) expect(read.revision, 'nothing read, so the revision is the one before').toBe(head);
      else expect(read.revision).toBe(last);
    }
    expect(appended).toBe(3);
  });
});

describe('PostgreSQL event store: reads that queue share one statement', () => {
  it('answers each read of many concurrent ones as if it ran alone, in one statement for those that queued', async () => {
    const streams = Array.from({ length: 6 }, () => `shared-${randomUUID()}`);
    for (const [i, streamId] of streams.entries()) await store.append(streamId, Array.from({ length: i + 1 }, event), 'no_stream');
    const reads = [
      ...streams.map((streamId) => ({ streamId, options: {} })),
      ...streams.map((streamId, i) => ({ streamId, options: { fromRevision: i } })),
      { streamId: streams[5]!, options: { fromRevision: 1, maxCount: 2 } },
      { streamId: streams[5]!, options: { maxCount: 0 } },
      { streamId: `missing-${randomUUID()}`, options: {} },
    ];
    const alone = [];
    for (const { streamId, options } of reads) alone.push(await store.readStream(streamId, options));
    let statements = 0;
    const counting = new Proxy(pool, {
      get: (target, key, receiver) =>
        key === 'query'
          ? (...args: unknown[]) => {
              statements++;
              return (target.query as (...a: unknown[]) => Promise<unknown>)(...args);
            }
          : Reflect.get(target, key, receiver),
    });
    const reader = new PostgresEventStore(counting as Pool);
    const together = await Promise.all(reads.map(({ streamId, options }) => reader.readStream(streamId, options)));
    expect(together).toEqual(alone);
    expect(together.at(-1)).toEqual({ events: [], revision: -1 });
    expect(together.at(-2)).toEqual({ events: [], revision: 5 });
    expect(together.at(-3)!.events.map((e) => e.streamRevision)).toEqual([1, 2]);
    // the first goes alone at once, every other one queued meanwhile and goes in the next statement
    expect(statements).toBe(2);
  });
});
