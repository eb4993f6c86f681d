import { corsOriginsOf, createLogger, createPool, jwtTokens, PgBookingHistoryReader, PgCartReader, PgListingReader, PgOrderHistoryReader, PgProductReader, systemClock, type Clock, type Config } from '@stayhub/infra';
import type { QueryDeps } from './shared/deps.ts';

export const composeQuerySide = (options: {
  databaseUrl: string;
  config: Pick<Config, 'JWT_SECRET' | 'JWT_TTL_MINUTES'> & Partial<Pick<Config, 'CORS_ORIGINS'>>;
  clock?: Clock;
  consistencyWaitMs?: number;
}): QueryDeps & { close: () => Promise<void> } => {
  const pool = createPool(options.databaseUrl, 20);
  const clock = options.clock ?? systemClock;
  return {
    pool,
    listings: new PgListingReader(pool),
    bookings: new PgBookingHistoryReader(pool),
    products: new PgProductReader(pool),
    orders: new PgOrderHistoryReader(pool),
    carts: new PgCartReader(pool),
    tokens: jwtTokens(options.config.JWT_SECRET, options.config.JWT_TTL_MINUTES, () => clock.now()),
    clock,
    log: createLogger('query-api'),
    consistencyWaitMs: options.consistencyWaitMs ?? 2000,
    corsOrigins: corsOriginsOf(options.config.CORS_ORIGINS),
    close: () => pool.end(),
  };
};
