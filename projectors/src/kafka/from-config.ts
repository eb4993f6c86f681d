import { Kafka, logLevel } from 'kafkajs';
import { listOf, type Config } from '@stayhub/platform-kit';

/** A kafkajs client on `KAFKA_BROKERS` (comma-separated `host:port`). */
export const kafkaFromConfig = (config: Partial<Pick<Config, 'KAFKA_BROKERS'>>, clientId: string): Kafka => {
  const brokers = listOf(config.KAFKA_BROKERS);
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is required when LOG=kafka');
  return new Kafka({ clientId, brokers, logLevel: logLevel.WARN });
};
