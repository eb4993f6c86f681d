import { availabilityProjection } from './availability/pg-projection.ts';
import { bookingHistoryProjection } from './booking-history/pg-projection.ts';
import { listingSearchProjection } from './listings/pg-projection.ts';
import { productSearchProjection } from './products/pg-projection.ts';
import { orderHistoryProjection } from './order-history/pg-projection.ts';
import { cartsProjection } from './carts/pg-projection.ts';
import type { PgProjection } from './runner/projection.ts';

/** Every read model the projectors keep on the embedded default (PostgreSQL). */
export const pgProjections: readonly PgProjection[] = [listingSearchProjection, availabilityProjection, bookingHistoryProjection, productSearchProjection, orderHistoryProjection, cartsProjection];

export const projectionNamed = (name: string): PgProjection | undefined => pgProjections.find((p) => p.name === name);
