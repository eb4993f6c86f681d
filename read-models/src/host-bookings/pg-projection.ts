import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { allWrites, foldTable, roomForUpdates, sharedValue, type DocumentTable, type PgWrite } from '../pg-documents.ts';
import type { PgProjection } from '../projection.ts';
import {
  evolveGuestName,
  evolveHostBooking,
  evolveListingNames,
  guestNameHandles,
  hostBookingRowHandles,
  listingNameHandles,
  payoutHandles,
  type GuestName,
  type HostBookingDocument,
  type ListingNames,
} from './host-booking-document.ts';

export const HOST_BOOKINGS = 'host_bookings';

/** Tables of a target: one row per booking, and the names the rows show (guests' first names, listing and unit type names). */
export const hostBookingTables = (target: string) => ({ rows: target, guests: `${target}_guests`, listings: `${target}_listings` });

const bookingRows: DocumentTable<HostBookingDocument> = {
  table: (target) => hostBookingTables(target).rows,
  key: 'booking_id',
  handles: hostBookingRowHandles,
  keyOf: (event) => (event.data as { bookingId: string }).bookingId,
  evolve: evolveHostBooking,
  // payout_status and paid_at are the ledger's, set by statements of their own: a row write leaves them alone
  row: (doc) => ({
    booking_id: doc.bookingId,
    host_id: doc.hostId,
    guest_id: doc.guestId,
    listing_id: doc.listingId,
    unit_type_id: doc.unitTypeId,
    status: doc.status,
    start_at: doc.start,
    end_at: doc.end,
    doc: sharedValue(doc),
  }),
};

const guestNames: DocumentTable<GuestName> = {
  table: (target) => hostBookingTables(target).guests,
  key: 'user_id',
  handles: guestNameHandles,
  keyOf: (event) => (event.data as { userId: string }).userId,
  evolve: evolveGuestName,
  row: (doc) => ({ user_id: doc.userId, doc }),
};

const listingNames: DocumentTable<ListingNames> = {
  table: (target) => hostBookingTables(target).listings,
  key: 'listing_id',
  handles: listingNameHandles,
  keyOf: (event) => (event.data as { listingId: string }).listingId,
  evolve: evolveListingNames,
  row: (doc) => ({ listing_id: doc.listingId, doc }),
};

/**
 * A payout covers several bookings: it marks their rows in progress, then paid. Each statement
 * sets fixed values, so a redelivered event writes the same again.
 */
const payoutWrites =
  (events: readonly RecordedEvent[], target: string): PgWrite =>
  async (client) => {
    const { rows } = hostBookingTables(target);
    for (const event of events) {
      const data = event.data as { hostId: string; payoutId: string; earnings?: string[]; at: string };
      if (event.type === 'HostPayoutStarted') {
        await client.query(
          `UPDATE ${rows} SET payout_id = $3, payout_status = 'in_progress' WHERE host_id = $1 AND booking_id = ANY($2::text[]) AND payout_status IS DISTINCT FROM 'paid'`,
          [data.hostId, data.earnings ?? [], data.payoutId],
        );
      } else if (event.type === 'HostPayoutSent') {
        await client.query(`UPDATE ${rows} SET payout_status = 'paid', paid_at = $3 WHERE host_id = $1 AND payout_id = $2`, [
          data.hostId,
          data.payoutId,
          data.at,
        ]);
      }
    }
  };

const indexes = (target: string): string => {
  const { rows } = hostBookingTables(target);
  return `
    CREATE INDEX IF NOT EXISTS ${rows}_host ON ${rows} (host_id, start_at DESC, booking_id);
    CREATE INDEX IF NOT EXISTS ${rows}_payout ON ${rows} (host_id, payout_id) WHERE payout_id IS NOT NULL;`;
};

/** The host's booking list: each booking with its guest's first name, listing and unit type names, money and payout. */
export const hostBookingsProjection: PgProjection = {
  name: HOST_BOOKINGS,
  handles: new Set([...hostBookingRowHandles, ...payoutHandles, ...guestNameHandles, ...listingNameHandles]),
  async migrate(client: PoolClient, target: string, options = {}) {
    const t = hostBookingTables(target);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${t.rows} (
        booking_id    text PRIMARY KEY,
        host_id       text NOT NULL,
        guest_id      text NOT NULL,
        listing_id    text NOT NULL,
        unit_type_id  text NOT NULL,
        status        text NOT NULL,
        start_at      timestamptz NOT NULL,
        end_at        timestamptz NOT NULL,
        -- json: read whole, never queried into (see booking history's table)
        doc           json NOT NULL,
        payout_id     text,
        payout_status text,
        paid_at       timestamptz
      );
      CREATE TABLE IF NOT EXISTS ${t.guests} (user_id text PRIMARY KEY, doc jsonb NOT NULL);
      CREATE TABLE IF NOT EXISTS ${t.listings} (listing_id text PRIMARY KEY, doc jsonb NOT NULL);
      ${options.indexes === false ? '' : indexes(target)}`);
    // A booking's row is written again soon after it is inserted (paid, confirmed): kept on its page.
    await roomForUpdates(client, t.rows);
  },
  async index(client: PoolClient, target: string) {
    await client.query(indexes(target));
  },
  async fold(db, events, target, options) {
    const writes = await Promise.all([
      foldTable(db, bookingRows, events, target, options),
      foldTable(db, guestNames, events, target, options),
      foldTable(db, listingNames, events, target, options),
    ]);
    const payouts = events.filter((event) => payoutHandles.has(event.type));
    return allWrites(payouts.length > 0 ? [...writes, payoutWrites(payouts, target)] : writes);
  },
  async drop(client: PoolClient, target: string) {
    const t = hostBookingTables(target);
    await client.query(`DROP TABLE IF EXISTS ${t.rows}; DROP TABLE IF EXISTS ${t.guests}; DROP TABLE IF EXISTS ${t.listings};`);
  },
};
