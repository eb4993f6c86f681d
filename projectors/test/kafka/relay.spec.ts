import { KafkaJSProtocolError, type Kafka, type Producer, type ProducerBatch, type ProducerConfig } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore, RecordedEvent, SubscribeOptions } from '@stayhub/event-sourcing';
import { KafkaRelay } from '../../src/kafka/relay.ts';
import { allTopics, topicFor } from '../../src/kafka/topics.ts';
import type { Checkpoints } from '../../src/kafka/checkpoints.ts';
import { collect, eventually, type Collected } from './collect.ts';
import { kafkaFixture, type KafkaFixture } from './fixture.ts';
import { kafkaUnavailable } from './broker.ts';

/** `kafka` whose producers reject their first `count` batches as the broker does a too-large one. */
const rejectingBatches = (kafka: Kafka, count: number): Kafka => {
  let left = count;
  return Object.assign(Object.create(kafka) as Kafka, {
    producer: (config?: ProducerConfig): Producer => {
      const producer = kafka.producer(config);
      return Object.assign(Object.create(producer) as Producer, {
        sendBatch: (batch: ProducerBatch) =>
          left-- > 0
            ? Promise.reject(
                new KafkaJSProtocolError(
                  Object.assign(new Error('The request included a message larger than the max message size the server will accept'), {
                    type: 'MESSAGE_TOO_LARGE',
                    code: 10,
                    retriable: false,
                  }),
                ),
              )
            : producer.sendBatch(batch),
      });
    },
  });
};

/** Revisions per stream in the order a consumer received them. */
const revisionsByStream = (messages: Collected[]): Map<string, number[]> => {
  const result = new Map<string, number[]>();
  for (const { key, event } of messages) result.set(key, [...(result.get(key) ?? []), event!.streamRevision]);
  return result;
};

const firstSeen = (revisions: number[]): number[] => [...new Set(revisions)];
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe.skipIf(kafkaUnavailable)('KafkaRelay against Kafka', () => {
  let f: KafkaFixture;
  const stops: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    f = await kafkaFixture();
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await f.close();
  });

  /** Starts a relay (idempotent producer, as in production); the test's cleanup stops it. */
  const startRelay = (options: Partial<ConstructorParameters<typeof KafkaRelay>[0]> = {}) => {
    const controller = new AbortController();
    const relay = new KafkaRelay({
      eventStore: f.store,
      kafka: f.kafka,
      checkpoints: f.checkpoints,
      backoff: { baseMs: 50, maxMs: 500 },
      ...options,
    });
    const running = relay.start(controller.signal);
    stops.push(async () => {
      controller.abort();
      await running;
    });
    return { relay, controller, running };
  };

  const ours = (key: string): boolean => key.includes(f.run);
  const collectOurs = async () => {
    const collector = await collect(f.kafka, allTopics, ours);
    stops.push(() => collector.stop());
    return collector;
  };

  it('publishes every appended event to its context topic, keyed by stream id, with the envelope in headers and per-stream order', async () => {
    const streams = [`booking-${f.run}`, `listing-${f.run}`, `cart-${f.run}`, `conversation-${f.run}`];
    const traced = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', correlationId: `corr-${f.run}` };
    for (let round = 0; round < 6; round++) {
      for (const stream of streams) await f.appendEvents(stream, 1, round % 2 === 0 ? traced : undefined);
    }
    const stored = await f.readVisible(24);
    expect(stored).toHaveLength(24);

    startRelay({ batchSize: 7 });
    const collector = await collectOurs();
    const messages = await collector.until((all) => all.length >= 24);

    await eventually(async () => (await f.checkpoints.load('relay')) === (await f.store.headPosition()), 30_000, 'checkpoint at head');
    expect(messages).toHaveLength(24);
    const byId = new Map<string, RecordedEvent>(stored.map((event) => [event.eventId, event]));
    for (const message of messages) {
      expect(message.topic).toBe(topicFor(message.key));
      expect(message.event).toEqual(byId.get(message.event!.eventId));
      expect(message.key).toBe(message.event!.streamId);
      expect(message.headers.globalPosition).toBe(message.event!.globalPosition);
      if (message.event!.streamRevision % 2 === 0) expect(message.headers).toMatchObject(traced);
      else expect(message.headers).not.toHaveProperty('traceparent');
    }
    expect(new Set(messages.map((m) => m.topic))).toEqual(new Set(['stayhub.bookings', 'stayhub.listings', 'stayhub.commerce', 'stayhub.other']));
    for (const stream of streams) expect(revisionsByStream(messages).get(stream)).toEqual(range(6));
    // Idempotence is on: every batch carries the producer id the broker assigned (-1 without idempotence).
    const producers = new Set(messages.map((m) => m.producerId));
    expect(producers.size).toBe(1);
    expect(Number([...producers][0])).toBeGreaterThanOrEqual(0);
  });

  it('after a crash between the Kafka ack and the checkpoint, a new relay resumes from the checkpoint: no gap, only that batch again', async () => {
    const streams = [`booking-${f.run}-a`, `booking-${f.run}-b`, `user-${f.run}`];
    for (let round = 0; round < 10; round++) for (const stream of streams) await f.appendEvents(stream, 1);
    const stored = await f.readVisible(30);

    // The third checkpoint write "crashes" the relay: batch 3 is in Kafka, the checkpoint still says batch 2.
    let saves = 0;
    const crashing: Checkpoints = {
      load: (name) => f.checkpoints.load(name),
      save: async (name, position) => {
        saves += 1;
        if (saves === 3) {
          first.controller.abort();
          throw new Error('crash');
        }
        await f.checkpoints.save(name, position);
      },
    };
    const first = startRelay({ checkpoints: crashing, batchSize: 5 });
    await first.running;
    expect(await f.checkpoints.load('relay')).toBe(stored[9]!.globalPosition);

    for (const stream of streams) await f.appendEvents(stream, 2);
    startRelay({ batchSize: 5 });
    const total = stored.length + 6;
    const collector = await collectOurs();
    await collector.until((all) => new Set(all.map((m) => m.event!.eventId)).size >= total);
    await eventually(async () => (await f.checkpoints.load('relay')) === (await f.store.headPosition()), 30_000, 'checkpoint at head');

    const everything = await f.readVisible(total);
    expect(new Set(collector.messages.map((m) => m.event!.eventId))).toEqual(new Set(everything.map((e) => e.eventId)));
    const duplicated = collector.messages.filter((m, i, all) => all.findIndex((o) => o.event!.eventId === m.event!.eventId) !== i);
    expect(duplicated.map((m) => m.event!.eventId).sort()).toEqual(
      stored
        .slice(10, 15)
        .map((e) => e.eventId)
        .sort(),
    );
    for (const stream of streams) expect(firstSeen(revisionsByStream(collector.messages).get(stream)!)).toEqual(range(12));
  });

  it('keeps retrying when Kafka rejects a batch or the store subscription fails, checkpointing only what Kafka acknowledged', async () => {
    const streams = [`order-${f.run}`, `payment-${f.run}`];
    for (let round = 0; round < 5; round++) for (const stream of streams) await f.appendEvents(stream, 1);
    const stored = await f.readVisible(10); // so that the relay reads them as one batch

    const saved: Array<{ position: string; failuresBefore: number }> = [];
    const recording: Checkpoints = {
      load: (name) => f.checkpoints.load(name),
      save: async (name, position) => {
        saved.push({ position, failuresBefore: relay.status().failures });
        await f.checkpoints.save(name, position);
      },
    };
    let subscriptions = 0;
    const flakyStore: EventStore = Object.assign(Object.create(f.store) as EventStore, {
      subscribe: (options: SubscribeOptions) => (++subscriptions === 1 ? Promise.reject(new Error('connection terminated')) : f.store.subscribe(options)),
    });
    const { relay } = startRelay({ checkpoints: recording, eventStore: flakyStore, kafka: rejectingBatches(f.kafka, 3) });
    const collector = await collectOurs();
    await collector.until((all) => new Set(all.map((m) => m.event!.eventId)).size >= 10);
    await eventually(() => saved.length > 0, 10_000, 'a checkpoint');
    // `saved` records the save as it starts; the relay counts the batch once the save is done.
    await eventually(() => relay.status().published > 0, 10_000, 'the batch counted');

    expect(saved).toEqual([{ position: stored[9]!.globalPosition, failuresBefore: expect.any(Number) }]);
    expect(saved[0]!.failuresBefore).toBeGreaterThanOrEqual(2);
    expect(subscriptions).toBe(2);
    expect(relay.status()).toMatchObject({ published: 10, lastError: undefined });
    for (const stream of streams) expect(firstSeen(revisionsByStream(collector.messages).get(stream)!)).toEqual(range(5));
  });
});
