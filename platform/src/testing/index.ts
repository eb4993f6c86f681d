export * from './engines/process.ts';
export * from './engines/kafka.ts';
export * from './engines/opensearch.ts';
export * from './engines/cassandra.ts';
export * from './engines/redis.ts';
