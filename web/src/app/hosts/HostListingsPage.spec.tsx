// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import axe from 'axe-core';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostListingsPage, type HostListing } from './HostListingsPage.tsx';
import { emptyForm } from './listing-form.ts';
import { serve } from '../testing/fake-api.ts';

const listing = (listingId: string, status: HostListing['status'], missing: string[]): HostListing => ({
  listingId,
  kind: 'rental',
  status,
  title: status === 'draft' ? null : `Flat ${listingId}`,
  city: 'Lisbon',
  unitTypes: 1,
  minPrice: 9500,
  currency: 'EUR',
  missing,
  complete: missing.length === 0,
  details: status === 'draft' ? {} : { title: `Flat ${listingId}`, description: 'Sunny', currency: 'EUR' },
  revision: 3,
  updatedAt: '2026-05-01T10:00:00.000Z',
});

const page = (items: HostListing[]) => ({ status: 200, body: { items, page: 1, pageSize: 100, hasMore: false, stale: false } });
const show = () =>
  render(
    <MemoryRouter>
      <HostListingsPage />
    </MemoryRouter>,
  );

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  localStorage.clear();
});

describe("a host's listings", () => {
  it('shows each listing with its status and what it misses, filtered by status', async () => {
    const urls = serve((url) =>
      url.searchParams.get('status') === 'draft'
        ? page([listing('l2', 'draft', ['title', 'nightlyPrice'])])
        : page([listing('l1', 'published', []), listing('l2', 'draft', ['title', 'nightlyPrice'])]),
    );
    const { container } = show();
    const cards = await screen.findAllByRole('listitem');
    expect(cards).toHaveLength(2);
    expect(cards[0]!.textContent).toContain('Flat l1');
    expect(cards[0]!.textContent).toContain('published');
    expect(cards[0]!.textContent).toContain('from €95.00');
    expect(cards[0]!.textContent).toContain('Complete.');
    expect(cards[1]!.textContent).toContain('Untitled draft');
    expect(cards[1]!.textContent).toContain('Still missing: title, nightly price.');
    expect(screen.getByRole('link', { name: 'View' }).getAttribute('href')).toBe('/listings/l1');
    expect(urls[0]!.pathname).toBe('/api/query/host/listings');
    expect(urls[0]!.searchParams.has('status')).toBe(false);

    const { violations } = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
    expect(violations.map((v) => v.id)).toEqual([]);

    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'draft' } });
    await waitFor(() => expect(screen.getAllByRole('listitem')).toHaveLength(1));
    expect(urls.at(-1)!.searchParams.get('status')).toBe('draft');
  });

  it('links a listing written in this browser to its form, to edit and publish it', async () => {
    localStorage.setItem(
      'signed-out:stayhub.draft.d1',
      JSON.stringify({
        draftId: 'd1',
        kind: 'rental',
        form: emptyForm(),
        acked: {},
        listingId: 'l2',
        publishKey: 'k',
        published: false,
        updatedAt: '2026-05-01T10:00:00.000Z',
      }),
    );
    serve(() => page([listing('l2', 'draft', ['title'])]));
    show();
    expect((await screen.findByRole('link', { name: 'Edit and publish' })).getAttribute('href')).toBe('/host/listings/d1');
    expect(screen.getByRole('link', { name: 'Calendar' }).getAttribute('href')).toBe('/host/calendar/l2');
  });

  it('opens a listing saved from another browser in its form here, with every saved field', async () => {
    serve(() => page([listing('l1', 'published', [])]));
    render(
      <MemoryRouter initialEntries={['/host/listings']}>
        <Routes>
          <Route path="/host/listings" element={<HostListingsPage />} />
          <Route path="/host/listings/:draftId" element={<p>form of {String(window.location.pathname)}</p>} />
        </Routes>
      </MemoryRouter>,
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    await screen.findByText(/^form of/);
    const [key] = Object.keys(localStorage);
    expect(JSON.parse(localStorage.getItem(key!)!)).toMatchObject({
      listingId: 'l1',
      revision: 3,
      published: true,
      form: { title: 'Flat l1', description: 'Sunny' },
    });
  });

  it('says when there are none, and shows why a load failed', async () => {
    serve(() => page([]));
    show();
    expect((await screen.findByText('No listings yet. Start one above.')).className).toBe('empty');
    cleanup();
    vi.unstubAllGlobals();

    serve(() => ({ status: 403, body: { status: 403, title: 'Forbidden', detail: 'Only hosts have listings' } }));
    show();
    expect((await screen.findByRole('alert')).textContent).toContain('Only hosts have listings');
  });
});
