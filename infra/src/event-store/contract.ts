import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WrongExpectedRevision, type EventStore, type EventToAppend, type RecordedEvent } from './port.ts';

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
      await store.append(id, Array.from({ length: 5 }, (_, i) => event('N', { i })), 'no_stream');
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
