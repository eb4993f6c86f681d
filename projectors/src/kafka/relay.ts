import { Partitioners, type ICustomPartitioner, type Kafka, type Producer, type TopicMessages } from 'kafkajs';
import { currentTraceparent, inEventsSpan, type EventStore, type RecordedEvent } from '@stayhub/event-sourcing';
import type { PartitionHead } from '@stayhub/read-models';
import { backoffDelay, errorMessage, silentLogger, sleep, Stopped, type Backoff, type Logger } from './backoff.ts';
import type { Checkpoints } from './checkpoints.ts';
import { encodeMessage } from './message.ts';
import { topicFor } from './topics.ts';

export type KafkaRelayOptions = {
  eventStore: EventStore;
  kafka: Kafka;
  checkpoints: Checkpoints;
  /** Checkpoint name; one running relay per name. */
  name?: string;
  /**
   * Idempotent producer (no duplicates from the producer's own retries): on by default, and the
   * tests run it so against a real broker. Off, a retried send may duplicate messages, never drop
   * or reorder them (one request in flight), and
   * projectors ignore a stream revision they already applied.
   */
  idempotent?: boolean;
  batchSize?: number;
  backoff?: Backoff;
  logger?: Logger;
};

export type RelayStatus = {
  name: string;
  running: boolean;
  /** The last global position Kafka acknowledged and the checkpoint holds. */
  position: string;
  published: number;
  failures: number;
  lastError?: string;
};

/** Publishes every stored event to its context's topic, keyed by stream id, in store order. */
export class KafkaRelay {
  private readonly name: string;
  private readonly idempotent: boolean;
  private readonly batchSize: number;
  private readonly backoff: Backoff;
  private readonly logger: Logger;
  private current: RelayStatus;
  /** Newest position handed to each partition in the batch being published. */
  private readonly heads = new Map<string, PartitionHead>();

  constructor(private readonly options: KafkaRelayOptions) {
    this.name = options.name ?? 'relay';
    this.idempotent = options.idempotent ?? true;
    this.batchSize = options.batchSize ?? 500;
    this.backoff = options.backoff ?? { baseMs: 200, maxMs: 10_000 };
    this.logger = options.logger ?? silentLogger;
    this.current = { name: this.name, running: false, position: '', published: 0, failures: 0 };
  }

  status(): RelayStatus {
    return { ...this.current };
  }

  /** Runs until `signal` aborts. Kafka and event store failures are retried with backoff, never skipped. */
  async start(signal: AbortSignal): Promise<void> {
    const producer = this.options.kafka.producer({
      idempotent: this.idempotent,
      maxInFlightRequests: 1,
      createPartitioner: recordingPartitioner(this.heads),
    });
    this.current.running = true;
    try {
      await this.untilDone('connect', signal, () => producer.connect());
      // A failed subscription restarts from the saved checkpoint: what was published is saved, nothing else.
      await this.untilDone('subscribe', signal, async () => {
        const after = await this.options.checkpoints.load(this.name);
        this.current.position = after;
        this.logger.info({ relay: this.name, after }, 'relay subscribing');
        await this.options.eventStore.subscribe({
          after,
          batchSize: this.batchSize,
          signal,
          onBatch: (events) => this.relay(producer, events, signal),
        });
      });
    } catch (error) {
      if (!(error instanceof Stopped)) throw error;
    } finally {
      this.current.running = false;
      await producer.disconnect().catch(() => undefined);
    }
  }

  private async relay(producer: Producer, events: RecordedEvent[], signal: AbortSignal): Promise<void> {
    const position = events[events.length - 1]!.globalPosition;
    this.heads.clear();
    // In a span that continues the events' traces. Each message's `traceparent` header is this span
    // when it is in the event's trace, else the event's own; the consumers continue from the header.
    // (The kafkajs instrumentation, when it patches kafkajs, writes its `send` span there instead: a child of this one.)
    await inEventsSpan('relay publish', events, { 'stayhub.relay': this.name }, () => {
      const topicMessages = groupByTopic(events, currentTraceparent());
      return this.untilDone('publish', signal, () => producer.sendBatch({ topicMessages, acks: -1, timeout: 30_000 }));
    });
    const heads = [...this.heads.values()];
    // Only now is the batch durable in Kafka; a crash before this save republishes it (duplicates, no gap).
    await this.untilDone('checkpoint', signal, () => this.options.checkpoints.save(this.name, position, heads));
    this.current.position = position;
    this.current.published += events.length;
  }

  /** Retries `work` with backoff until it succeeds: the relay never skips ahead. */
  private async untilDone(step: string, signal: AbortSignal, work: () => Promise<unknown>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw new Stopped();
      try {
        await work();
        if (attempt > 0) this.current.lastError = undefined;
        return;
      } catch (error) {
        if (error instanceof Stopped || signal.aborted) throw new Stopped();
        this.current.failures += 1;
        this.current.lastError = `${step}: ${errorMessage(error)}`;
        const delayMs = backoffDelay(attempt, this.backoff);
        this.logger.warn({ relay: this.name, step, attempt, delayMs, err: errorMessage(error) }, 'relay step failed, retrying');
        await sleep(delayMs, signal);
      }
    }
  }
}

const groupByTopic = (events: RecordedEvent[], via: string | undefined): TopicMessages[] => {
  const byTopic = new Map<string, TopicMessages>();
  for (const event of events) {
    const topic = topicFor(event.streamId);
    const group = byTopic.get(topic) ?? { topic, messages: [] };
    group.messages.push(encodeMessage(event, via));
    byTopic.set(topic, group);
  }
  return [...byTopic.values()];
};

/**
 * kafkajs's default partitioner (murmur2 of the key, as the Java client), noting the newest global
 * position sent to each partition. A retry may place a message again; noting a partition it did
 * not finally reach only makes read-your-writes wait longer, never answer too early.
 */
const recordingPartitioner =
  (heads: Map<string, PartitionHead>): ICustomPartitioner =>
  () => {
    const partitioner = Partitioners.DefaultPartitioner();
    return (args) => {
      const partition = partitioner(args);
      const position = args.message.headers?.globalPosition?.toString();
      const key = `${args.topic}\u0000${partition}`;
      if (position && position > (heads.get(key)?.position ?? '')) heads.set(key, { topic: args.topic, partition, position });
      return partition;
    };
  };
