import { availabilityProjection } from '@stayhub/read-models/availability/pg-projection';
import { bookingHistoryProjection } from '@stayhub/read-models/booking-history/pg-projection';
import { listingSearchProjection } from '@stayhub/read-models/listings/pg-projection';
import { productSearchProjection } from '@stayhub/read-models/products/pg-projection';
import { orderHistoryProjection } from '@stayhub/read-models/order-history/pg-projection';
import { cartsProjection } from '@stayhub/read-models/carts/pg-projection';
import { userProfilesProjection } from '@stayhub/read-models/user-profiles/pg-projection';
import { reviewsProjection } from '@stayhub/read-models/reviews/pg-projection';
import { hostEarningsProjection } from '@stayhub/read-models/host-earnings/pg-projection';
import { hostListingsProjection } from '@stayhub/read-models/host-listings/pg-projection';
import { sellerOrdersProjection } from '@stayhub/read-models/seller-orders/pg-projection';
import { hostBookingsProjection } from '@stayhub/read-models/host-bookings/pg-projection';
import { calendarBlocksProjection } from '@stayhub/read-models/calendar-blocks/pg-projection';
import { stockReceiptsProjection } from '@stayhub/read-models/stock-receipts/pg-projection';
import { notificationsProjection } from '@stayhub/read-models/notifications/pg-projection';
import type { PgProjection } from '@stayhub/read-models';

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
