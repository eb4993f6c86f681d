import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../postgres/pool.ts';
import { testDatabaseUrl } from '../testing/database.ts';
import { PostgresEventStore } from '../event-store/postgres.ts';
import type { EventStore, StreamAppend } from '../event-store/port.ts';
import { CommandProcessor, type StreamDecider } from './command-processor.ts';

/** A counter with a limit: `Add` beyond it is refused. */
type Add = { type: 'Add'; data: { id: string; n: number; limit?: number; note?: string } };
type Added = { type: 'Added'; data: { id: string; n: number; note?: string } };
const counter: StreamDecider<Add, number, Added> = {
  initialState: 0,
  evolve: (state, event) => state + event.data.n,
  decide: ({ data }, state) => {
    if (data.limit !== undefined && state + data.n > data.limit) throw new Error(`LIMIT ${state}+${data.n}>${data.limit}`);
    return [{ type: 'Added', data: { id: data.id, n: data.n, ...(data.note ? { note: data.note } : {}) } }];
  },
};
const add = (n: number, extra: Partial<Add['data']> = {}): Add => ({ type: 'Add', data: { id: randomUUID(), n, ...extra } });

/** Counts the commits (batches) that reach the store. */
const counting = (store: EventStore) => {
  const batches: StreamAppend[][][] = [];
  const counted: EventStore = Object.assign(Object.create(store) as EventStore, {
    appendBatch: (groups: StreamAppend[][]) => {
      batches.push(groups);
      return store.appendBatch(groups);
    },
  });
  return { counted, batches };
};

let pool: Pool;
let store: PostgresEventStore;
beforeAll(async () => {
  pool = createPool(await testDatabaseUrl());
  store = await PostgresEventStore.create(pool);
});
afterAll(async () => {
  await store.close();
  await pool.end();
});

const sum = async (streamId: string) => (await store.readStream(streamId)).events.reduce((s, e) => s + (e.data as { n: number }).n, 0);

describe('command processor: shared commits', () => {
  it('commits commands of many streams that arrive together in few transactions, answering each', async () => {
    const { counted, batches } = counting(store);
    const processor = new CommandProcessor(counted);
    const streams = Array.from({ length: 60 }, () => `c-${randomUUID()}`);
    const answers = await Promise.all(streams.map((s) => processor.handle(s, counter, add(1), {}, { fresh: true })));
    expect(answers.every((a) => a.revision === 0 && a.position !== '')).toBe(true);
    expect(batches.length).toBeLessThan(streams.length / 2);
    for (const s of streams) expect(await sum(s)).toBe(1);
  });

  it('answers a refused command on its own: the others of its commit are stored', async () => {
    const processor = new CommandProcessor(store);
    const id = `c-${randomUUID()}`;
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => processor.handle(id, counter, add(1, { limit: 5 }), { actor: `a${i}` })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(results.filter((r) => r.status === 'rejected').every((r) => String((r as PromiseRejectedResult).reason).includes('LIMIT'))).toBe(true);
    expect(await sum(id)).toBe(5);
  });

  it('retries only the command whose stream another process appended to; the rest of the commit stands', async () => {
    const processor = new CommandProcessor(store);
    const contested = `c-${randomUUID()}`;
    await processor.handle(contested, counter, add(1)); // cached at revision 0
    await store.append(contested, [{ eventId: randomUUID(), type: 'Added', data: { id: 'other', n: 10 } }], 0); // another process
    const others = Array.from({ length: 10 }, () => `c-${randomUUID()}`);
    const [handled, ...rest] = await Promise.all([
      processor.handle(contested, counter, add(1, { limit: 12 })),
      ...others.map((s) => processor.handle(s, counter, add(2), {}, { fresh: true })),
    ]);
    expect(handled).toMatchObject({ state: 12, revision: 2 });
    expect(rest.every((r) => r.revision === 0)).toBe(true);
    expect(await sum(contested)).toBe(12);
  });

  it('decides a refusal again when the cached state was old (another process had moved the stream)', async () => {
    const processor = new CommandProcessor(store);
    const id = `c-${randomUUID()}`;
    await processor.handle(id, counter, add(5));
    // Another process takes 5 away: the cached 5 would refuse adding 3 under a limit of 6.
    await store.append(id, [{ eventId: randomUUID(), type: 'Added', data: { id: 'x', n: -5 } }], 0);
    expect(await processor.handle(id, counter, add(3, { limit: 6 }))).toMatchObject({ state: 3 });
  });

  it('loads the cached state, or with `current` what another process appended since, when there are other writers', async () => {
    const alone = new CommandProcessor(store);
    const here = new CommandProcessor(store, { otherWriters: true });
    const elsewhere = new CommandProcessor(store);
    const id = `c-${randomUUID()}`;
    await here.handle(id, counter, add(2));
    await alone.handle(id, counter, add(0));
    await elsewhere.handle(id, counter, add(3));
    // Told it writes alone, a processor answers from its cache (no read).
    expect(await alone.load(id, counter, { current: true })).toEqual({ state: 2, revision: 1 });
    expect(await here.load(id, counter)).toEqual({ state: 2, revision: 0 });
    expect(await here.load(id, counter, { current: true })).toEqual({ state: 5, revision: 2 });
    // The cache now holds the current state, and a command decided here is based on it.
    expect(await here.load(id, counter)).toEqual({ state: 5, revision: 2 });
  });

  it('stores every step of a command over several streams, or none of them', async () => {
    const processor = new CommandProcessor(store);
    const [a, b] = [`c-${randomUUID()}`, `c-${randomUUID()}`];
    const both = await processor.handleAll([
      { streamId: a, decider: counter, command: add(1) },
      { streamId: b, decider: counter, command: (earlier: { state: number }[]) => add(earlier[0]!.state + 1), fresh: true },
    ]);
    expect(both.map((h) => h.state)).toEqual([1, 2]);
    expect(both[0]!.position).toBe(both[1]!.position);
    await expect(
      processor.handleAll([
        { streamId: a, decider: counter, command: add(1) },
        { streamId: b, decider: counter, command: add(5, { limit: 3 }) },
      ]),
    ).rejects.toThrow('LIMIT');
    expect([await sum(a), await sum(b)]).toEqual([1, 2]);
  });

  it('skips a step whose command, given what the steps before decided, is undefined', async () => {
    const processor = new CommandProcessor(store);
    const [a, b] = [`c-${randomUUID()}`, `c-${randomUUID()}`];
    await processor.handle(b, counter, add(4));
    const onlyIfBig = (earlier: { state: number }[]) => (earlier[0]!.state > 1 ? add(10) : undefined);
    const small = await processor.handleAll([
      { streamId: a, decider: counter, command: add(1) },
      { streamId: b, decider: counter, command: onlyIfBig },
    ]);
    expect(small.map((h) => [h.state, h.revision, h.events.length])).toEqual([
      [1, 0, 1],
      [4, 0, 0],
    ]);
    expect(small[1]!.position).toBe('');
    const big = await processor.handleAll([
      { streamId: a, decider: counter, command: add(1) },
      { streamId: b, decider: counter, command: onlyIfBig },
    ]);
    expect(big.map((h) => h.state)).toEqual([2, 14]);
    expect([await sum(a), await sum(b)]).toEqual([2, 14]);
  });

  it('re-runs a commit the database refused as a whole one command at a time, so only the bad command fails', async () => {
    const processor = new CommandProcessor(store);
    const streams = Array.from({ length: 12 }, () => `c-${randomUUID()}`);
    const results = await Promise.allSettled(
      // PostgreSQL's jsonb refuses the NUL character: that one append fails whatever the batch.
      streams.map((s, i) => processor.handle(s, counter, add(1, i === 5 ? { note: 'bad\u0000' } : {}), {}, { fresh: true })),
    );
    expect(results.map((r) => r.status)).toEqual(streams.map((_, i) => (i === 5 ? 'rejected' : 'fulfilled')));
    for (const [i, s] of streams.entries()) expect(await sum(s)).toBe(i === 5 ? 0 : 1);
  });

  it('with commitEveryMs, commands that arrive over several turns after a commit started share the next commit, each answered in order', async () => {
    const { counted, batches } = counting(store);
    const processor = new CommandProcessor(counted, { commitEveryMs: 500 });
    const id = `c-${randomUUID()}`;
    await processor.handle(id, counter, add(1), {}, { fresh: true });
    const later: Promise<{ revision: number }>[] = [];
    // one command on each of 10 turns of the event loop, a millisecond apart, on that stream and on new ones
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      later.push(i % 2 ? processor.handle(id, counter, add(1)) : processor.handle(`c-${randomUUID()}`, counter, add(1), {}, { fresh: true }));
    }
    const answers = await Promise.all(later);
    expect(batches).toHaveLength(2);
    expect(answers.filter((_, i) => i % 2).map((a) => a.revision)).toEqual([1, 2, 3, 4, 5]);
    expect(await sum(id)).toBe(6);
  });

  it('never lets two processors oversell one stream (optimistic across processes, shared commits within)', async () => {
    const id = `c-${randomUUID()}`;
    const [p1, p2] = [new CommandProcessor(store), new CommandProcessor(store)];
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => (i % 2 ? p1 : p2).handle(id, counter, add(1, { limit: 7 }))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
    expect(await sum(id)).toBe(7);
  });
});
