import { availabilityProjection } from './availability/pg-projection.ts';
import { bookingHistoryProjection } from './booking-history/pg-projection.ts';
import { listingSearchProjection } from './listings/pg-projection.ts';
import type { PgProjection } from './runner/projection.ts';

/** Every read model the projectors keep on the embedded default (PostgreSQL). */
export const pgProjections: readonly PgProjection[] = [listingSearchProjection, availabilityProjection, bookingHistoryProjection];

export const projectionNamed = (name: string): PgProjection | undefined => pgProjections.find((p) => p.name === name);
