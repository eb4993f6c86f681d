import type { Admin, Batch, ConsumerConfig, EachBatchPayload, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { backoffDelay, errorMessage, silentLogger, sleep, Stopped, type Logger } from './backoff.ts';
import { carriedTraceparent, decodeMessage } from './message.ts';
import { deadLetterTopic } from './topics.ts';

type RetryPolicy = { attempts: number; baseMs: number; maxMs?: number };

export type KafkaProjectionOptions = {
  kafka: Kafka;
  /** One consumer group per projection. */
  groupId: string;
  topics: readonly string[];
  /**
   * Must be idempotent: after a crash or a rebalance, events since the last commit come again.
   * One call holds events of one partition, in offset order; `traceparents[i]` is the trace context
   * `events[i]` came with (its message's `traceparent` header), for the span that applies them.
   */
  handle: (events: RecordedEvent[], source: { topic: string; partition: number; traceparents: readonly (string | undefined)[] }) => Promise<void>;
  retry?: RetryPolicy;
  /**
   * Errors that mean "the read store is down", not "this event is bad": retried without end (with
   * capped backoff) instead of parked, so an outage does not empty the log into the dead-letter topic.
   */
  retryForever?: (error: unknown) => boolean;
  signal: AbortSignal;
  /** Where a group without a committed offset starts; projections want everything (default). */
  fromBeginning?: boolean;
  /** Session, heartbeat and fetch tuning passed to the kafkajs consumer. */
  consumer?: Omit<ConsumerConfig, 'groupId'>;
  partitionsConsumedConcurrently?: number;
  logger?: Logger;
};

export type PartitionLag = {
  topic: string;
  partition: number;
  /** Offset the next produced message will get. */
  high: string;
  /** Next offset the group will read; `null` when the group has committed nothing there yet. */
  committed: string | null;
  lag: number;
};

export type ProjectionStatus = {
  groupId: string;
  running: boolean;
  handled: number;
  parked: number;
  retries: number;
  /** Partitions this member holds now, by topic; empty while the group rebalances. */
  assigned: Record<string, number[]>;
  lastError?: string;
};

export type KafkaProjection = {
  /** Settles once the consumer has stopped after `signal` aborted; rejects if it crashed for good. */
  done: Promise<void>;
  lag(): Promise<PartitionLag[]>;
  status(): ProjectionStatus;
};

/** Headers added to a parked message, next to the original ones. */
export const DEAD_LETTER_HEADERS = {
  error: 'deadLetterError',
  groupId: 'deadLetterGroupId',
  topic: 'deadLetterSourceTopic',
  partition: 'deadLetterSourcePartition',
  offset: 'deadLetterSourceOffset',
  at: 'deadLetterAt',
} as const;

const nextOffset = (offset: string): string => (BigInt(offset) + 1n).toString();

type Delivered = { message: KafkaMessage; event: RecordedEvent };
type Decoded = Delivered | { message: KafkaMessage; error: unknown };

/**
 * Runs one projection as a Kafka consumer group. Offsets are committed only after `handle`
 * accepted the batch (or its poison events were parked on the dead-letter topic).
 */
export const runKafkaProjection = async (options: KafkaProjectionOptions): Promise<KafkaProjection> => {
  const { kafka, groupId, signal, handle } = options;
  const topics = [...options.topics];
  const retry = { maxMs: 30_000, ...(options.retry ?? { attempts: 5, baseMs: 200 }) };
  const attempts = Math.max(1, retry.attempts);
  const retryForever = options.retryForever ?? (() => false);
  const fromBeginning = options.fromBeginning ?? true;
  const logger = options.logger ?? silentLogger;
  const status: ProjectionStatus = { groupId, running: false, handled: 0, parked: 0, retries: 0, assigned: {} };

  const consumer = kafka.consumer({ ...options.consumer, groupId });
  const producer: Producer = kafka.producer({ maxInFlightRequests: 1 });
  let admin: Promise<Admin> | undefined;

  const handleWithRetry = async (items: readonly Delivered[], batch: Batch, heartbeat: () => Promise<void>): Promise<void> => {
    const events = items.map((item) => item.event);
    const traceparents = items.map((item) => carriedTraceparent(item.message));
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw new Stopped();
      try {
        await handle(events, { topic: batch.topic, partition: batch.partition, traceparents });
        status.handled += events.length;
        return;
      } catch (error) {
        status.lastError = errorMessage(error);
        if (attempt >= attempts && !retryForever(error)) throw error;
        status.retries += 1;
        await sleep(backoffDelay(attempt - 1, retry), signal);
        await heartbeat().catch(() => undefined);
      }
    }
  };

  const park = async (batch: Batch, message: KafkaMessage, error: unknown): Promise<void> => {
    const headers: IHeaders = {
      ...message.headers,
      [DEAD_LETTER_HEADERS.error]: errorMessage(error),
      [DEAD_LETTER_HEADERS.groupId]: groupId,
      [DEAD_LETTER_HEADERS.topic]: batch.topic,
      [DEAD_LETTER_HEADERS.partition]: String(batch.partition),
      [DEAD_LETTER_HEADERS.offset]: message.offset,
      [DEAD_LETTER_HEADERS.at]: new Date().toISOString(),
    };
    await producer.send({ topic: deadLetterTopic(groupId), acks: -1, messages: [{ key: message.key, value: message.value, headers }] });
    status.parked += 1;
    logger.error({ groupId, topic: batch.topic, partition: batch.partition, offset: message.offset, err: errorMessage(error) }, 'event parked');
  };

  const eachBatch = async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> => {
    const last = batch.messages[batch.messages.length - 1];
    if (!last || !isRunning() || isStale()) return;
    const decoded: Decoded[] = batch.messages.map((message) => {
      try {
        return { message, event: decodeMessage(message) };
      } catch (error) {
        return { message, error };
      }
    });
    try {
      const delivered = decoded.filter((item): item is Delivered => 'event' in item);
      try {
        if (delivered.length > 0) await handleWithRetry(delivered, batch, heartbeat);
        for (const item of decoded) if ('error' in item) await park(batch, item.message, item.error);
      } catch (error) {
        if (error instanceof Stopped) throw error;
        // The batch keeps failing: go one by one so that only the poison events are parked.
        for (const item of decoded) {
          if ('error' in item) {
            await park(batch, item.message, item.error);
            continue;
          }
          try {
            await handleWithRetry([item], batch, heartbeat);
          } catch (single) {
            if (single instanceof Stopped) throw single;
            await park(batch, item.message, single);
          }
        }
      }
    } catch (error) {
      if (error instanceof Stopped) return; // nothing resolved: the batch is read again on restart
      throw error;
    }
    resolveOffset(last.offset);
    await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset(last.offset) }] }] });
  };

  let settle!: { resolve: () => void; reject: (error: unknown) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined); // a caller that never awaits `done` must not crash the process
  let crashed: unknown;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await admin?.then((client) => client.disconnect()).catch(() => undefined);
      status.running = false;
      status.assigned = {};
    })().then(() => (crashed === undefined ? settle.resolve() : settle.reject(crashed))));

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    status.assigned = payload.memberAssignment;
  });
  consumer.on(consumer.events.REBALANCING, () => {
    status.assigned = {};
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    status.lastError = errorMessage(payload.error);
    logger.error({ groupId, err: errorMessage(payload.error), restart: payload.restart }, 'consumer crashed');
    if (!payload.restart) {
      crashed = payload.error;
      void stop();
    }
  });

  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch,
    });
    status.running = true;
  } catch (error) {
    await stop();
    throw error;
  }
  if (signal.aborted) void stop();
  else signal.addEventListener('abort', () => void stop(), { once: true });

  const lag = async (): Promise<PartitionLag[]> => {
    admin ??= (async () => {
      const client = kafka.admin();
      await client.connect();
      return client;
    })();
    const client = await admin.catch((error: unknown) => {
      admin = undefined; // try to connect again on the next call
      throw error;
    });
    const committed = await client.fetchOffsets({ groupId, topics });
    const result: PartitionLag[] = [];
    for (const topic of topics) {
      const byPartition = new Map(committed.find((entry) => entry.topic === topic)?.partitions.map((p) => [p.partition, p.offset]));
      for (const { partition, high, low } of await client.fetchTopicOffsets(topic)) {
        const offset = byPartition.get(partition);
        const hasCommitted = offset !== undefined && BigInt(offset) >= 0n;
        const start = hasCommitted ? offset : fromBeginning ? low : high;
        result.push({ topic, partition, high, committed: hasCommitted ? offset : null, lag: Number(BigInt(high) - BigInt(start)) });
      }
    }
    return result.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  };

  return { done, lag, status: () => ({ ...status, assigned: { ...status.assigned } }) };
};
