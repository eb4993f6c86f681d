import type { Config } from '@stayhub/platform-kit';
import { redisAnswers } from '@stayhub/event-sourcing';
import type { AvailabilityStore } from './port.ts';
import { RedisAvailabilityStore } from './redis.ts';

/**
 * The availability store the configuration asks for, or `undefined` for the embedded default
 * (the PostgreSQL projection's table, read inside the search SQL).
 */
export const availabilityStoreFromConfig = (
  config: Partial<Pick<Config, 'AVAILABILITY' | 'REDIS_URL'>>,
  options: { namespace?: string } = {},
): AvailabilityStore | undefined => {
  if (config.AVAILABILITY !== 'redis') return undefined;
  if (!config.REDIS_URL) throw new Error('REDIS_URL is required when AVAILABILITY=redis');
  return RedisAvailabilityStore.connect(config.REDIS_URL, options);
};

/** As `availabilityStoreFromConfig`, for a process start: refuses to start with a clear message when Redis does not answer. */
export const connectAvailabilityStore = async (
  config: Partial<Pick<Config, 'AVAILABILITY' | 'REDIS_URL'>>,
  options: { namespace?: string } = {},
): Promise<AvailabilityStore | undefined> => {
  if (config.AVAILABILITY === 'redis' && config.REDIS_URL && !(await redisAnswers(config.REDIS_URL, 3_000))) {
    throw new Error(`AVAILABILITY=redis but no Redis answers at REDIS_URL=${config.REDIS_URL}`);
  }
  return availabilityStoreFromConfig(config, options);
};
