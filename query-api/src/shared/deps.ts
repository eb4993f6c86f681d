import type { Pool } from 'pg';
import type { Clock } from '@stayhub/event-sourcing';
import type { TokenIssuer } from '@stayhub/http-kit';
import type { Logger } from '@stayhub/platform-kit';
import type { SearchCache } from './search-cache.ts';
import type {
  BookingHistoryReader,
  CalendarBlockReader,
  CartReader,
  HostBookingReader,
  HostEarningsReader,
  HostListingReader,
  ListingReader,
  NotificationReader,
  OrderHistoryReader,
  ProductReader,
  ReviewReader,
  SellerOrderReader,
  StockReceiptReader,
  UserProfileReader,
} from '@stayhub/read-models';

export type QueryDeps = {
  pool: Pool;
  listings: ListingReader;
  bookings: BookingHistoryReader;
  products: ProductReader;
  orders: OrderHistoryReader;
  carts: CartReader;
  users: UserProfileReader;
  reviews: ReviewReader;
  calendarBlocks: CalendarBlockReader;
  earnings: HostEarningsReader;
  hostListings: HostListingReader;
  notifications: NotificationReader;
  sellerOrders: SellerOrderReader;
  stockReceipts: StockReceiptReader;
  hostBookings: HostBookingReader;
  tokens: TokenIssuer;
  clock: Clock;
  log: Logger;
  /** How long a query waits for its read model to reach a client's consistency token. */
  consistencyWaitMs: number;
  /**
   * Whether the named projections have applied everything up to a position, waiting up to
   * `timeoutMs`: by their checkpoints (`LOG=local`), by the log watermark under Kafka.
   */
  waitForPosition: (projections: readonly string[], position: string, timeoutMs: number) => Promise<boolean>;
  /** The event store's newest committed position, which a consistency token may not pass; no check when omitted. */
  committedHead?: () => Promise<string | undefined>;
  /** Repeated searches answered for a short TTL; none when omitted. */
  searchCache?: SearchCache | undefined;
  /**
   * A token that changes once the projectors announce a change to any of the named read models
   * (see `ListingReader.searchDependsOn`): a cached search keyed with it is not served after such a
   * change. Without it, a cached search is served for its whole TTL.
   */
  changesVersion?: (names: readonly string[]) => string;
  /**
   * Reads per client address and window (`RATE_LIMIT_QUERIES_PER_IP`); unlimited when omitted.
   * `acrossWorkers`: counted by the cluster's primary, so that the limit holds for all workers together.
   */
  rateLimit?: { windowMs: number; perAddress: number; acrossWorkers?: boolean };
  /** Allowed browser origins; any when omitted. */
  corsOrigins?: string[] | undefined;
};
