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
