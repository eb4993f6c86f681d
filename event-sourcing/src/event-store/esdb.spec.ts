import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventStoreContract, waitFor } from '../testing/event-store-contract.ts';
import { KurrentEventStore, pumpInBatches } from './esdb.ts';
import type { EventToAppend, RecordedEvent } from './port.ts';

// The one place that reads the variable: the suite needs a server nobody can start here.
const url = process.env.ESDB_URL;
const skip = url ? undefined : 'ESDB_URL';

eventStoreContract('kurrentdb', async () => KurrentEventStore.connect(url!, { flushMs: 10 }), skip);

const event = (type: string, data: unknown = {}): EventToAppend => ({ eventId: randomUUID(), type, data });

describe.skipIf(Boolean(skip))(`kurrentdb event store on a shared $all${skip ? ` (skipped: set ${skip})` : ''}`, () => {
  let store: KurrentEventStore;
  beforeAll(() => {
    store = KurrentEventStore.connect(url!, { flushMs: 10 });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('answers an idempotent replay with the position of the event first stored', async () => {
    const id = `esdb-${randomUUID()}`;
    const once = event('Once');
    const first = await store.append(id, [once], 'no_stream');
    const again = await store.append(id, [once], 'no_stream');
    expect(again).toEqual(first);
    expect((await store.readStream(id)).events[0]!.globalPosition).toBe(first.position);
  });

  it('reads $all strictly after a position and resumes a subscription there without repeating it', async () => {
    const id = `esdb-${randomUUID()}`;
    const { position } = await store.append(id, [event('First')], 'no_stream');
    await store.append(id, [event('Second')], 0);
    const next = await store.readAll({ after: position, maxCount: 1 });
    expect(next).toHaveLength(1);
    expect(next[0]!.globalPosition > position).toBe(true);

    const controller = new AbortController();
    const seen: RecordedEvent[] = [];
    const running = store.subscribe({
      after: position,
      signal: controller.signal,
      onBatch: async (events) => {
        seen.push(...events.filter((e) => e.streamId === id));
      },
    });
    await waitFor(() => seen.length >= 1);
    controller.abort();
    await running;
    expect(seen.map((e) => e.type)).toEqual(['Second']);
  });

  it('delivers no system events', async () => {
    const all = await store.readAll({ maxCount: 200 });
    expect(all.filter((e) => e.type.startsWith('$') || e.streamId.startsWith('$'))).toEqual([]);
  });
});

/** An async source the test feeds by hand, counting how often it is pulled. */
const channel = <T>() => {
  const queued: IteratorResult<T>[] = [];
  const waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }[] = [];
  const deliver = (result: IteratorResult<T>) => {
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(result);
    else queued.push(result);
  };
  const state = { pulls: 0 };
  return {
    state,
    push: (...items: T[]) => {
      for (const value of items) deliver({ value, done: false });
    },
    end: () => deliver({ value: undefined, done: true }),
    fail: (error: unknown) => waiting.shift()?.reject(error),
    source: {
      next: () => {
        state.pulls++;
        const result = queued.shift();
        return result ? Promise.resolve(result) : new Promise<IteratorResult<T>>((resolve, reject) => waiting.push({ resolve, reject }));
      },
    } as AsyncIterator<T>,
  };
};

describe('subscription batching (no server needed)', () => {
  it('hands over full batches at once and the rest after the flush delay', async () => {
    const feed = channel<number>();
    const controller = new AbortController();
    const batches: number[][] = [];
    feed.push(1, 2, 3, 4, 5, 6, 7);
    const running = pumpInBatches(feed.source, {
      batchSize: 3,
      flushMs: 15,
      signal: controller.signal,
      onBatch: async (items) => {
        batches.push(items);
      },
    });
    await waitFor(() => batches.length === 3);
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    feed.push(8);
    await waitFor(() => batches.length === 4);
    expect(batches[3]).toEqual([8]);
    controller.abort();
    await expect(running).resolves.toBeUndefined();
  });

  it('pulls at most one item ahead while a batch is being handled, and never overlaps batches', async () => {
    const feed = channel<number>();
    const controller = new AbortController();
    feed.push(...Array.from({ length: 20 }, (_, i) => i));
    let release = () => {};
    let active = 0;
    let overlapped = false;
    const handled: number[] = [];
    const running = pumpInBatches(feed.source, {
      batchSize: 2,
      flushMs: 5,
      signal: controller.signal,
      onBatch: async (items) => {
        overlapped ||= ++active > 1;
        await new Promise<void>((resolve) => (release = resolve));
        handled.push(...items);
        active--;
      },
    });
    await waitFor(() => feed.state.pulls >= 2);
    await new Promise((r) => setTimeout(r, 30));
    expect(feed.state.pulls).toBe(2); // the first batch is held, nothing more is read
    for (let round = 0; round < 10; round++) {
      release();
      await waitFor(() => handled.length >= (round + 1) * 2);
    }
    controller.abort();
    await running;
    expect(handled).toEqual([...Array(20).keys()]);
    expect(overlapped).toBe(false);
  });

  it('stops when aborted while waiting for events, without handing over a partial batch', async () => {
    const feed = channel<number>();
    const controller = new AbortController();
    const batches: number[][] = [];
    const running = pumpInBatches(feed.source, {
      batchSize: 10,
      flushMs: 60_000,
      signal: controller.signal,
      onBatch: async (items) => {
        batches.push(items);
      },
    });
    feed.push(1);
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await expect(running).resolves.toBeUndefined();
    expect(batches).toEqual([]);
  });

  it('does not start when already aborted', async () => {
    const feed = channel<number>();
    await pumpInBatches(feed.source, { batchSize: 1, flushMs: 1, signal: AbortSignal.abort(), onBatch: async () => {} });
    expect(feed.state.pulls).toBe(0);
  });

  it('rejects with the error of onBatch', async () => {
    const feed = channel<number>();
    feed.push(1);
    const failure = new Error('projection failed');
    await expect(
      pumpInBatches(feed.source, {
        batchSize: 1,
        flushMs: 5,
        signal: new AbortController().signal,
        onBatch: async () => {
          throw failure;
        },
      }),
    ).rejects.toBe(failure);
  });

  it('rejects when the source fails or ends before it is stopped, after handing over what it had', async () => {
    const failing = channel<number>();
    const dropped = new Error('connection lost');
    const run = pumpInBatches(failing.source, { batchSize: 5, flushMs: 1_000, signal: new AbortController().signal, onBatch: async () => {} });
    await waitFor(() => failing.state.pulls === 1);
    failing.fail(dropped);
    await expect(run).rejects.toBe(dropped);

    const ending = channel<number>();
    const batches: number[][] = [];
    ending.push(1, 2);
    ending.end();
    await expect(
      pumpInBatches(ending.source, {
        batchSize: 5,
        flushMs: 1_000,
        signal: new AbortController().signal,
        onBatch: async (items) => {
          batches.push(items);
        },
      }),
    ).rejects.toThrow(/ended/);
    expect(batches).toEqual([[1, 2]]);
  });
});
