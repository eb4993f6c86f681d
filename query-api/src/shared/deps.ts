import type { Pool } from 'pg';
import type { BookingHistoryReader, CartReader, Clock, ListingReader, Logger, OrderHistoryReader, ProductReader, TokenIssuer } from '@stayhub/infra';

export type QueryDeps = {
  pool: Pool;
  listings: ListingReader;
  bookings: BookingHistoryReader;
  products: ProductReader;
  orders: OrderHistoryReader;
  carts: CartReader;
  tokens: TokenIssuer;
  clock: Clock;
  log: Logger;
  /** How long a query waits for its read model to reach a client's consistency token. */
  consistencyWaitMs: number;
  /** Allowed browser origins; any when omitted. */
  corsOrigins?: string[] | undefined;
};
