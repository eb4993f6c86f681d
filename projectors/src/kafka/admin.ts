import type { Kafka } from 'kafkajs';
import { allTopics } from './topics.ts';

export type EnsureTopicsOptions = {
  topics?: readonly string[];
  numPartitions?: number;
  /** -1: the broker's default replication factor. */
  replicationFactor?: number;
};

/**
 * Creates missing topics through the admin API; existing ones are left as they are. Returns the
 * topics it created.
 */
export const ensureTopics = async (kafka: Kafka, options: EnsureTopicsOptions = {}): Promise<string[]> => {
  const wanted = options.topics ?? allTopics;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((topic) => !existing.has(topic));
    if (missing.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: options.numPartitions ?? 12, replicationFactor: options.replicationFactor ?? -1 })),
    });
    return missing;
  } finally {
    await admin.disconnect();
  }
};
