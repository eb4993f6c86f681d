import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '@stayhub/platform-kit';
import { KAFKA_VERSION } from '@stayhub/platform/testing';
import { readStoreClientsFromConfig } from '@stayhub/read-models';
import { atScaleStoresMissing } from './harness.ts';

/** `service → image` of a compose file's `services:` (each service's own `image:` line). */
const composeImages = (file: string): Record<string, string> => {
  const images: Record<string, string> = {};
  let inServices = false;
  let service: string | undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\S/.test(line)) inServices = line.startsWith('services:');
    const named = inServices ? /^ {2}([\w-]+):\s*$/.exec(line) : null;
    if (named) service = named[1];
    const image = inServices && service ? /^ {4}image:\s*(\S+)/.exec(line) : null;
    if (image) images[service!] = image[1]!;
  }
  return images;
};

const missing = atScaleStoresMissing();

/**
 * What is tested is what is deployed: the at-scale compose file runs the same server versions as
 * the servers these tests talk to (the ones the test setup starts, or those the URLs name), each
 * asked for its own version.
 */
describe.skipIf(Boolean(missing))(`docker-compose.kafka.yml pins the engines the tests run${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const images = composeImages(join(projectRoot, 'docker-compose.kafka.yml'));
  const stores = readStoreClientsFromConfig(
    {
      SEARCH: 'elasticsearch',
      ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL,
      ELASTICSEARCH_FLAVOR: process.env.ELASTICSEARCH_FLAVOR === 'opensearch' ? 'opensearch' : 'elasticsearch',
      HISTORY: 'cassandra',
      CASSANDRA_CONTACT_POINTS: process.env.CASSANDRA_CONTACT_POINTS,
      CASSANDRA_LOCAL_DC: process.env.CASSANDRA_LOCAL_DC ?? 'datacenter1',
    },
    {},
  );
  afterAll(() => stores.close());

  it('Kafka: the broker version the test setup starts', () => {
    expect(images.kafka).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(images['kafka-topics']).toBe(images.kafka);
  });

  it('Cassandra: the release the server reports', async () => {
    const { rows } = await stores.cassandra!.client.execute('SELECT release_version FROM system.local');
    expect(images.cassandra).toBe(`cassandra:${rows[0]!.release_version}`);
  });

  it('search: the distribution and version the server reports, and a client configured for it', async () => {
    const info = (await stores.elasticsearch!.info()) as unknown as { version: { number: string; distribution?: string } };
    const image = info.version.distribution === 'opensearch' ? 'opensearchproject/opensearch' : 'docker.elastic.co/elasticsearch/elasticsearch';
    expect(images.elasticsearch).toBe(`${image}:${info.version.number}`);
    const compose = readFileSync(join(projectRoot, 'docker-compose.kafka.yml'), 'utf8');
    expect(compose).toContain(`ELASTICSEARCH_FLAVOR: ${info.version.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch'}`);
  });

  it('Redis: the version the server reports', async () => {
    const redis = new Redis(process.env.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      const info = await redis.info('server');
      expect(images.redis).toBe(`redis:${/redis_version:(\S+)/.exec(info)![1]}`);
    } finally {
      redis.disconnect();
    }
  });
});
