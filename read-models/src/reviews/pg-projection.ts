import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/infra';
import type { PgProjection } from '../projection.ts';

export const REVIEWS = 'reviews';

/** Table names of a target: the published reviews, and the first names of their authors. */
export const reviewTables = (target: string) => ({ reviews: target, names: `${target}_names` });

type Written = { rating: number; comment: string; at: string };
type Published = { bookingId: string; listingId: string; hostId: string; guestId: string; stayMonth: string; guestReview?: Written; hostReview?: Written; at: string };

/**
 * Reviews as they are read, once published (double-blind: never before). One row per review:
 * `stay` (the guest about the listing and host) and `guest` (the host about the guest). A review
 * is written once, so a redelivered event finds its rows there and changes nothing.
 */
export const reviewsProjection: PgProjection = {
  name: REVIEWS,
  handles: new Set(['BookingReviewsPublished', 'UserRegistered']),
  async migrate(client: PoolClient, target: string) {
    const t = reviewTables(target);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${t.reviews} (
        booking_id   text NOT NULL,
        about        text NOT NULL,
        listing_id   text NOT NULL,
        host_id      text NOT NULL,
        guest_id     text NOT NULL,
        rating       int NOT NULL,
        comment      text NOT NULL,
        stay_month   text NOT NULL,
        written_at   timestamptz NOT NULL,
        published_at timestamptz NOT NULL,
        PRIMARY KEY (booking_id, about)
      );
      CREATE INDEX IF NOT EXISTS ${t.reviews}_listing ON ${t.reviews} (listing_id, written_at DESC) WHERE about = 'stay';
      CREATE INDEX IF NOT EXISTS ${t.reviews}_guest ON ${t.reviews} (guest_id, written_at DESC) WHERE about = 'guest';
      CREATE TABLE IF NOT EXISTS ${t.names} (user_id text PRIMARY KEY, first_name text NOT NULL);`);
  },
  async apply(client: PoolClient, event: RecordedEvent, target: string) {
    const t = reviewTables(target);
    if (event.type === 'UserRegistered') {
      const { userId, name } = event.data as { userId: string; name: string };
      await client.query(`INSERT INTO ${t.names} (user_id, first_name) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING`, [userId, name.trim().split(/\s+/)[0] ?? '']);
      return;
    }
    const data = event.data as Published;
    const rows = [
      ...(data.guestReview ? [['stay', data.guestReview] as const] : []),
      ...(data.hostReview ? [['guest', data.hostReview] as const] : []),
    ];
    for (const [about, review] of rows) {
      await client.query(
        `INSERT INTO ${t.reviews} (booking_id, about, listing_id, host_id, guest_id, rating, comment, stay_month, written_at, published_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (booking_id, about) DO NOTHING`,
        [data.bookingId, about, data.listingId, data.hostId, data.guestId, review.rating, review.comment, data.stayMonth, review.at, data.at],
      );
    }
  },
  async drop(client: PoolClient, target: string) {
    const t = reviewTables(target);
    await client.query(`DROP TABLE IF EXISTS ${t.names}; DROP TABLE IF EXISTS ${t.reviews};`);
  },
};
