import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { insertNewRows as insertNew, noWrite } from '../pg-documents.ts';
import type { PgProjection } from '../projection.ts';

export const REVIEWS = 'reviews';

/**
 * Table names of a target: the published reviews, the first names of their authors, and which host
 * has had a request from which guest (who may read what other hosts wrote about that guest).
 */
export const reviewTables = (target: string) => ({ reviews: target, names: `${target}_names`, requests: `${target}_requests` });

type Written = { rating: number; comment: string; at: string };
type Published = {
  bookingId: string;
  listingId: string;
  hostId: string;
  guestId: string;
  stayMonth: string;
  guestReview?: Written;
  hostReview?: Written;
  at: string;
};
type ReviewRow = {
  booking_id: string;
  about: 'stay' | 'guest';
  listing_id: string;
  host_id: string;
  guest_id: string;
  rating: number;
  comment: string;
  stay_month: string;
  written_at: string;
  published_at: string;
};
type NameRow = { user_id: string; first_name: string };
type RequestRow = { host_id: string; guest_id: string };

const indexes = (target: string): string => {
  const t = reviewTables(target);
  return `
    CREATE INDEX IF NOT EXISTS ${t.reviews}_listing ON ${t.reviews} (listing_id, written_at DESC) WHERE about = 'stay';
    CREATE INDEX IF NOT EXISTS ${t.reviews}_guest ON ${t.reviews} (guest_id, written_at DESC) WHERE about = 'guest';
    CREATE INDEX IF NOT EXISTS ${t.reviews}_host ON ${t.reviews} (host_id, written_at DESC) WHERE about = 'stay';`;
};

/** The rows a batch adds: the first of each key wins, as one-by-one inserts with DO NOTHING would. */
const rowsOf = (events: readonly RecordedEvent[]): { reviews: ReviewRow[]; names: NameRow[]; requests: RequestRow[] } => {
  const reviews = new Map<string, ReviewRow>();
  const names = new Map<string, NameRow>();
  const requests = new Map<string, RequestRow>();
  for (const event of events) {
    if (event.type === 'BookingRequested') {
      const { hostId, guestId } = event.data as { hostId: string; guestId: string };
      requests.set(`${hostId}\u0000${guestId}`, { host_id: hostId, guest_id: guestId });
      continue;
    }
    if (event.type === 'UserRegistered') {
      const { userId, name } = event.data as { userId: string; name: string };
      if (!names.has(userId)) names.set(userId, { user_id: userId, first_name: name.trim().split(/\s+/)[0] ?? '' });
      continue;
    }
    if (event.type !== 'BookingReviewsPublished') continue;
    const data = event.data as Published;
    const written = [...(data.guestReview ? [['stay', data.guestReview] as const] : []), ...(data.hostReview ? [['guest', data.hostReview] as const] : [])];
    for (const [about, review] of written) {
      const key = `${data.bookingId}\u0000${about}`;
      if (reviews.has(key)) continue;
      reviews.set(key, {
        booking_id: data.bookingId,
        about,
        listing_id: data.listingId,
        host_id: data.hostId,
        guest_id: data.guestId,
        rating: review.rating,
        comment: review.comment,
        stay_month: data.stayMonth,
        written_at: review.at,
        published_at: data.at,
      });
    }
  }
  return { reviews: [...reviews.values()], names: [...names.values()], requests: [...requests.values()] };
};

/**
 * Reviews as they are read, once published (double-blind: never before). One row per review:
 * `stay` (the guest about the listing and host) and `guest` (the host about the guest). A review
 * is written once, so a redelivered event finds its rows there and changes nothing.
 */
export const reviewsProjection: PgProjection = {
  name: REVIEWS,
  handles: new Set(['BookingReviewsPublished', 'UserRegistered', 'BookingRequested']),
  async migrate(client: PoolClient, target: string, options = {}) {
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
      CREATE TABLE IF NOT EXISTS ${t.names} (user_id text PRIMARY KEY, first_name text NOT NULL);
      CREATE TABLE IF NOT EXISTS ${t.requests} (host_id text NOT NULL, guest_id text NOT NULL, PRIMARY KEY (host_id, guest_id));
      ${options.indexes === false ? '' : indexes(target)}`);
  },
  async index(client: PoolClient, target: string) {
    await client.query(indexes(target));
  },
  // Write-once rows: nothing to read first, the batch's rows are inserted unless already there.
  async fold(_db, events, target) {
    const { reviews, names, requests } = rowsOf(events);
    if (reviews.length === 0 && names.length === 0 && requests.length === 0) return noWrite;
    const t = reviewTables(target);
    return async (client) => {
      await insertNew(client, t.names, 'user_id', names);
      await insertNew(client, t.requests, 'host_id, guest_id', requests);
      await insertNew(client, t.reviews, 'booking_id, about', reviews);
    };
  },
  async drop(client: PoolClient, target: string) {
    const t = reviewTables(target);
    await client.query(`DROP TABLE IF EXISTS ${t.requests}; DROP TABLE IF EXISTS ${t.names}; DROP TABLE IF EXISTS ${t.reviews};`);
  },
};
