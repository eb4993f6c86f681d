import {
  availabilityProjection,
  bookingHistoryProjection,
  listingSearchProjection,
  productSearchProjection,
  orderHistoryProjection,
  cartsProjection,
  userProfilesProjection,
  reviewsProjection,
  hostEarningsProjection,
  hostListingsProjection,
  sellerOrdersProjection,
  hostBookingsProjection,
  calendarBlocksProjection,
  stockReceiptsProjection,
  notificationsProjection,
  type PgProjection,
} from '@stayhub/read-models';

/** Every read model the projectors keep on the embedded default (PostgreSQL). */
export const pgProjections: readonly PgProjection[] = [
  listingSearchProjection,
  availabilityProjection,
  bookingHistoryProjection,
  productSearchProjection,
  orderHistoryProjection,
  cartsProjection,
  userProfilesProjection,
  reviewsProjection,
  calendarBlocksProjection,
  hostEarningsProjection,
  hostListingsProjection,
  hostBookingsProjection,
  notificationsProjection,
  sellerOrdersProjection,
  stockReceiptsProjection,
];

export const projectionNamed = (name: string): PgProjection | undefined => pgProjections.find((p) => p.name === name);
