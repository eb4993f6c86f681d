import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import { REVIEWS, reviewTables } from './pg-projection.ts';

type ListingReview = { rating: number; comment: string; stayMonth: string; guestFirstName: string; writtenAt: string };
export type ListingReviewPage = { items: ListingReview[]; page: number; pageSize: number; hasMore: boolean; rating: { average: number | null; count: number } };
type GuestReview = { rating: number; comment: string; stayMonth: string; hostFirstName: string; writtenAt: string };
export type GuestReviewPage = { items: GuestReview[]; page: number; pageSize: number; hasMore: boolean; rating: { average: number | null; count: number } };

/**
 * The reviews a public profile shows: what guests wrote about stays the user hosted (rating and the
 * newest few), and how many reviews hosts wrote about the user as a guest (their text and ratings
 * are for hosts who have had a request from the user).
 */
export type ProfileReviews = {
  asHost: { average: number | null; count: number; recent: ListingReview[] };
  asGuest: { count: number };
};

export interface ReviewReader {
  /** The reviews a user's public profile shows, with the `recent` newest of their hosted stays. */
  ofProfile(userId: string, recent: number): Promise<ProfileReviews>;
  /** Published reviews of a listing's stays, newest first, with the listing's rating over all of them. */
  ofListing(listingId: string, paging: { page: number; pageSize: number }): Promise<ListingReviewPage>;
  /** What hosts wrote about a guest once published, newest first, with the guest's rating over all of them. */
  ofGuest(guestId: string, paging: { page: number; pageSize: number }): Promise<GuestReviewPage>;
  /** Whether the host has had a booking request from the guest. */
  hasRequestFrom(hostId: string, guestId: string): Promise<boolean>;
}

type Row = { rating: number; comment: string; stay_month: string; first_name: string | null; written_at: Date };
type Paging = { page: number; pageSize: number };

export class PgReviewReader implements ReviewReader {
  constructor(private readonly pool: Pool) {}

  private async tables() {
    return reviewTables((await liveTargets(this.pool, [REVIEWS]))[REVIEWS]!);
  }

  /** One page of the reviews `about` a listing or a guest, with the author's first name, and the rating over all of them. */
  private async page(
    about: 'stay' | 'guest',
    subject: { column: 'listing_id' | 'guest_id' | 'host_id'; id: string },
    author: 'guest_id' | 'host_id',
    { page, pageSize }: Paging,
  ) {
    const t = await this.tables();
    const where = `r.${subject.column} = $1 AND r.about = '${about}'`;
    const [items, summary] = await Promise.all([
      this.pool.query<Row>(
        `SELECT r.rating, r.comment, r.stay_month, n.first_name, r.written_at FROM ${t.reviews} r LEFT JOIN ${t.names} n ON n.user_id = r.${author}
          WHERE ${where} ORDER BY r.written_at DESC, r.booking_id LIMIT $2 OFFSET $3`,
        [subject.id, pageSize + 1, (page - 1) * pageSize],
      ),
      this.pool.query<{ average: string | null; count: number }>(
        `SELECT round(avg(rating), 2)::text AS average, count(*)::int AS count FROM ${t.reviews} r WHERE ${where}`,
        [subject.id],
      ),
    ]);
    const { average, count } = summary.rows[0] ?? { average: null, count: 0 };
    const rows = items.rows
      .slice(0, pageSize)
      .map((r) => ({ rating: r.rating, comment: r.comment, stayMonth: r.stay_month, firstName: r.first_name ?? '', writtenAt: r.written_at.toISOString() }));
    return { rows, page, pageSize, hasMore: items.rows.length > pageSize, rating: { average: average === null ? null : Number(average), count } };
  }

  async ofListing(listingId: string, paging: Paging): Promise<ListingReviewPage> {
    const { rows, ...rest } = await this.page('stay', { column: 'listing_id', id: listingId }, 'guest_id', paging);
    return { items: rows.map(({ firstName, ...r }) => ({ ...r, guestFirstName: firstName })), ...rest };
  }

  async ofProfile(userId: string, recent: number): Promise<ProfileReviews> {
    const [hosted, asGuest] = await Promise.all([
      this.page('stay', { column: 'host_id', id: userId }, 'guest_id', { page: 1, pageSize: recent }),
      this.page('guest', { column: 'guest_id', id: userId }, 'host_id', { page: 1, pageSize: 0 }),
    ]);
    return {
      asHost: { ...hosted.rating, recent: hosted.rows.map(({ firstName, ...r }) => ({ ...r, guestFirstName: firstName })) },
      asGuest: { count: asGuest.rating.count },
    };
  }

  async ofGuest(guestId: string, paging: Paging): Promise<GuestReviewPage> {
    const { rows, ...rest } = await this.page('guest', { column: 'guest_id', id: guestId }, 'host_id', paging);
    return { items: rows.map(({ firstName, ...r }) => ({ ...r, hostFirstName: firstName })), ...rest };
  }

  async hasRequestFrom(hostId: string, guestId: string): Promise<boolean> {
    const t = await this.tables();
    const { rows } = await this.pool.query(`SELECT 1 FROM ${t.requests} WHERE host_id = $1 AND guest_id = $2`, [hostId, guestId]);
    return rows.length > 0;
  }
}
