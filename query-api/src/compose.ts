import { createPool, systemClock, type Clock } from '@stayhub/event-sourcing';
import { jwtTokens } from '@stayhub/http-kit';
import { corsOriginsOf, createLogger, SecuritySettings, type Config } from '@stayhub/platform-kit';
import {
  PgBookingHistoryReader,
  PgCalendarBlockReader,
  PgCartReader,
  PgHostBookingReader,
  PgHostEarningsReader,
  PgHostListingReader,
  PgListingReader,
  PgOrderHistoryReader,
  PgProductReader,
  PgReviewReader,
  PgSellerOrderReader,
  PgStockReceiptReader,
  PgUserProfileReader,
  availabilityStoreFromConfig,
  liveAvailability,
  PgAvailabilityStore,
  type AvailabilityStore,
  PgNotificationReader,
  CassandraBookingHistoryReader,
  readStoreClientsFromConfig,
  type ReadStoreClients,
  type ReadStoreClientsConfig,
  ElasticsearchListingReader,
  ElasticsearchProductReader,
  waitForLogPosition,
  CassandraOrderHistoryReader,
  committedHead,
  liveTargets,
  waitForPosition,
  CheckpointChanges,
  LISTINGS,
  LISTING_CALENDARS,
  ListingViewCache,
  type ListingCalendarRow,
  type ListingView,
} from '@stayhub/read-models';
import type { QueryDeps } from './shared/deps.ts';
import { searchCacheFromConfig } from './shared/search-cache.ts';

export const composeQuerySide = (options: {
  databaseUrl: string;
  config: Pick<Config, 'JWT_SECRET' | 'JWT_TTL_MINUTES'> &
    Partial<Pick<Config, 'LOG_LEVEL'>> &
    Partial<
      Pick<
        Config,
        | 'CORS_ORIGINS'
        | 'AVAILABILITY'
        | 'REDIS_URL'
        | 'LOG'
        | 'RATE_LIMIT_WINDOW_SECONDS'
        | 'RATE_LIMIT_QUERIES_PER_IP'
        | 'EVENT_STORE'
        | 'SEARCH_CACHE_TTL_MS'
        | 'LISTING_CACHE_ENTRIES'
        | 'LISTING_CACHE_TTL_MS'
      >
    > &
    ReadStoreClientsConfig;
  clock?: Clock;
  consistencyWaitMs?: number;
  /** Elasticsearch/Cassandra clients to read instead of those the configuration names (the caller closes them). */
  readStores?: ReadStoreClients;
  /** An availability store to read instead of the one the configuration names (the caller closes it). */
  availability?: AvailabilityStore;
  /** Serving as one of this many worker processes (`QUERY_API_WORKERS`): the pool is their share, the rate limit counted by the primary. */
  workers?: number;
}): QueryDeps & { close: () => Promise<void> } => {
  const workers = options.workers ?? 1;
  const pool = createPool(options.databaseUrl, Math.max(5, Math.ceil(20 / workers)));
  const clock = options.clock ?? systemClock;
  const ownAvailability = options.availability ? undefined : availabilityStoreFromConfig(options.config);
  const availability = options.availability ?? ownAvailability;
  // SEARCH=elasticsearch, HISTORY=cassandra: readers follow each projection's live target (a replay swaps it).
  const ownStores = options.readStores ? undefined : readStoreClientsFromConfig(options.config);
  const stores = options.readStores ?? ownStores!;
  const live = (projection: string) => async () => (await liveTargets(pool, [projection]))[projection]!;
  const { elasticsearch, cassandra } = stores;
  const searchCache = searchCacheFromConfig(options.config);
  const checkpointChanges = new CheckpointChanges(pool);
  const listingViews = listingViewCacheOf<ListingView>(options.config, checkpointChanges, [LISTINGS]);
  // A calendar's rows change with bookings (the calendars) and its unit types with the listing.
  const listingCalendars = listingViewCacheOf<readonly ListingCalendarRow[]>(options.config, checkpointChanges, [LISTINGS, LISTING_CALENDARS]);
  // The caches key on what the projectors announce: hear it from the start.
  if (searchCache || listingViews) void checkpointChanges.start();
  return {
    pool,
    listings: elasticsearch
      ? new ElasticsearchListingReader(elasticsearch, {
          alias: stores.listingsAlias,
          availability: liveAvailability(pool, availability ?? new PgAvailabilityStore(pool)),
        })
      : new PgListingReader(pool, availability, listingViews, listingCalendars),
    bookings: cassandra
      ? new CassandraBookingHistoryReader(cassandra.client, { keyspace: cassandra.keyspace, target: live('booking_history') })
      : new PgBookingHistoryReader(pool),
    products: elasticsearch ? new ElasticsearchProductReader(elasticsearch, stores.productsAlias) : new PgProductReader(pool),
    orders: cassandra
      ? new CassandraOrderHistoryReader(cassandra.client, { keyspace: cassandra.keyspace, target: live('order_history') })
      : new PgOrderHistoryReader(pool),
    carts: new PgCartReader(pool),
    users: new PgUserProfileReader(pool),
    reviews: new PgReviewReader(pool),
    calendarBlocks: new PgCalendarBlockReader(pool),
    earnings: new PgHostEarningsReader(pool),
    hostListings: new PgHostListingReader(pool),
    notifications: new PgNotificationReader(pool),
    sellerOrders: new PgSellerOrderReader(pool),
    stockReceipts: new PgStockReceiptReader(pool),
    hostBookings: new PgHostBookingReader(pool),
    tokens: jwtTokens(options.config.JWT_SECRET, options.config.JWT_TTL_MINUTES, () => clock.now()),
    clock,
    log: createLogger('query-api', options.config.LOG_LEVEL),
    consistencyWaitMs: options.consistencyWaitMs ?? 2000,
    // Fed by Kafka, projections have no single global checkpoint: wait on the log watermark instead.
    waitForPosition: (projections, position, timeoutMs) =>
      (options.config.LOG === 'kafka' ? waitForLogPosition : waitForPosition)(checkpointChanges, projections, position, timeoutMs),
    ...(options.config.EVENT_STORE === 'esdb' ? {} : { committedHead: () => committedHead(pool) }),
    corsOrigins: corsOriginsOf(options.config.CORS_ORIGINS),
    searchCache,
    changesVersion: (names) => checkpointChanges.versionOf(names),
    rateLimit: { ...rateLimitOf(options.config), acrossWorkers: workers > 1 },
    close: async () => {
      await searchCache?.close();
      await ownAvailability?.close();
      await ownStores?.close();
      await checkpointChanges.close();
      await pool.end();
    },
  };
};

/** Listing views (or calendar rows) kept while no change to the named read models is announced; nothing is kept while announcements cannot be heard. */
const listingViewCacheOf = <T>(
  config: Partial<Pick<Config, 'LISTING_CACHE_ENTRIES' | 'LISTING_CACHE_TTL_MS'>>,
  changes: CheckpointChanges,
  names: readonly string[],
) => {
  const maxEntries = config.LISTING_CACHE_ENTRIES ?? 10_000;
  if (maxEntries <= 0) return undefined;
  return new ListingViewCache<T>({
    maxEntries,
    ttlMs: config.LISTING_CACHE_TTL_MS ?? 30_000,
    version: () => (changes.listening ? changes.versionOf(names) : undefined),
  });
};

const rateLimitOf = (config: Partial<Pick<SecuritySettings, 'RATE_LIMIT_WINDOW_SECONDS' | 'RATE_LIMIT_QUERIES_PER_IP'>>) => {
  const settings = SecuritySettings.pick({ RATE_LIMIT_WINDOW_SECONDS: true, RATE_LIMIT_QUERIES_PER_IP: true }).parse(config);
  return { windowMs: settings.RATE_LIMIT_WINDOW_SECONDS * 1000, perAddress: settings.RATE_LIMIT_QUERIES_PER_IP };
};
