import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import type { HostBookingDocument } from './host-booking-document.ts';
import { HOST_BOOKINGS, hostBookingTables } from './pg-projection.ts';

type Money = { amount: number; currency: string };

export const HOST_BOOKING_STATUSES = [
  'awaiting_approval',
  'awaiting_payment',
  'confirmed',
  'declined',
  'request_expired',
  'payment_failed',
  'cancelled',
  'completed',
] as const;
type HostBookingStatus = (typeof HOST_BOOKING_STATUSES)[number];

/** One row of the host's booking list. */
type HostBookingRow = {
  bookingId: string;
  listingId: string;
  listingTitle: string | null;
  unitTypeId: string;
  unitTypeName: string | null;
  guestId: string;
  guestFirstName: string | null;
  kind: string;
  stay: HostBookingDocument['stay'];
  /** Check-in and check-out (or a slot's start and end) as instants. */
  start: string;
  end: string;
  guests: number;
  units: number;
  status: string;
  total: Money;
  paid: Money;
  refunded: Money;
  /** The host's share once earned after the stay (`pending` until a payout takes it); null before. */
  payout: { gross: Money; fee: Money; net: Money; status: 'pending' | 'in_progress' | 'paid'; paidAt: string | null } | null;
  paymentIssue: { taskId: string; operation: string; error: string; since: string } | null;
  createdAt: string;
  updatedAt: string;
};

export type HostBookingQuery = {
  scope: 'current' | 'past' | 'all';
  status?: readonly HostBookingStatus[] | undefined;
  listingId?: string | undefined;
  now: Date;
  page: number;
  pageSize: number;
};
export type HostBookingPage = { items: HostBookingRow[]; page: number; pageSize: number; hasMore: boolean };

export interface HostBookingReader {
  byHost(hostId: string, query: HostBookingQuery): Promise<HostBookingPage>;
}

type Found = {
  doc: HostBookingDocument;
  payout_status: 'in_progress' | 'paid' | null;
  paid_at: Date | null;
  first_name: string | null;
  title: string | null;
  unit_name: string | null;
};

const ENDED = `('declined','request_expired','payment_failed','cancelled','completed')`;

export class PgHostBookingReader implements HostBookingReader {
  constructor(private readonly pool: Pool) {}

  async byHost(hostId: string, query: HostBookingQuery): Promise<HostBookingPage> {
    const t = hostBookingTables((await liveTargets(this.pool, [HOST_BOOKINGS]))[HOST_BOOKINGS]!);
    const params: unknown[] = [hostId];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = ['b.host_id = $1'];
    // current: not over and still alive, soonest first; past: over or ended without a stay, newest first
    if (query.scope === 'current') where.push(`b.end_at >= ${param(query.now.toISOString())} AND b.status NOT IN ${ENDED}`);
    if (query.scope === 'past') where.push(`(b.end_at < ${param(query.now.toISOString())} OR b.status IN ${ENDED})`);
    if (query.status?.length) where.push(`b.status = ANY(${param(query.status)}::text[])`);
    if (query.listingId) where.push(`b.listing_id = ${param(query.listingId)}`);
    const direction = query.scope === 'current' ? 'ASC' : 'DESC';
    const { rows } = await this.pool.query<Found>(
      `SELECT b.doc, b.payout_status, b.paid_at, g.doc->>'firstName' AS first_name, l.doc->>'title' AS title, l.doc->'unitTypes'->>b.unit_type_id AS unit_name
         FROM ${t.rows} b
         LEFT JOIN ${t.guests} g ON g.user_id = b.guest_id
         LEFT JOIN ${t.listings} l ON l.listing_id = b.listing_id
        WHERE ${where.join(' AND ')}
        ORDER BY b.start_at ${direction}, b.booking_id ${direction}
        LIMIT ${param(query.pageSize + 1)} OFFSET ${param((query.page - 1) * query.pageSize)}`,
      params,
    );
    return { items: rows.slice(0, query.pageSize).map(rowOf), page: query.page, pageSize: query.pageSize, hasMore: rows.length > query.pageSize };
  }
}

const rowOf = (r: Found): HostBookingRow => {
  const d = r.doc;
  return {
    bookingId: d.bookingId,
    listingId: d.listingId,
    listingTitle: r.title,
    unitTypeId: d.unitTypeId,
    unitTypeName: r.unit_name,
    guestId: d.guestId,
    guestFirstName: r.first_name,
    kind: d.kind,
    stay: d.stay,
    start: d.start,
    end: d.end,
    guests: d.guests,
    units: d.units,
    status: d.status,
    total: d.total,
    paid: d.paid,
    refunded: d.refunded,
    payout: d.payout ? { ...d.payout, status: r.payout_status ?? 'pending', paidAt: r.paid_at?.toISOString() ?? null } : null,
    paymentIssue: d.paymentIssue ?? null,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
};
