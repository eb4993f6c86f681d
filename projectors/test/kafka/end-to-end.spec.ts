import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inTransaction, type RecordedEvent } from '@stayhub/event-sourcing';
import { runKafkaProjection, type KafkaProjection } from '../../src/kafka/consumer-runner.ts';
import { KafkaRelay } from '../../src/kafka/relay.ts';
import { allTopics } from '../../src/kafka/topics.ts';
import { eventually } from './collect.ts';
import { kafkaFixture, type KafkaFixture } from './fixture.ts';
import { fastConsumer, kafkaUnavailable } from './broker.ts';

describe.skipIf(kafkaUnavailable)('event store → relay → Kafka → projection', () => {
  let f: KafkaFixture;
  const stops: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    f = await kafkaFixture();
    await f.pool.query('CREATE TABLE stream_progress (stream_id text PRIMARY KEY, revision int NOT NULL, applied int NOT NULL)');
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await f.close();
  });

  const startRelay = (): void => {
    const controller = new AbortController();
    const running = new KafkaRelay({ eventStore: f.store, kafka: f.kafka, checkpoints: f.checkpoints }).start(controller.signal);
    stops.push(async () => {
      controller.abort();
      await running;
    });
  };

  /** A read model that ignores a revision it already has, as every projection must. */
  const applyIdempotently = (events: RecordedEvent[]) =>
    inTransaction(f.pool, async (client) => {
      for (const event of events.filter((e) => e.streamId.includes(f.run))) {
        await client.query(
          `INSERT INTO stream_progress (stream_id, revision, applied) VALUES ($1, $2, 1)
           ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, applied = stream_progress.applied + 1
           WHERE stream_progress.revision < excluded.revision`,
          [event.streamId, event.streamRevision],
        );
      }
    });

  const progress = async () =>
    (await f.pool.query<{ stream_id: string; revision: number; applied: number }>('SELECT * FROM stream_progress ORDER BY stream_id')).rows;

  it('delivers every appended event to the read model, and a full republish changes nothing', async () => {
    const streams = [`booking-${f.run}`, `listing-${f.run}`, `order-${f.run}`];
    for (let round = 0; round < 4; round++) for (const stream of streams) await f.appendEvents(stream, 1);
    startRelay();

    const controller = new AbortController();
    let delivered = 0;
    const projection: KafkaProjection = await runKafkaProjection({
      kafka: f.kafka,
      groupId: `read-model-${f.run}`,
      topics: allTopics,
      handle: async (events) => {
        await applyIdempotently(events);
        delivered += events.filter((e) => e.streamId.includes(f.run)).length;
      },
      signal: controller.signal,
      consumer: fastConsumer,
    });
    stops.push(async () => {
      controller.abort();
      await projection.done;
    });
    const expected = [...streams].sort().map((stream_id) => ({ stream_id, revision: 3, applied: 4 }));
    await eventually(async () => JSON.stringify(await progress()) === JSON.stringify(expected), 30_000, 'the read model');

    // Rewind the relay: all 12 events reach the projection a second time.
    await stops.shift()!();
    await f.checkpoints.save('relay', '');
    startRelay();
    await eventually(() => delivered >= 24, 30_000, 'the republished events');
    await eventually(async () => (await projection.lag()).every((p) => p.lag === 0), 10_000, 'lag 0');
    expect(await progress()).toEqual(expected);
  });
});
