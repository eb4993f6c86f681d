import type { PoolClient } from 'pg';
import { foldTable, roomForUpdates, sharedValue, type DocumentTable } from '../pg-documents.ts';
import type { PgProjection } from '../projection.ts';
import { bookingDocumentHandles, evolveBookingDocument, type BookingDocument } from './booking-document.ts';

export const BOOKING_HISTORY = 'booking_history';

const bookingRows: DocumentTable<BookingDocument> = {
  table: (target) => target,
  key: 'booking_id',
  handles: bookingDocumentHandles,
  keyOf: (event) => (event.data as { bookingId: string }).bookingId,
  evolve: evolveBookingDocument,
  row: (doc) => ({
    booking_id: doc.bookingId,
    guest_id: doc.guestId,
    host_id: doc.hostId,
    listing_id: doc.listingId,
    status: doc.status,
    start_at: doc.start,
    end_at: doc.end,
    doc: sharedValue(doc),
    updated_at: doc.updatedAt,
  }),
};

const indexes = (target: string): string => `
      CREATE INDEX IF NOT EXISTS ${target}_guest ON ${target} (guest_id, start_at DESC);
      CREATE INDEX IF NOT EXISTS ${target}_host ON ${target} (host_id, start_at DESC);`;

export const bookingHistoryProjection: PgProjection = {
  name: BOOKING_HISTORY,
  handles: bookingDocumentHandles,
  async migrate(client: PoolClient, target: string, options = {}) {
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${target} (
        booking_id text PRIMARY KEY,
        guest_id   text NOT NULL,
        host_id    text NOT NULL,
        listing_id text NOT NULL,
        status     text NOT NULL,
        start_at   timestamptz NOT NULL,
        end_at     timestamptz NOT NULL,
        -- json, not jsonb: only ever written and read whole, so the server keeps the text as written
        -- instead of parsing it into jsonb's form on every write (and printing it back on every read)
        doc        json NOT NULL,
        updated_at timestamptz NOT NULL
      );
      ${options.indexes === false ? '' : indexes(target)}`);
    // A booking's row is written again soon after it is inserted (paid, confirmed): kept on its page.
    await roomForUpdates(client, target);
  },
  async index(client: PoolClient, target: string) {
    await client.query(indexes(target));
  },
  fold: (db, events, target, options) => foldTable(db, bookingRows, events, target, options),
  async drop(client: PoolClient, target: string) {
    await client.query(`DROP TABLE IF EXISTS ${target}`);
  },
};
