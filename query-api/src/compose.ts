import { corsOriginsOf, createLogger, createPool, jwtTokens, PgBookingHistoryReader, PgCartReader, PgListingReader, PgOrderHistoryReader, PgProductReader, systemClock, type Clock, type Config } from '@stayhub/infra';
import { availabilityStoreFromConfig, type AvailabilityStore } from '@stayhub/infra/read-stores/availability/index';
import type { QueryDeps } from './shared/deps.ts';

export const composeQuerySide = (options: {
  databaseUrl: string;
  config: Pick<Config, 'JWT_SECRET' | 'JWT_TTL_MINUTES'> & Partial<Pick<Config, 'CORS_ORIGINS' | 'AVAILABILITY' | 'REDIS_URL'>>;
  clock?: Clock;
  consistencyWaitMs?: number;
  /** An availability store to read instead of the one the configuration names (the caller closes it). */
  availability?: AvailabilityStore;
}): QueryDeps & { close: () => Promise<void> } => {
  const pool = createPool(options.databaseUrl, 20);
  const clock = options.clock ?? systemClock;
  const ownAvailability = options.availability ? undefined : availabilityStoreFromConfig(options.config);
  const availability = options.availability ?? ownAvailability;
  return {
    pool,
    listings: new PgListingReader(pool, availability),
    bookings: new PgBookingHistoryReader(pool),
    products: new PgProductReader(pool),
    orders: new PgOrderHistoryReader(pool),
    carts: new PgCartReader(pool),
    tokens: jwtTokens(options.config.JWT_SECRET, options.config.JWT_TTL_MINUTES, () => clock.now()),
    clock,
    log: createLogger('query-api'),
    consistencyWaitMs: options.consistencyWaitMs ?? 2000,
    corsOrigins: corsOriginsOf(options.config.CORS_ORIGINS),
    close: async () => {
      await ownAvailability?.close();
      await pool.end();
    },
  };
};
