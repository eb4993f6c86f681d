import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createPool, PostgresEventStore, type EventToAppend, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { PostgresCheckpoints } from '../../src/kafka/checkpoints.ts';
import { encodeMessage } from '../../src/kafka/message.ts';
import { allTopics } from '../../src/kafka/topics.ts';
import { testCluster, testKafka, type KafkaTestCluster } from './broker.ts';
import { eventually } from './collect.ts';

export const PARTITIONS = 6;

export type KafkaFixture = {
  /** Unique per test, part of every stream id, so a shared real cluster's history does not interfere. */
  run: string;
  pool: Pool;
  store: PostgresEventStore;
  checkpoints: PostgresCheckpoints;
  cluster: KafkaTestCluster;
  kafka: Kafka;
  /** Appends `count` events to `streamId`, one append each, and returns their ids. */
  appendEvents(streamId: string, count: number, metadata?: EventToAppend['metadata']): Promise<string[]>;
  /**
   * The `count` events after `after`, once readers can see them all. Readers stop below the oldest
   * running transaction of the whole server, and other test files share this server.
   */
  readVisible(count: number, after?: string): Promise<RecordedEvent[]>;
  close(): Promise<void>;
};

/** A fresh PostgreSQL event store and the run's shared broker (`KAFKA_BROKERS`) for one test. */
export const kafkaFixture = async (extraTopics: Record<string, number> = {}): Promise<KafkaFixture> => {
  const pool = createPool(await testDatabaseUrl(), 5);
  const store = await PostgresEventStore.create(pool, { pollIntervalMs: 50 });
  const checkpoints = await PostgresCheckpoints.create(pool);
  const topics = Object.fromEntries([...allTopics.map((topic) => [topic, PARTITIONS] as const), ...Object.entries(extraTopics)]);
  const cluster = await testCluster(topics);
  const run = randomUUID().slice(0, 8);
  return {
    run,
    pool,
    store,
    checkpoints,
    cluster,
    kafka: testKafka(cluster.brokers, `test-${run}`),
    appendEvents: async (streamId, count, metadata) => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const eventId = randomUUID();
        await store.append(streamId, [{ eventId, type: 'Tested', data: { streamId, n: i }, ...(metadata ? { metadata } : {}) }], 'any');
        ids.push(eventId);
      }
      return ids;
    },
    readVisible: async (count, after = '') => {
      let events: RecordedEvent[] = [];
      const visible = async () => {
        events = await store.readAll({ after, maxCount: count + 1 });
        return events.length >= count;
      };
      await eventually(visible, 30_000, `${count} visible events`);
      return events;
    },
    close: async () => {
      await cluster.stop();
      await store.close();
      await pool.end();
    },
  };
};

/** Produces stored events to `topic` the way the relay does, for tests of the consuming side. */
export const publishEvents = async (kafka: Kafka, topic: string, events: RecordedEvent[]): Promise<void> => {
  const producer = kafka.producer({ maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: events.map((event) => encodeMessage(event)) });
  } finally {
    await producer.disconnect();
  }
};
