// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import axe from 'axe-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EarningsPage, type Earnings, type Payouts } from './EarningsPage.tsx';
import { serve } from '../testing/fake-api.ts';

const sums = (currency: string, gross: number, paid: number) => ({
  currency,
  gross,
  fee: gross / 10,
  net: gross - gross / 10,
  pending: gross - gross / 10 - paid,
  paid,
});
const earnings: Earnings = {
  from: null,
  to: null,
  rows: [
    { listingId: 'listing-00000001', month: '2026-05', ...sums('EUR', 20000, 0) },
    { listingId: 'listing-00000002', month: '2026-04', ...sums('GBP', 10000, 9000) },
  ],
  totals: [sums('EUR', 20000, 0), sums('GBP', 10000, 9000)],
};
const payouts: Payouts = {
  items: [
    {
      payoutId: 'p2',
      amount: { amount: 18000, currency: 'EUR' },
      status: 'started',
      entries: 1,
      startedAt: '2026-06-02T10:00:00.000Z',
      sentAt: null,
      issue: { taskId: 't1', operation: 'payout', error: 'bank account closed', since: '2026-06-02T10:05:00.000Z' },
    },
    {
      payoutId: 'p1',
      amount: { amount: 9000, currency: 'GBP' },
      status: 'sent',
      entries: 1,
      startedAt: '2026-05-02T10:00:00.000Z',
      sentAt: '2026-05-02T10:01:00.000Z',
      issue: null,
    },
  ],
  pending: [{ amount: 18000, currency: 'EUR' }],
};

const ok = (body: unknown) => ({ status: 200, body: { ...(body as object), page: 1, pageSize: 50, hasMore: false, stale: false } });
const cells = (row: HTMLElement) =>
  within(row)
    .getAllByRole('cell')
    .map((cell) => cell.textContent);

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("a host's earnings", () => {
  it('shows earnings per listing and month in their currency, totals, and payouts with their issue', async () => {
    const listings = { items: [{ listingId: 'listing-00000001', title: 'Seaside Cottage' }] };
    const urls = serve((url) => ok(url.pathname.endsWith('/payouts') ? payouts : url.pathname.endsWith('/listings') ? listings : earnings));
    const { container } = render(<EarningsPage />);
    const [byMonth, payoutTable] = await screen.findAllByRole('table');
    const rows = within(byMonth!).getAllByRole('row');
    await waitFor(() => expect(cells(rows[1]!)[1]).toBe('Seaside Cottage'));
    expect(cells(rows[1]!)).toEqual(['May 2026', 'Seaside Cottage', '€200.00', '€20.00', '€180.00', '€180.00', '€0.00']);
    expect(cells(rows[2]!)).toEqual(['April 2026', '00000002', '£100.00', '£10.00', '£90.00', '£0.00', '£90.00']);
    expect(rows[3]!.textContent).toContain('Total (EUR)');
    expect(cells(rows[4]!)).toEqual(['£100.00', '£10.00', '£90.00', '£0.00', '£90.00']);

    expect(screen.getByText('Not yet paid out: €180.00')).toBeTruthy();
    const payoutRows = within(payoutTable!).getAllByRole('row');
    expect(cells(payoutRows[1]!)[1]).toBe('€180.00');
    expect(cells(payoutRows[1]!)[5]).toContain('bank account closed');
    expect(cells(payoutRows[2]!).slice(1, 3)).toEqual(['£90.00', 'sent']);

    const { violations } = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
    expect(violations.map((v) => v.id)).toEqual([]);

    fireEvent.change(screen.getByLabelText('From month'), { target: { value: '2026-05' } });
    await waitFor(() => expect(urls.some((url) => url.pathname === '/api/query/host/earnings' && url.searchParams.get('from') === '2026-05')).toBe(true));
  });

  it('says when there is nothing yet', async () => {
    serve((url) => ok(url.pathname.endsWith('/payouts') ? { items: [], pending: [] } : { from: null, to: null, rows: [], totals: [] }));
    render(<EarningsPage />);
    expect((await screen.findByText('No earnings in this period yet.')).className).toBe('empty');
    expect((await screen.findByText('No payouts yet.')).className).toBe('empty');
    expect(screen.queryByText(/Not yet paid out/)).toBeNull();
  });

  it('shows why a load failed, and says it is loading until then', async () => {
    serve((url) =>
      url.pathname.endsWith('/payouts')
        ? { status: 503, body: { status: 503, title: 'Service Unavailable', detail: 'The read model is catching up' } }
        : { status: 400, body: { status: 400, title: 'Bad Request', detail: 'from must not be after to' } },
    );
    render(<EarningsPage />);
    expect(screen.getByText('Loading earnings…')).toBeTruthy();
    await waitFor(() => expect(screen.getAllByRole('alert')).toHaveLength(2));
    const [first, second] = screen.getAllByRole('alert');
    expect(first!.textContent).toContain('from must not be after to');
    expect(second!.textContent).toContain('The read model is catching up');
  });
});
