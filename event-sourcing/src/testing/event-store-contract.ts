import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WrongExpectedRevision, type EventStore, type EventToAppend, type MultiStreamAppendResult, type RecordedEvent } from '../event-store/port.ts';

const event = (type = 'Something', data: unknown = { n: 1 }): EventToAppend => ({
  eventId: randomUUID(),
  type,
  data,
  metadata: { correlationId: 'c-1', actor: 'tester' },
});
const stream = (prefix = 'contract') => `${prefix}-${randomUUID()}`;

/**
 * The behaviour every event store adapter must have. `connect` returns a store on an isolated
 * database or namespace; `skip` names the variable to set when the server is not reachable.
 */
export const eventStoreContract = (name: string, connect: () => Promise<EventStore>, skip?: string): void => {
  describe.skipIf(Boolean(skip))(`event store contract: ${name}${skip ? ` (skipped: set ${skip})` : ''}`, () => {
    let store: EventStore;
    beforeAll(async () => {
      store = await connect();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('appends to a new stream and reads it back in order with revisions from 0', async () => {
      const id = stream();
      const result = await store.append(id, [event('A', { i: 0 }), event('B', { i: 1 })], 'no_stream');
      expect(result.nextExpectedRevision).toBe(1);
      const read = await store.readStream(id);
      expect(read.revision).toBe(1);
      expect(read.events.map((e) => [e.type, e.streamRevision, e.data])).toEqual([
        ['A', 0, { i: 0 }],
        ['B', 1, { i: 1 }],
      ]);
      expect(read.events[0]!.metadata).toMatchObject({ correlationId: 'c-1', actor: 'tester' });
      expect(read.events[1]!.globalPosition > read.events[0]!.globalPosition).toBe(true);
    });

    it('reads a stream that does not exist as empty with revision -1', async () => {
      expect(await store.readStream(stream())).toEqual({ events: [], revision: -1 });
    });

    it('honours every kind of expected revision', async () => {
      const id = stream();
      await expect(store.append(id, [event()], 'stream_exists')).rejects.toBeInstanceOf(WrongExpectedRevision);
      await expect(store.append(id, [event()], 0)).rejects.toBeInstanceOf(WrongExpectedRevision);
      await store.append(id, [event()], 'no_stream');
      await expect(store.append(id, [event()], 'no_stream')).rejects.toBeInstanceOf(WrongExpectedRevision);
      await store.append(id, [event()], 0);
      await expect(store.append(id, [event()], 0)).rejects.toMatchObject({ actual: 1 });
      await store.append(id, [event()], 'stream_exists');
      await store.append(id, [event()], 'any');
      expect((await store.readStream(id)).revision).toBe(3);
    });

    it('reads a stream from a revision, a bounded number of events', async () => {
      const id = stream();
      await store.append(
        id,
        Array.from({ length: 5 }, (_, i) => event('N', { i })),
        'no_stream',
      );
      const read = await store.readStream(id, { fromRevision: 2, maxCount: 2 });
      expect(read.events.map((e) => e.streamRevision)).toEqual([2, 3]);
      expect(read.revision).toBe(4);
    });

    it('stores an event id appended twice only once', async () => {
      const id = stream();
      const once = event();
      const first = await store.append(id, [once], 'no_stream');
      const again = await store.append(id, [once], 'no_stream');
      expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
      expect((await store.readStream(id)).events).toHaveLength(1);
    });

    it('lets exactly one of many concurrent appends at the same revision win', async () => {
      const id = stream();
      await store.append(id, [event()], 'no_stream');
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => store.append(id, [event()], 0)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof WrongExpectedRevision)).toHaveLength(19);
    });

    it('reads all events in global order from a position', async () => {
      const a = stream('all');
      const b = stream('all');
      await store.append(a, [event('A1')], 'no_stream');
      await store.append(b, [event('B1')], 'no_stream');
      const { position } = await store.append(a, [event('A2')], 0);
      const head = await store.headPosition();
      expect(head >= position).toBe(true);
      const all = await collectAll(store);
      const ours = all.filter((e) => e.streamId === a || e.streamId === b).map((e) => e.type);
      expect(ours).toEqual(['A1', 'B1', 'A2']);
      const positions = all.map((e) => e.globalPosition);
      expect([...positions].sort()).toEqual(positions);
      const afterFirst = await store.readAll({ after: all[0]!.globalPosition, maxCount: 1 });
      expect(afterFirst[0]?.eventId).toBe(all[1]?.eventId);
    });

    it('appends to several streams at once, each with its own expectation, in the order given', async () => {
      const [a, b, c] = [stream('multi'), stream('multi'), stream('multi')];
      await store.append(b, [event('B0')], 'no_stream');
      const result = await store.appendMultiple([
        { streamId: a, events: [event('A0'), event('A1')], expected: 'no_stream' },
        { streamId: b, events: [event('B1')], expected: 0 },
        { streamId: c, events: [event('C0')], expected: 'any' },
      ]);
      expect(result.streams).toEqual([
        { streamId: a, nextExpectedRevision: 1 },
        { streamId: b, nextExpectedRevision: 1 },
        { streamId: c, nextExpectedRevision: 0 },
      ]);
      const ours = (await collectAll(store)).filter((e) => [a, b, c].includes(e.streamId));
      expect(ours.map((e) => e.type)).toEqual(['B0', 'A0', 'A1', 'B1', 'C0']);
      expect(ours.at(-1)!.globalPosition).toBe(result.position);
    });

    it("stores nothing of a multi-stream append when one stream's expectation is stale", async () => {
      const [a, b] = [stream('multi'), stream('multi')];
      await store.append(b, [event('B0'), event('B1')], 'no_stream');
      const failed = store.appendMultiple([
        { streamId: a, events: [event('A0')], expected: 'no_stream' },
        { streamId: b, events: [event('B2')], expected: 0 },
      ]);
      await expect(failed).rejects.toMatchObject({ name: 'WrongExpectedRevision', streamId: b, actual: 1 });
      expect(await store.readStream(a)).toEqual({ events: [], revision: -1 });
      expect((await store.readStream(b)).revision).toBe(1);
    });

    it('stores a multi-stream append sent twice (same event ids) only once', async () => {
      const [a, b] = [stream('multi'), stream('multi')];
      const appends = [
        { streamId: a, events: [event('A0')], expected: 'no_stream' as const },
        { streamId: b, events: [event('B0'), event('B1')], expected: 'no_stream' as const },
      ];
      const first = await store.appendMultiple(appends);
      const again = await store.appendMultiple(appends);
      expect(again.streams).toEqual(first.streams);
      expect((await store.readStream(b)).events).toHaveLength(2);
    });

    it('settles each append of a batch on its own: a conflict in one fails only that one', async () => {
      const shared = stream('batch');
      await store.append(shared, [event('S0')], 'no_stream');
      const others = Array.from({ length: 5 }, () => stream('batch'));
      const settled = await store.appendBatch([
        [{ streamId: others[0]!, events: [event()], expected: 'no_stream' }],
        [
          { streamId: others[1]!, events: [event()], expected: 'no_stream' },
          { streamId: shared, events: [event('stale')], expected: 5 },
        ],
        [{ streamId: shared, events: [event('S1')], expected: 0 }],
        [{ streamId: shared, events: [event('S2')], expected: 1 }],
        ...others.slice(2).map((id) => [{ streamId: id, events: [event()], expected: 'no_stream' as const }]),
      ]);
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevision);
      expect((await store.readStream(others[1]!)).revision).toBe(-1);
      expect((await store.readStream(shared)).events.map((e) => e.type)).toEqual(['S0', 'S1', 'S2']);
    });

    it('appends several appends of a batch to one stream, each at the revision the ones before it leave', async () => {
      const [shared, fresh] = [stream('batch'), stream('batch')];
      await store.append(shared, [event('S0')], 'no_stream');
      const settled = await store.appendBatch([
        [{ streamId: shared, events: [event('S1'), event('S2')], expected: 0 }],
        [
          { streamId: fresh, events: [event('F0')], expected: 'any' },
          { streamId: shared, events: [event('S3')], expected: 2 },
        ],
        [{ streamId: shared, events: [event('S4')], expected: 'stream_exists' }],
        [{ streamId: fresh, events: [event('F1')], expected: 0 }],
      ]);
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      const revisions = settled.map((s) => (s as PromiseFulfilledResult<MultiStreamAppendResult>).value.streams.map((r) => r.nextExpectedRevision));
      expect(revisions).toEqual([[2], [0, 3], [4], [1]]);
      const ours = (await collectAll(store)).filter((e) => e.streamId === shared || e.streamId === fresh);
      expect(ours.map((e) => `${e.type}@${e.streamRevision}`)).toEqual(['S0@0', 'S1@1', 'S2@2', 'F0@0', 'S3@3', 'S4@4', 'F1@1']);
    });

    it('delivers every appended event to a subscriber, live, exactly once', async () => {
      const controller = new AbortController();
      const seen: RecordedEvent[] = [];
      const start = await store.headPosition();
      const id = stream('sub');
      const running = store.subscribe({
        after: start,
        signal: controller.signal,
        onBatch: async (events) => {
          seen.push(...events.filter((e) => e.streamId === id));
        },
      });
      for (let i = 0; i < 10; i++) await store.append(id, [event('Live', { i })], 'any');
      await waitFor(() => seen.length >= 10);
      controller.abort();
      await running;
      expect(seen.map((e) => (e.data as { i: number }).i)).toEqual([...Array(10).keys()]);
    });
  });
};

const collectAll = async (store: EventStore): Promise<RecordedEvent[]> => {
  const all: RecordedEvent[] = [];
  let after = '';
  for (;;) {
    const page = await store.readAll({ after, maxCount: 500 });
    if (page.length === 0) return all;
    all.push(...page);
    after = page[page.length - 1]!.globalPosition;
  }
};

export const waitFor = async (condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};
