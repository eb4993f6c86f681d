import type { Pool } from 'pg';
import type { Config } from '@stayhub/platform-kit';
import type { EventStore } from './port.ts';
import { secretFree } from '../secrets/store.ts';
import { PostgresEventStore, type PostgresEventStoreOptions } from './postgres.ts';

export type EventStoreConfig = Partial<Pick<Config, 'EVENT_STORE' | 'ESDB_URL'>>;

/**
 * The event store `EVENT_STORE` names: KurrentDB (EventStoreDB) at `ESDB_URL`, or PostgreSQL on
 * `pool` (the default), as written: events of older versions still carry their secrets. Only the
 * one-time move of those secrets reads it; everything else uses `eventStoreFromConfig`.
 */
export const rawEventStoreFromConfig = async (config: EventStoreConfig, pool: Pool, options: PostgresEventStoreOptions = {}): Promise<EventStore> => {
  if (config.EVENT_STORE !== 'esdb') return PostgresEventStore.create(pool, options);
  if (!config.ESDB_URL) throw new Error('ESDB_URL is required when EVENT_STORE=esdb');
  const { KurrentEventStore } = await import('./esdb.ts');
  return KurrentEventStore.connect(config.ESDB_URL);
};

/** The event store `EVENT_STORE` names, read without the secrets that older events carried. The KurrentDB client is loaded only when chosen. */
export const eventStoreFromConfig = async (config: EventStoreConfig, pool: Pool, options: PostgresEventStoreOptions = {}): Promise<EventStore> =>
  secretFree(await rawEventStoreFromConfig(config, pool, options));
