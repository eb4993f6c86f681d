import { useState } from 'react';
import { formatMoney, get, queryString, type Money } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import { AsyncList, Field, formatDate, StatusBadge } from '../shared/ui.tsx';
import type { HostListing } from './HostListingsPage.tsx';

type Sums = { currency: string; gross: number; fee: number; net: number; pending: number; paid: number };
export type Earnings = { from: string | null; to: string | null; rows: (Sums & { listingId: string; month: string })[]; totals: Sums[] };
type Payout = {
  payoutId: string;
  amount: Money;
  status: 'started' | 'sent';
  entries: number;
  startedAt: string;
  sentAt: string | null;
  issue: { taskId: string; operation: string; error: string; since: string } | null;
};
export type Payouts = { items: Payout[]; pending: Money[] };

const SUMS = ['gross', 'fee', 'net', 'pending', 'paid'] as const;
const HEADINGS = { gross: 'Gross', fee: 'Platform fee', net: 'Net', pending: 'Pending', paid: 'Paid' };
const money = (sums: Sums, key: (typeof SUMS)[number]) => formatMoney({ amount: sums[key], currency: sums.currency });
const monthName = (month: string) => new Date(`${month}-01T00:00:00Z`).toLocaleDateString('en', { timeZone: 'UTC', year: 'numeric', month: 'long' });

/** The host's earnings per listing and month of check-out, with totals per currency, and the payouts made from them. */
export const EarningsPage = () => {
  const [range, setRange] = useState({ from: '', to: '' });
  const earningsPath = `/host/earnings${queryString(range)}`;
  const earnings = useResource(earningsPath, (signal) => get<Earnings>('query', earningsPath, { signal }));
  const payouts = useResource('payouts', (signal) => get<Payouts>('query', '/host/payouts?pageSize=50', { signal }));
  // Rows name their listing by its title; one not among the first 100 (or untitled) by its id's end.
  const listings = useResource('host-listings', (signal) => get<{ items: HostListing[] }>('query', '/host/listings?pageSize=100', { signal }));
  const titleOf = (listingId: string) => listings.data?.items.find((l) => l.listingId === listingId)?.title ?? listingId.slice(-8);
  return (
    <section>
      <h1>Earnings</h1>
      <form aria-label="Earnings period" className="inline" onSubmit={(e) => e.preventDefault()}>
        <Field label="From month">
          <input type="month" value={range.from} onChange={(e) => setRange({ ...range, from: e.target.value })} />
        </Field>
        <Field label="To month">
          <input type="month" value={range.to} onChange={(e) => setRange({ ...range, to: e.target.value })} />
        </Field>
      </form>
      <AsyncList resource={earnings} what="earnings" empty="No earnings in this period yet." items={(data: Earnings) => data.rows}>
        {(rows) => (
          <table className="table">
            <caption>By listing and month of check-out</caption>
            <thead>
              <tr>
                <th scope="col">Month</th>
                <th scope="col">Listing</th>
                {SUMS.map((key) => (
                  <th key={key} scope="col">
                    {HEADINGS[key]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.listingId}-${row.month}-${row.currency}`}>
                  <td>{monthName(row.month)}</td>
                  <td>{titleOf(row.listingId)}</td>
                  {SUMS.map((key) => (
                    <td key={key}>{money(row, key)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
            <tfoot>
              {earnings.data!.totals.map((total) => (
                <tr key={total.currency}>
                  <th scope="row" colSpan={2}>
                    Total ({total.currency})
                  </th>
                  {SUMS.map((key) => (
                    <td key={key}>{money(total, key)}</td>
                  ))}
                </tr>
              ))}
            </tfoot>
          </table>
        )}
      </AsyncList>
      <h2>Payouts</h2>
      {payouts.data && payouts.data.pending.length > 0 && <p>Not yet paid out: {payouts.data.pending.map((amount) => formatMoney(amount)).join(', ')}</p>}
      <AsyncList resource={payouts} what="payouts" empty="No payouts yet." items={(data: Payouts) => data.items}>
        {(items) => (
          <table className="table">
            <caption className="sr-only">Payouts, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Amount</th>
                <th scope="col">Status</th>
                <th scope="col">Bookings</th>
                <th scope="col">Sent</th>
                <th scope="col">Issue</th>
              </tr>
            </thead>
            <tbody>
              {items.map((payout) => (
                <tr key={payout.payoutId}>
                  <td>{formatDate(payout.startedAt)}</td>
                  <td>{formatMoney(payout.amount)}</td>
                  <td>
                    <StatusBadge status={payout.status} />
                  </td>
                  <td>{payout.entries}</td>
                  <td>{payout.sentAt ? formatDate(payout.sentAt) : '—'}</td>
                  <td>
                    {payout.issue ? (
                      <span className="error-text">{`${payout.issue.operation} failing since ${formatDate(payout.issue.since)}: ${payout.issue.error}`}</span>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </AsyncList>
    </section>
  );
};
