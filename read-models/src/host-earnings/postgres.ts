import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import { HOST_EARNINGS, hostEarningsTables } from './pg-projection.ts';

type Amount = { amount: number; currency: string };
type EarningsRow = { listingId: string; month: string; currency: string; gross: number; fee: number; net: number; pending: number; paid: number };
type EarningsTotal = Omit<EarningsRow, 'listingId' | 'month'>;
type HostPayout = {
  payoutId: string;
  amount: Amount;
  status: 'started' | 'sent';
  entries: number;
  startedAt: string;
  sentAt: string | null;
  gatewayPayoutId: string | null;
  issue: { taskId: string; operation: string; error: string; since: string } | null;
};
export type HostPayoutPage = { items: HostPayout[]; page: number; pageSize: number; hasMore: boolean; pending: Amount[] };

export interface HostEarningsReader {
  /** Per listing and month of check-out (`from`..`to`, inclusive `yyyy-mm`): gross, fee, net, and of the net what is pending and paid. */
  earnings(hostId: string, range: { from?: string | undefined; to?: string | undefined }): Promise<{ rows: EarningsRow[]; totals: EarningsTotal[] }>;
  /** Payouts newest first, with the net not yet paid out per currency. */
  payouts(hostId: string, paging: { page: number; pageSize: number }): Promise<HostPayoutPage>;
}

type SumRow = { listing_id: string; month: string; currency: string; gross: string; fee: string; net: string; paid: string };

const sums = `sum(gross)::text AS gross, sum(fee)::text AS fee, sum(net)::text AS net, coalesce(sum(net) FILTER (WHERE paid_at IS NOT NULL), 0)::text AS paid`;

const amounts = (r: Pick<SumRow, 'currency' | 'gross' | 'fee' | 'net' | 'paid'>): EarningsTotal => {
  const net = Number(r.net);
  const paid = Number(r.paid);
  return { currency: r.currency, gross: Number(r.gross), fee: Number(r.fee), net, pending: net - paid, paid };
};

export class PgHostEarningsReader implements HostEarningsReader {
  constructor(private readonly pool: Pool) {}

  private async tables() {
    return hostEarningsTables((await liveTargets(this.pool, [HOST_EARNINGS]))[HOST_EARNINGS]!);
  }

  async earnings(hostId: string, range: { from?: string | undefined; to?: string | undefined }) {
    const t = await this.tables();
    const where = `host_id = $1 AND ($2::text IS NULL OR month >= $2) AND ($3::text IS NULL OR month <= $3)`;
    const params = [hostId, range.from ?? null, range.to ?? null];
    const [rows, totals] = await Promise.all([
      this.pool.query<SumRow>(
        `SELECT listing_id, month, currency, ${sums} FROM ${t.entries} WHERE ${where} GROUP BY listing_id, month, currency ORDER BY month DESC, listing_id, currency`,
        params,
      ),
      this.pool.query<SumRow>(`SELECT currency, ${sums} FROM ${t.entries} WHERE ${where} GROUP BY currency ORDER BY currency`, params),
    ]);
    return {
      rows: rows.rows.map((r) => ({ listingId: r.listing_id, month: r.month, ...amounts(r) })),
      totals: totals.rows.map(amounts),
    };
  }

  async payouts(hostId: string, { page, pageSize }: { page: number; pageSize: number }): Promise<HostPayoutPage> {
    const t = await this.tables();
    const [items, pending] = await Promise.all([
      this.pool.query<{
        payout_id: string;
        currency: string;
        amount: string;
        status: 'started' | 'sent';
        entries: number;
        started_at: Date;
        sent_at: Date | null;
        gateway_payout_id: string | null;
        issue: HostPayout['issue'];
      }>(
        `SELECT payout_id, currency, amount::text, status, entries, started_at, sent_at, gateway_payout_id, issue FROM ${t.payouts}
          WHERE host_id = $1 ORDER BY started_at DESC, payout_id LIMIT $2 OFFSET $3`,
        [hostId, pageSize + 1, (page - 1) * pageSize],
      ),
      this.pool.query<{ currency: string; amount: string }>(
        `SELECT currency, sum(net)::text AS amount FROM ${t.entries} WHERE host_id = $1 AND paid_at IS NULL GROUP BY currency ORDER BY currency`,
        [hostId],
      ),
    ]);
    return {
      items: items.rows.slice(0, pageSize).map((r) => ({
        payoutId: r.payout_id,
        amount: { amount: Number(r.amount), currency: r.currency },
        status: r.status,
        entries: r.entries,
        startedAt: r.started_at.toISOString(),
        sentAt: r.sent_at?.toISOString() ?? null,
        gatewayPayoutId: r.gateway_payout_id,
        issue: r.issue,
      })),
      page,
      pageSize,
      hasMore: items.rows.length > pageSize,
      pending: pending.rows.map((r) => ({ amount: Number(r.amount), currency: r.currency })),
    };
  }
}
