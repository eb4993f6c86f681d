import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/infra';
import type { PgProjection } from '../projection.ts';
import { bookingDocumentHandles, evolveBookingDocument, type BookingDocument } from './booking-document.ts';

export const BOOKING_HISTORY = 'booking_history';

export const bookingHistoryProjection: PgProjection = {
  name: BOOKING_HISTORY,
  handles: bookingDocumentHandles,
  async migrate(client: PoolClient, target: string) {
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${target} (
        booking_id text PRIMARY KEY,
        guest_id   text NOT NULL,
        host_id    text NOT NULL,
        listing_id text NOT NULL,
        status     text NOT NULL,
        start_at   timestamptz NOT NULL,
        end_at     timestamptz NOT NULL,
        doc        jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ${target}_guest ON ${target} (guest_id, start_at DESC);
      CREATE INDEX IF NOT EXISTS ${target}_host ON ${target} (host_id, start_at DESC);`);
  },
  async apply(client: PoolClient, event: RecordedEvent, target: string) {
    const bookingId = (event.data as { bookingId: string }).bookingId;
    const { rows } = await client.query<{ doc: BookingDocument }>(`SELECT doc FROM ${target} WHERE booking_id = $1 FOR UPDATE`, [bookingId]);
    const before = rows[0]?.doc;
    const doc = evolveBookingDocument(before, event);
    if (!doc || doc === before) return;
    await client.query(
      `INSERT INTO ${target} (booking_id, guest_id, host_id, listing_id, status, start_at, end_at, doc, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
       ON CONFLICT (booking_id) DO UPDATE SET status = excluded.status, start_at = excluded.start_at, end_at = excluded.end_at,
         doc = excluded.doc, updated_at = excluded.updated_at`,
      [doc.bookingId, doc.guestId, doc.hostId, doc.listingId, doc.status, doc.start, doc.end, JSON.stringify(doc), doc.updatedAt],
    );
  },
  async drop(client: PoolClient, target: string) {
    await client.query(`DROP TABLE IF EXISTS ${target}`);
  },
};
