import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics } from '../../src/kafka/admin.ts';

export type KafkaTestCluster = {
  brokers: string[];
  stop(): Promise<void>;
};

const brokers = (): string[] =>
  process.env.KAFKA_BROKERS?.split(',')
    .map((broker) => broker.trim())
    .filter(Boolean) ?? [];

/**
 * Why the Kafka suites cannot run here, or `undefined` when they can. The test setup starts a real
 * broker and sets `KAFKA_BROKERS` (or takes an external cluster's from the environment).
 */
export const kafkaUnavailable: string | undefined = brokers().length
  ? undefined
  : `Kafka suite skipped: ${process.env.KAFKA_BROKERS_MISSING ?? 'KAFKA_BROKERS is not set and the test setup started no broker'}`;
if (kafkaUnavailable) console.warn(kafkaUnavailable);

/**
 * The run's shared broker, with `topics` (name → partition count) created through the admin API as
 * production does. Other test files publish to the same topics: tests tell theirs apart by a run id
 * inside every stream id.
 */
export const testCluster = async (topics: Record<string, number> = {}): Promise<KafkaTestCluster> => {
  if (kafkaUnavailable) throw new Error(kafkaUnavailable);
  const kafka = testKafka(brokers(), 'stayhub-test-setup');
  const byCount = new Map<number, string[]>();
  for (const [topic, partitions] of Object.entries(topics)) byCount.set(partitions, [...(byCount.get(partitions) ?? []), topic]);
  for (const [numPartitions, names] of byCount) await madeSoon(() => ensureTopics(kafka, { topics: names, numPartitions }));
  return { brokers: brokers(), stop: async () => undefined };
};

/**
 * Two test files may create the same topic at once: the loser's TOPIC_ALREADY_EXISTS is fine. On a
 * loaded machine a new topic's leaders can take longer than kafkajs waits for them
 * ("does not host this topic-partition"): asked again, `ensureTopics` finds the topic made.
 */
const madeSoon = async (make: () => Promise<unknown>, attempts = 10): Promise<void> => {
  for (let attempt = 1; ; attempt++) {
    try {
      await make();
      return;
    } catch (error) {
      const text = JSON.stringify(error, Object.getOwnPropertyNames(error)) + String(error);
      if (/TOPIC_ALREADY_EXISTS|already exists/i.test(text)) return;
      if (attempt >= attempts || !/does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION|LEADER_NOT_AVAILABLE/i.test(text)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
};

/** A kafkajs client for tests: quiet (unless KAFKA_TEST_LOG=debug|info|warn), with short retries. */
export const testKafka = (brokerList: string[], clientId: string): Kafka =>
  new Kafka({ clientId, brokers: brokerList, logLevel: testLogLevel(), retry: { initialRetryTime: 100, retries: 5 } });

const testLogLevel = (): logLevel => {
  const wanted = process.env.KAFKA_TEST_LOG?.toLowerCase();
  return wanted === 'debug' ? logLevel.DEBUG : wanted === 'info' ? logLevel.INFO : wanted === 'warn' ? logLevel.WARN : logLevel.NOTHING;
};

/**
 * Consumer tuning so that joins and rebalances take seconds, not the production defaults' tens. The
 * broker refuses sessions under 6 s (group.min.session.timeout.ms); 10 s leaves room for a loaded
 * test machine.
 */
export const fastConsumer = { sessionTimeout: 10_000, rebalanceTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 300 };
