import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import { REVIEWS, reviewTables } from './pg-projection.ts';

export type ListingReview = { rating: number; comment: string; stayMonth: string; guestFirstName: string; writtenAt: string };
export type ListingReviewPage = { items: ListingReview[]; page: number; pageSize: number; hasMore: boolean; rating: { average: number | null; count: number } };

export interface ReviewReader {
  /** Published reviews of a listing's stays, newest first, with the listing's rating over all of them. */
  ofListing(listingId: string, paging: { page: number; pageSize: number }): Promise<ListingReviewPage>;
}

export class PgReviewReader implements ReviewReader {
  constructor(private readonly pool: Pool) {}

  async ofListing(listingId: string, { page, pageSize }: { page: number; pageSize: number }): Promise<ListingReviewPage> {
    const t = reviewTables((await liveTargets(this.pool, [REVIEWS]))[REVIEWS]!);
    const [items, summary] = await Promise.all([
      this.pool.query<{ rating: number; comment: string; stay_month: string; first_name: string | null; written_at: Date }>(
        `SELECT r.rating, r.comment, r.stay_month, n.first_name, r.written_at FROM ${t.reviews} r LEFT JOIN ${t.names} n ON n.user_id = r.guest_id
          WHERE r.listing_id = $1 AND r.about = 'stay' ORDER BY r.written_at DESC, r.booking_id LIMIT $2 OFFSET $3`,
        [listingId, pageSize + 1, (page - 1) * pageSize],
      ),
      this.pool.query<{ average: string | null; count: number }>(
        `SELECT round(avg(rating), 2)::text AS average, count(*)::int AS count FROM ${t.reviews} WHERE listing_id = $1 AND about = 'stay'`,
        [listingId],
      ),
    ]);
    const { average, count } = summary.rows[0] ?? { average: null, count: 0 };
    return {
      items: items.rows.slice(0, pageSize).map((r) => ({ rating: r.rating, comment: r.comment, stayMonth: r.stay_month, guestFirstName: r.first_name ?? '', writtenAt: r.written_at.toISOString() })),
      page,
      pageSize,
      hasMore: items.rows.length > pageSize,
      rating: { average: average === null ? null : Number(average), count },
    };
  }
}
