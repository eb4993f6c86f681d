import { bookings } from '@stayhub/domain';
import { identifier, targetSuffix, writeTimestamp, type CqlStatement } from '../cassandra.ts';
import type { BookingListQuery, BookingView } from './port.ts';

/**
 * Pure CQL for booking history on Cassandra: one table per query (by id, by guest, by host), the
 * list tables partitioned by user and clustered newest first. Every write carries
 * `USING TIMESTAMP <revision + 1>`: Cassandra keeps the cell with the highest timestamp, so a
 * redelivered or late older state never overwrites a newer one, whatever the arrival order.
 * (Hence no write to these tables may use the server clock: it would win forever.)
 */

/** The booking document the projector stores: the view plus the stream revision it has applied. */
export type BookingHistoryDoc = BookingView & { revision: number };

export type BookingHistoryTables = { keyspace: string; byId: string; byGuest: string; byHost: string };

export const BOOKING_HISTORY = 'booking_history';

/** Tables of a target: `booking_history` → `bookings_by_id`…, a rebuild `booking_history_r2` → `bookings_by_id_r2`…. */
export const bookingHistoryTables = (keyspace: string, target: string = BOOKING_HISTORY): BookingHistoryTables => {
  const suffix = targetSuffix(BOOKING_HISTORY, target);
  const ks = identifier(keyspace);
  return {
    keyspace: ks,
    byId: `${ks}.${identifier(`bookings_by_id${suffix}`)}`,
    byGuest: `${ks}.${identifier(`bookings_by_guest${suffix}`)}`,
    byHost: `${ks}.${identifier(`bookings_by_host${suffix}`)}`,
  };
};

const listTable = (table: string, partition: 'guest_id' | 'host_id') => `CREATE TABLE IF NOT EXISTS ${table} (
  ${partition} text,
  start_at timestamp,
  booking_id text,
  listing_id text,
  status text,
  end_at timestamp,
  doc text,
  PRIMARY KEY ((${partition}), start_at, booking_id)
) WITH CLUSTERING ORDER BY (start_at DESC, booking_id ASC)`;

export const createTablesCql = (t: BookingHistoryTables): string[] => [
  `CREATE TABLE IF NOT EXISTS ${t.byId} (
  booking_id text PRIMARY KEY,
  guest_id text,
  host_id text,
  listing_id text,
  status text,
  start_at timestamp,
  end_at timestamp,
  revision bigint,
  doc text,
  updated_at timestamp
)`,
  listTable(t.byGuest, 'guest_id'),
  listTable(t.byHost, 'host_id'),
];

export const dropTablesCql = (t: BookingHistoryTables): string[] => [t.byId, t.byGuest, t.byHost].map((table) => `DROP TABLE IF EXISTS ${table}`);

/** Prepared statements (bind markers only; table names come from validated identifiers). */
export const bookingHistoryCql = (t: BookingHistoryTables) => ({
  insertById: `INSERT INTO ${t.byId} (booking_id, guest_id, host_id, listing_id, status, start_at, end_at, revision, doc, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
  insertByGuest: `INSERT INTO ${t.byGuest} (guest_id, start_at, booking_id, listing_id, status, end_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
  insertByHost: `INSERT INTO ${t.byHost} (host_id, start_at, booking_id, listing_id, status, end_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
  deleteByGuest: `DELETE FROM ${t.byGuest} USING TIMESTAMP ? WHERE guest_id = ? AND start_at = ? AND booking_id = ?`,
  deleteByHost: `DELETE FROM ${t.byHost} USING TIMESTAMP ? WHERE host_id = ? AND start_at = ? AND booking_id = ?`,
  selectById: `SELECT doc FROM ${t.byId} WHERE booking_id = ?`,
  selectByGuest: `SELECT doc FROM ${t.byGuest} WHERE guest_id = ?`,
  selectByGuestSince: `SELECT doc FROM ${t.byGuest} WHERE guest_id = ? AND start_at > ?`,
  selectByHost: `SELECT doc FROM ${t.byHost} WHERE host_id = ?`,
  selectByHostSince: `SELECT doc FROM ${t.byHost} WHERE host_id = ? AND start_at > ?`,
});

export type BookingHistoryCql = ReturnType<typeof bookingHistoryCql>;

/**
 * The writes that take the tables to `doc`. `formerStarts` are the start instants the booking had
 * on the way (the stored state and every state evolved since): list rows under a start the booking
 * no longer has are deleted at the same timestamp, so a moved stay is listed once.
 */
export const bookingWrites = (cql: BookingHistoryCql, doc: BookingHistoryDoc, formerStarts: Iterable<string> = []): CqlStatement[] => {
  const ts = writeTimestamp(doc.revision);
  const json = JSON.stringify(doc);
  const start = new Date(doc.start);
  const end = new Date(doc.end);
  const writes: CqlStatement[] = [
    {
      query: cql.insertById,
      params: [doc.bookingId, doc.guestId, doc.hostId, doc.listingId, doc.status, start, end, doc.revision, json, new Date(doc.updatedAt), ts],
    },
    { query: cql.insertByGuest, params: [doc.guestId, start, doc.bookingId, doc.listingId, doc.status, end, json, ts] },
    { query: cql.insertByHost, params: [doc.hostId, start, doc.bookingId, doc.listingId, doc.status, end, json, ts] },
  ];
  const moved = new Set([...formerStarts].filter((former) => Date.parse(former) !== start.getTime()).map((former) => new Date(former).toISOString()));
  for (const former of moved) {
    writes.push(
      { query: cql.deleteByGuest, params: [ts, doc.guestId, new Date(former), doc.bookingId] },
      { query: cql.deleteByHost, params: [ts, doc.hostId, new Date(former), doc.bookingId] },
    );
  }
  return writes;
};

export const parseBookingDoc = (row: { doc?: unknown }): BookingHistoryDoc => JSON.parse(String(row.doc)) as BookingHistoryDoc;

export const toBookingView = (doc: BookingHistoryDoc): BookingView => {
  const { revision: _revision, ...view } = doc;
  return view;
};

const ENDED = new Set(['declined', 'request_expired', 'payment_failed', 'cancelled', 'completed']);

/** Current: not over and still alive; past: over, or ended without a stay (as in PostgreSQL). */
export const inScope = (doc: BookingView, scope: BookingListQuery['scope'], now: Date): boolean => {
  const over = Date.parse(doc.end) < now.getTime() || ENDED.has(doc.status);
  return scope === 'all' || (scope === 'current' ? !over : over);
};

/** No stay lasts longer than this, so every current booking started after `now` minus it. */
const LONGEST_STAY_MS = (bookings.MAX_NIGHTS + 2) * 86_400_000;
export const currentWindowStart = (now: Date): Date => new Date(now.getTime() - LONGEST_STAY_MS);

export const byStartThenId = (a: BookingView, b: BookingView): number =>
  Date.parse(a.start) - Date.parse(b.start) || (a.bookingId < b.bookingId ? -1 : a.bookingId > b.bookingId ? 1 : 0);
