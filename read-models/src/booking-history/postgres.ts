import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import type { BookingHistoryReader, BookingListQuery, BookingPage, BookingView } from './port.ts';

const BOOKING_HISTORY = 'booking_history';

export class PgBookingHistoryReader implements BookingHistoryReader {
  constructor(private readonly pool: Pool) {}

  async get(bookingId: string): Promise<BookingView | undefined> {
    const { booking_history: table } = await liveTargets(this.pool, [BOOKING_HISTORY]);
    const { rows } = await this.pool.query<{ doc: BookingView }>(`SELECT doc FROM ${table} WHERE booking_id = $1`, [bookingId]);
    return rows[0] && view(rows[0].doc);
  }

  byGuest(guestId: string, query: BookingListQuery): Promise<BookingPage> {
    return this.list('guest_id', guestId, query);
  }

  byHost(hostId: string, query: BookingListQuery): Promise<BookingPage> {
    return this.list('host_id', hostId, query);
  }

  private async list(column: 'guest_id' | 'host_id', id: string, query: BookingListQuery): Promise<BookingPage> {
    const { booking_history: table } = await liveTargets(this.pool, [BOOKING_HISTORY]);
    const params: unknown[] = [id, query.now.toISOString()];
    const conditions = [`${column} = $1`];
    // Current: not yet over and still alive; past: over, or ended without a stay.
    const ended = `status IN ('declined','request_expired','payment_failed','cancelled','completed')`;
    if (query.scope === 'current') conditions.push(`end_at >= $2 AND NOT ${ended}`);
    if (query.scope === 'past') conditions.push(`(end_at < $2 OR ${ended})`);
    if (query.listingId) {
      params.push(query.listingId);
      conditions.push(`listing_id = $${params.length}`);
    }
    const direction = query.scope === 'current' ? 'ASC' : 'DESC';
    params.push(query.pageSize + 1, (query.page - 1) * query.pageSize);
    const { rows } = await this.pool.query<{ doc: BookingView }>(
      `SELECT doc FROM ${table} WHERE ${conditions.join(' AND ')} AND $2::timestamptz IS NOT NULL
        ORDER BY start_at ${direction}, booking_id LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return { items: rows.slice(0, query.pageSize).map((r) => view(r.doc)), page: query.page, pageSize: query.pageSize, hasMore: rows.length > query.pageSize };
  }
}

const view = (doc: BookingView & { revision?: number }): BookingView => {
  const { revision: _revision, ...rest } = doc;
  return rest;
};
