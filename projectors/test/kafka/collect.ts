import type { Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { decodeMessage } from '../../src/kafka/message.ts';
import { fastConsumer } from './broker.ts';

export type Collected = {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  headers: Record<string, string>;
  event: RecordedEvent | undefined;
  /** The id the broker gave the producer of the record's batch: '-1' unless the producer was idempotent (or transactional). */
  producerId: string | undefined;
};

export type Collector = {
  messages: Collected[];
  /** Resolves once `done(messages)` holds; rejects after `timeoutMs`. */
  until(done: (messages: Collected[]) => boolean, timeoutMs?: number): Promise<Collected[]>;
  stop(): Promise<void>;
};

/** Reads topics from the beginning in a throwaway group, keeping messages whose key passes `keep`. */
export const collect = async (kafka: Kafka, topics: readonly string[], keep: (key: string) => boolean): Promise<Collector> => {
  const consumer = kafka.consumer({ ...fastConsumer, groupId: `collector-${randomUUID()}` });
  const messages: Collected[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const key = message.key?.toString() ?? '';
      if (!keep(key)) return;
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));
      let event: RecordedEvent | undefined;
      try {
        event = decodeMessage(message);
      } catch {
        event = undefined;
      }
      // kafkajs keeps the record batch's header on each message, outside its typings.
      const producerId = (message as { batchContext?: { producerId?: string } }).batchContext?.producerId;
      messages.push({ topic, partition, offset: message.offset, key, headers, event, producerId });
    },
  });
  return {
    messages,
    until: (done, timeoutMs = 30_000) => eventually(() => done(messages), timeoutMs).then(() => messages),
    stop: () => consumer.disconnect(),
  };
};

/** Polls `check` until it returns true; rejects with `what` after `timeoutMs`. */
export const eventually = async (check: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
