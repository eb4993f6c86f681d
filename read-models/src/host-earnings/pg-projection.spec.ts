import { expect } from 'vitest';
import { describeProjection, recorded } from '../testing/projection-spec.ts';
import { hostEarningsProjection, hostEarningsTables } from './pg-projection.ts';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const accrued = (bookingId: string, gross: number, fee: number) => ({
  type: 'HostEarningAccrued',
  data: {
    hostId: 'h1',
    bookingId,
    listingId: 'l1',
    month: '2026-05',
    gross: eur(gross),
    fee: eur(fee),
    net: eur(gross - fee),
    feeBasisPoints: 1000,
    bookingRevision: 4,
    availableAt: '2026-05-04T11:00:00.000Z',
    at: '2026-05-03T11:00:00.000Z',
  },
});
const started = (payoutId: string, amount: number, earnings: string[], adjustments: string[] = []) => ({
  type: 'HostPayoutStarted',
  data: { hostId: 'h1', payoutId, amount: eur(amount), earnings, adjustments, at: '2026-05-05T00:00:00.000Z' },
});
const sent = (payoutId: string, amount: number) => ({
  type: 'HostPayoutSent',
  data: { hostId: 'h1', payoutId, gatewayPayoutId: `po_${payoutId}`, amount: eur(amount), at: '2026-05-05T00:00:01.000Z' },
});
const adjusted = {
  type: 'HostEarningAdjusted',
  data: {
    hostId: 'h1',
    bookingId: 'b1',
    adjustmentId: 'b1@9',
    gross: eur(-5_000),
    fee: eur(-500),
    net: eur(-4_500),
    bookingRevision: 9,
    at: '2026-05-06T00:00:00.000Z',
  },
};
const ledger = 'payouts-h1';

type Entry = { entry_id: string; month: string; net: number; payout_id: string | null; paid_at: string | null };
type Payout = { payout_id: string; amount: number; status: string; issue: unknown };
const entries = (rows: Record<string, unknown[]>, tables: readonly string[]) =>
  (rows[tables[0]!] as Entry[])
    .map((e) => [e.entry_id, e.month, e.net, e.payout_id, e.paid_at !== null])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
const payouts = (rows: Record<string, unknown[]>, tables: readonly string[]) =>
  (rows[tables[1]!] as Payout[]).map((p) => [p.payout_id, p.amount, p.status, p.issue]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));

describeProjection('host earnings projection', {
  projection: hostEarningsProjection,
  tables: (target) => Object.values(hostEarningsTables(target)),
  guardedByRevision: false,
  cases: [
    {
      name: 'an earning paid out: the entry is paid, the payout sent',
      given: recorded(ledger, [accrued('b1', 20_000, 2_000)]),
      when: recorded(ledger, [started('p1', 18_000, ['b1']), sent('p1', 18_000)], 1),
      then: (rows, tables) => {
        expect(entries(rows, tables)).toEqual([['b1', '2026-05', 18_000, 'p1', true]]);
        expect(payouts(rows, tables)).toEqual([['p1', 18_000, 'sent', null]]);
      },
    },
    {
      name: 'a refund after the payout: an entry of its own in the booking month, netted in the next payout',
      given: recorded(ledger, [accrued('b1', 20_000, 2_000), started('p1', 18_000, ['b1']), sent('p1', 18_000)]),
      when: recorded(ledger, [adjusted, accrued('b2', 10_000, 1_000), started('p2', 4_500, ['b2'], ['b1@9'])], 3),
      then: (rows, tables) => {
        expect(entries(rows, tables)).toEqual([
          ['b1', '2026-05', 18_000, 'p1', true],
          ['b1@9', '2026-05', -4_500, 'p2', false],
          ['b2', '2026-05', 9_000, 'p2', false],
        ]);
        expect(payouts(rows, tables)).toEqual([
          ['p1', 18_000, 'sent', null],
          ['p2', 4_500, 'started', null],
        ]);
      },
    },
    {
      name: 'a parked payout shows its issue until it succeeds',
      given: recorded(ledger, [accrued('b1', 20_000, 2_000), started('p1', 18_000, ['b1'])]),
      when: recorded(
        ledger,
        [{ type: 'HostPayoutIssueRaised', data: { hostId: 'h1', taskId: 'p1', operation: 'payout', error: 'down', at: '2026-05-06T00:00:00.000Z' } }],
        2,
      ),
      then: (rows, tables) => {
        expect(payouts(rows, tables)).toEqual([
          ['p1', 18_000, 'started', { taskId: 'p1', operation: 'payout', error: 'down', since: '2026-05-06T00:00:00.000Z' }],
        ]);
      },
    },
  ],
});
