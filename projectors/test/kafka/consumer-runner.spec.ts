import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { DEAD_LETTER_HEADERS, runKafkaProjection, type KafkaProjection, type KafkaProjectionOptions } from '../../src/kafka/consumer-runner.ts';
import { deadLetterTopic } from '../../src/kafka/topics.ts';
import { collect, eventually } from './collect.ts';
import { kafkaFixture, PARTITIONS, publishEvents, type KafkaFixture } from './fixture.ts';
import { fastConsumer, kafkaUnavailable } from './broker.ts';

const ids = (events: RecordedEvent[]): string[] => events.map((event) => event.eventId).sort();
const totalLag = async (projection: KafkaProjection): Promise<number> => (await projection.lag()).reduce((sum, p) => sum + p.lag, 0);

describe.skipIf(kafkaUnavailable)('runKafkaProjection against Kafka', () => {
  let f: KafkaFixture;
  let topic: string;
  const stops: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    const run = Math.random().toString(36).slice(2, 10);
    topic = `stayhub.test-${run}`;
    f = await kafkaFixture({ [topic]: PARTITIONS, [deadLetterTopic(`poison-${run}`)]: 1 });
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await f.close();
  });

  const project = async (groupId: string, handle: KafkaProjectionOptions['handle'], options: Partial<KafkaProjectionOptions> = {}) => {
    const controller = new AbortController();
    const projection = await runKafkaProjection({
      kafka: f.kafka,
      groupId,
      topics: [topic],
      handle,
      retry: { attempts: 3, baseMs: 10 },
      signal: controller.signal,
      consumer: fastConsumer,
      ...options,
    });
    const stop = async (): Promise<void> => {
      controller.abort();
      await projection.done;
    };
    stops.push(stop);
    return { projection, stop };
  };

  /** Appends `perStream` events to each of `streams` streams and returns them as stored. */
  const appendAcross = async (streams: number, perStream: number, prefix = 'booking'): Promise<RecordedEvent[]> => {
    const head = await f.store.headPosition();
    for (let round = 0; round < perStream; round++) {
      for (let s = 0; s < streams; s++) await f.appendEvents(`${prefix}-${f.run}-${s}`, 1);
    }
    return f.readVisible(streams * perStream, head);
  };

  it('commits only after the handler accepted a batch; a successor in the group resumes from those commits without loss', async () => {
    const first = await appendAcross(4, 5);
    await publishEvents(f.kafka, topic, first);

    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let entered = 0;
    const seenByA: RecordedEvent[] = [];
    const a = await project(`group-${f.run}`, async (events) => {
      entered += 1;
      await gate;
      seenByA.push(...events);
    });
    stops.push(async () => open()); // a failed assertion must not leave the handler, and so the cleanup, hanging
    await eventually(() => entered > 0, 30_000, 'the first batch');
    const held = await a.projection.lag();
    expect(held.every((p) => p.committed === null)).toBe(true);
    expect(held.reduce((sum, p) => sum + p.lag, 0)).toBe(20);

    open();
    await eventually(() => seenByA.length >= 20, 30_000, 'all 20 events');
    await eventually(async () => (await totalLag(a.projection)) === 0, 10_000, 'lag 0');
    expect(ids(seenByA)).toEqual(ids(first));
    const settled = await a.projection.lag();
    expect(settled.filter((p) => p.committed !== null).length).toBeGreaterThan(0);
    for (const p of settled) expect(p.committed ?? '0').toBe(p.high); // partitions no stream hashed to stay uncommitted
    await a.stop();

    const later = await appendAcross(4, 2);
    await publishEvents(f.kafka, topic, later);
    const seenByB: RecordedEvent[] = [];
    const b = await project(`group-${f.run}`, async (events) => void seenByB.push(...events));
    await eventually(() => seenByB.length >= 8, 30_000, 'the 8 new events');
    await eventually(async () => (await totalLag(b.projection)) === 0, 10_000, 'lag 0');
    expect(ids(seenByB)).toEqual(ids(later));
  });

  it('parks a poison event (and an undecodable message) on the dead-letter topic and goes on; retries an outage without parking', async () => {
    const groupId = `poison-${topic.slice('stayhub.test-'.length)}`;
    const events = await appendAcross(1, 8);
    const [poison, flaky] = [events[3]!, events[5]!];
    await publishEvents(f.kafka, topic, events);
    const producer = f.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: `booking-${f.run}-junk`, value: 'not json' }] });
    await producer.disconnect();

    // The store is "down" for 5 calls touching `flaky`: more than the 3 attempts, but not parked.
    class ReadStoreDown extends Error {}
    let outages = 0;
    const handled: RecordedEvent[] = [];
    const { projection } = await project(
      groupId,
      async (batch) => {
        if (batch.some((event) => event.eventId === poison.eventId)) throw new Error(`cannot project ${poison.eventId}`);
        if (batch.some((event) => event.eventId === flaky.eventId) && outages++ < 5) throw new ReadStoreDown('read store down');
        handled.push(...batch);
      },
      { retryForever: (error) => error instanceof ReadStoreDown },
    );
    const dead = await collect(f.kafka, [deadLetterTopic(groupId)], () => true);
    stops.push(() => dead.stop());

    await dead.until((messages) => messages.length >= 2);
    await eventually(() => handled.length >= 7, 30_000, 'the healthy events');
    await eventually(async () => (await totalLag(projection)) === 0, 10_000, 'lag 0');

    expect(ids(handled)).toEqual(ids(events.filter((event) => event !== poison)));
    expect(projection.status()).toMatchObject({ parked: 2 });
    expect(outages).toBe(6);
    const parkedEvent = dead.messages.find((m) => m.key === poison.streamId)!;
    expect(parkedEvent.event).toEqual(poison);
    expect(parkedEvent.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.error]: `cannot project ${poison.eventId}`,
      [DEAD_LETTER_HEADERS.groupId]: groupId,
      [DEAD_LETTER_HEADERS.topic]: topic,
    });
    const parkedJunk = dead.messages.find((m) => m.key === `booking-${f.run}-junk`)!;
    expect(parkedJunk.headers[DEAD_LETTER_HEADERS.error]).toMatch(/bad headers|not JSON/);
  });

  it('shares partitions between two members of a group, and one takes over all of them when the other leaves', async () => {
    const groupId = `shared-${f.run}`;
    const seen = { a: [] as RecordedEvent[], b: [] as RecordedEvent[] };
    const a = await project(groupId, async (events) => void seen.a.push(...events));
    const b = await project(groupId, async (events) => void seen.b.push(...events));
    const partitionsOf = (p: KafkaProjection): number[] => p.status().assigned[topic] ?? [];
    await eventually(
      () => {
        const [pa, pb] = [partitionsOf(a.projection), partitionsOf(b.projection)];
        return pa.length > 0 && pb.length > 0 && new Set([...pa, ...pb]).size === PARTITIONS && pa.length + pb.length === PARTITIONS;
      },
      40_000,
      'a balanced assignment',
    );

    const events = await appendAcross(12, 5);
    await publishEvents(f.kafka, topic, events);
    await eventually(() => seen.a.length + seen.b.length >= 60, 30_000, 'all 60 events');
    expect(seen.a.length).toBeGreaterThan(0);
    expect(seen.b.length).toBeGreaterThan(0);
    expect(ids([...seen.a, ...seen.b])).toEqual(ids(events));
    const streamsOf = (list: RecordedEvent[]) => new Set(list.map((event) => event.streamId));
    expect([...streamsOf(seen.a)].filter((stream) => streamsOf(seen.b).has(stream))).toEqual([]);
    for (const list of [seen.a, seen.b]) {
      for (const stream of streamsOf(list)) {
        expect(list.filter((e) => e.streamId === stream).map((e) => e.streamRevision)).toEqual([0, 1, 2, 3, 4]);
      }
    }

    await b.stop();
    await eventually(() => partitionsOf(a.projection).length === PARTITIONS, 40_000, 'A to take over every partition');
    const more = await appendAcross(12, 1);
    const before = seen.a.length;
    await publishEvents(f.kafka, topic, more);
    await eventually(() => seen.a.length >= before + 12, 30_000, 'the 12 new events at A');
    expect(ids(seen.a.slice(before))).toEqual(ids(more));
  });
});
