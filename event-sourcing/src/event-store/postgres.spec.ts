import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, OwnTransactions } from '../postgres/pool.ts';
import { testDatabaseUrl } from '../testing/database.ts';
import { eventStoreContract, waitFor } from '../testing/event-store-contract.ts';
import { PostgresEventStore } from './postgres.ts';
import { DuplicateEventConflict, type MultiStreamAppendResult, type RecordedEvent } from './port.ts';

let url: string;
const pools: ReturnType<typeof createPool>[] = [];
const stores: PostgresEventStore[] = [];
const connect = async () => {
  url ??= await testDatabaseUrl();
  const pool = createPool(url);
  pools.push(pool);
  const store = await PostgresEventStore.create(pool, { pollIntervalMs: 50 });
  stores.push(store);
  return store;
};
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await Promise.all(pools.map((p) => p.end()));
});

eventStoreContract('postgres', connect);

describe('postgres event store: a batch with an event id stored already', () => {
  const event = (type: string) => ({ eventId: randomUUID(), type, data: {} });
  let store: PostgresEventStore;
  beforeAll(async () => {
    store = await connect();
  });

  it('settles a batch with an event id stored already append by append: only that append is a duplicate', async () => {
    const [a, b] = [`dup-${randomUUID()}`, `dup-${randomUUID()}`];
    const stored = event('A0');
    await store.append(a, [stored], 'no_stream');
    const settled = await store.appendBatch([
      [{ streamId: a, events: [stored], expected: 'no_stream' }],
      [{ streamId: b, events: [event('B0')], expected: 'no_stream' }],
      [{ streamId: a, events: [stored, event('A1')], expected: 0 }],
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((settled[0] as PromiseFulfilledResult<MultiStreamAppendResult>).value.streams).toEqual([{ streamId: a, nextExpectedRevision: 0 }]);
    expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateEventConflict);
    expect((await store.readStream(a)).events.map((e) => e.type)).toEqual(['A0']);
    expect((await store.readStream(b)).revision).toBe(0);
  });
});

describe('postgres event store: late commits', () => {
  let store: PostgresEventStore;
  beforeAll(async () => {
    store = await connect();
  });

  it('never lets a subscriber pass an event whose transaction commits late with a lower position', async () => {
    const pool = pools[0]!;
    const controller = new AbortController();
    const seen: RecordedEvent[] = [];
    const running = store.subscribe({
      after: await store.headPosition(),
      signal: controller.signal,
      batchSize: 3,
      onBatch: async (events) => {
        seen.push(...events);
      },
    });

    // Slow transactions draw their positions first and commit last, in reverse order;
    // fast appends in between take higher positions and commit at once.
    const slow = await Promise.all([0, 1, 2].map(() => pool.connect()));
    const slowIds: string[] = [];
    for (const [i, client] of slow.entries()) {
      await client.query('BEGIN');
      const id = `slow-${i}-${randomUUID()}`;
      slowIds.push(id);
      await client.query("SELECT * FROM es_append($1, 'no_stream', -1, $2)", [id, JSON.stringify([{ eventId: randomUUID(), type: 'Slow', data: { i } }])]);
    }
    const fastIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = `fast-${i}-${randomUUID()}`;
      fastIds.push(id);
      await store.append(id, [{ eventId: randomUUID(), type: 'Fast', data: { i } }], 'no_stream');
    }
    await new Promise((r) => setTimeout(r, 200));
    for (const client of [...slow].reverse()) {
      await client.query('COMMIT');
      client.release();
      await new Promise((r) => setTimeout(r, 60));
    }
    const ours = new Set([...slowIds, ...fastIds]);
    await waitFor(() => seen.filter((e) => ours.has(e.streamId)).length >= 9);
    controller.abort();
    await running;

    const delivered = seen.filter((e) => ours.has(e.streamId));
    expect(delivered).toHaveLength(9);
    expect(new Set(delivered.map((e) => e.eventId)).size).toBe(9);
    const positions = seen.map((e) => e.globalPosition);
    expect([...positions].sort()).toEqual(positions);
  });
});

describe("postgres event store: the reader's own transactions", () => {
  it('are passed while in flight, and a foreign one still holds the reader back until it commits', async () => {
    const store = await connect();
    const pool = pools[pools.length - 1]!;
    const own = new OwnTransactions(`own-${randomUUID().slice(0, 8)}`);
    const after = await store.headPosition();
    const appended = async () => (await store.append(`own-${randomUUID()}`, [{ eventId: randomUUID(), type: 'X', data: {} }], 'no_stream')).position;
    const read = async () => (await store.readAll({ after, maxCount: 100, ownTransactions: own })).map((e) => e.globalPosition);

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let writing!: () => void;
    const begun = new Promise<void>((resolve) => (writing = resolve));
    // A projector's write, open while events are appended after it began.
    const ownWrite = own.run(pool, async (client) => {
      await client.query('CREATE TEMP TABLE own_write (n int)');
      writing();
      await held;
    });
    await begun;
    const first = await appended();
    expect(await read()).toContain(first);
    // Without knowing it as its own, the reader waits for it (the snapshot guard), and so does one passing other names.
    expect(await store.readAll({ after, maxCount: 100 })).toEqual([]);
    expect(await store.readAll({ after, maxCount: 100, ownTransactions: new OwnTransactions('someone-else') })).toEqual([]);

    const foreign = await pool.connect();
    await foreign.query('BEGIN');
    await foreign.query('SELECT pg_current_xact_id()');
    const second = await appended();
    expect(await read()).toEqual([first]);
    await foreign.query('COMMIT');
    foreign.release();
    expect(await read()).toEqual([first, second]);
    release();
    await ownWrite;
  });
});

describe('postgres event store: positions', () => {
  it('are ordered strings', async () => {
    const store = await connect();
    const a = await store.append(`p-${randomUUID()}`, [{ eventId: randomUUID(), type: 'X', data: {} }], 'no_stream');
    const b = await store.append(`p-${randomUUID()}`, [{ eventId: randomUUID(), type: 'X', data: {} }], 'no_stream');
    expect(b.position > a.position).toBe(true);
  });
});
