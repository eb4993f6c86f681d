import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { eachEvent, type PgProjection } from '../projection.ts';

export const HOST_EARNINGS = 'host_earnings';

/** Table names of a target: ledger entries (earnings and adjustments) and payouts. */
export const hostEarningsTables = (target: string) => ({ entries: target, payouts: `${target}_payouts` });

type Amount = { amount: number; currency: string };
type Accrued = {
  hostId: string;
  bookingId: string;
  listingId: string;
  month: string;
  gross: Amount;
  fee: Amount;
  net: Amount;
  availableAt: string;
  at: string;
};
type Adjusted = { hostId: string; bookingId: string; adjustmentId: string; gross: Amount; fee: Amount; net: Amount; at: string };
type Started = { hostId: string; payoutId: string; amount: Amount; earnings: string[]; adjustments: string[]; at: string };
type Sent = { hostId: string; payoutId: string; gatewayPayoutId: string; at: string };
type Issue = { hostId: string; taskId: string; operation: string; error: string; at: string };

const indexes = (target: string): string => {
  const t = hostEarningsTables(target);
  return `
    CREATE INDEX IF NOT EXISTS ${t.entries}_month ON ${t.entries} (host_id, month);
    CREATE INDEX IF NOT EXISTS ${t.payouts}_newest ON ${t.payouts} (host_id, started_at DESC);`;
};

/**
 * Each event sets values it fully determines (inserts that keep a row already there, updates to
 * fixed values), so the checkpoint moving with the rows is all that keeps them exactly once.
 */
const apply = async (client: PoolClient, event: RecordedEvent, target: string): Promise<void> => {
  const t = hostEarningsTables(target);
  switch (event.type) {
    case 'HostEarningAccrued': {
      const d = event.data as Accrued;
      await client.query(
        `INSERT INTO ${t.entries} (host_id, entry_id, booking_id, listing_id, month, currency, gross, fee, net, available_at, recorded_at)
         VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (host_id, entry_id) DO NOTHING`,
        [d.hostId, d.bookingId, d.listingId, d.month, d.gross.currency, d.gross.amount, d.fee.amount, d.net.amount, d.availableAt, d.at],
      );
      return;
    }
    case 'HostEarningAdjusted': {
      // an adjustment counts in its booking's month, beside the earning it corrects
      const d = event.data as Adjusted;
      await client.query(
        `INSERT INTO ${t.entries} (host_id, entry_id, booking_id, listing_id, month, currency, gross, fee, net, available_at, recorded_at)
         SELECT $1, $2, $3, e.listing_id, e.month, $4, $5, $6, $7, e.available_at, $8 FROM ${t.entries} e WHERE e.host_id = $1 AND e.entry_id = $3
         ON CONFLICT (host_id, entry_id) DO NOTHING`,
        [d.hostId, d.adjustmentId, d.bookingId, d.net.currency, d.gross.amount, d.fee.amount, d.net.amount, d.at],
      );
      return;
    }
    case 'HostPayoutStarted': {
      const d = event.data as Started;
      await client.query(
        `INSERT INTO ${t.payouts} (host_id, payout_id, currency, amount, status, entries, started_at) VALUES ($1, $2, $3, $4, 'started', $5, $6)
         ON CONFLICT (host_id, payout_id) DO NOTHING`,
        [d.hostId, d.payoutId, d.amount.currency, d.amount.amount, d.earnings.length + d.adjustments.length, d.at],
      );
      await client.query(`UPDATE ${t.entries} SET payout_id = $3 WHERE host_id = $1 AND entry_id = ANY($2::text[])`, [
        d.hostId,
        [...d.earnings, ...d.adjustments],
        d.payoutId,
      ]);
      return;
    }
    case 'HostPayoutSent': {
      const d = event.data as Sent;
      await client.query(`UPDATE ${t.payouts} SET status = 'sent', gateway_payout_id = $3, sent_at = $4 WHERE host_id = $1 AND payout_id = $2`, [
        d.hostId,
        d.payoutId,
        d.gatewayPayoutId,
        d.at,
      ]);
      await client.query(`UPDATE ${t.entries} SET paid_at = $3 WHERE host_id = $1 AND payout_id = $2`, [d.hostId, d.payoutId, d.at]);
      return;
    }
    case 'HostPayoutIssueRaised': {
      // the payout task's id is the payout's id
      const d = event.data as Issue;
      const issue = { taskId: d.taskId, operation: d.operation, error: d.error, since: d.at };
      await client.query(`UPDATE ${t.payouts} SET issue = $3 WHERE host_id = $1 AND payout_id = $2`, [d.hostId, d.taskId, JSON.stringify(issue)]);
      return;
    }
    case 'HostPayoutIssueResolved': {
      const d = event.data as { hostId: string; taskId: string };
      await client.query(`UPDATE ${t.payouts} SET issue = NULL WHERE host_id = $1 AND payout_id = $2`, [d.hostId, d.taskId]);
      return;
    }
    default:
      return;
  }
};

/** A host's earnings (one row per booking earning or adjustment, in the month of check-out) and payouts. */
export const hostEarningsProjection: PgProjection = {
  name: HOST_EARNINGS,
  handles: new Set(['HostEarningAccrued', 'HostEarningAdjusted', 'HostPayoutStarted', 'HostPayoutSent', 'HostPayoutIssueRaised', 'HostPayoutIssueResolved']),
  async migrate(client: PoolClient, target: string, options = {}) {
    const t = hostEarningsTables(target);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${t.entries} (
        host_id      text NOT NULL,
        entry_id     text NOT NULL,
        booking_id   text NOT NULL,
        listing_id   text NOT NULL,
        month        text NOT NULL,
        currency     text NOT NULL,
        gross        bigint NOT NULL,
        fee          bigint NOT NULL,
        net          bigint NOT NULL,
        available_at timestamptz NOT NULL,
        recorded_at  timestamptz NOT NULL,
        payout_id    text,
        paid_at      timestamptz,
        PRIMARY KEY (host_id, entry_id)
      );
      CREATE TABLE IF NOT EXISTS ${t.payouts} (
        host_id           text NOT NULL,
        payout_id         text NOT NULL,
        currency          text NOT NULL,
        amount            bigint NOT NULL,
        status            text NOT NULL,
        entries           int NOT NULL,
        started_at        timestamptz NOT NULL,
        sent_at           timestamptz,
        gateway_payout_id text,
        issue             jsonb,
        PRIMARY KEY (host_id, payout_id)
      );
      ${options.indexes === false ? '' : indexes(target)}`);
  },
  async index(client: PoolClient, target: string) {
    await client.query(indexes(target));
  },
  fold: eachEvent(apply),
  async drop(client: PoolClient, target: string) {
    const t = hostEarningsTables(target);
    await client.query(`DROP TABLE IF EXISTS ${t.payouts}; DROP TABLE IF EXISTS ${t.entries};`);
  },
};
