// @vitest-environment happy-dom
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import axe from 'axe-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ListingReviews } from './ListingReviews.tsx';
import { serve } from '../testing/fake-api.ts';

const review = (rating: number, comment: string, guestFirstName: string) => ({
  rating,
  comment,
  stayMonth: '2026-04',
  guestFirstName,
  writtenAt: `2026-05-0${rating}T10:00:00.000Z`,
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("a listing's reviews", () => {
  it('shows each review with its stars, the guest and the month, and pages back to older ones', async () => {
    const urls = serve((url) =>
      url.searchParams.get('page') === '2'
        ? { status: 200, body: { items: [review(3, 'Fine, a bit dark.', 'Rui')], page: 2, pageSize: 5, hasMore: false, rating: { average: 4, count: 2 } } }
        : {
            status: 200,
            body: { items: [review(5, 'Lovely light in the mornings.', 'Ana')], page: 1, pageSize: 5, hasMore: true, rating: { average: 4, count: 2 } },
          },
    );
    const { container } = render(<ListingReviews listingId="l1" />);
    const first = await screen.findByRole('listitem');
    expect(first.textContent).toContain('Ana, stayed April 2026');
    expect(first.textContent).toContain('Lovely light in the mornings.');
    expect(screen.getByLabelText('5 of 5').textContent).toBe('★★★★★');
    expect(urls[0]!.pathname).toBe('/api/query/listings/l1/reviews');

    screen.getByRole('button', { name: 'Older reviews' }).click();
    await waitFor(() => expect(screen.getByRole('listitem').textContent).toContain('Fine, a bit dark.'));
    expect(urls.at(-1)!.searchParams.get('page')).toBe('2');
    expect(screen.queryByRole('button', { name: 'Older reviews' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Newer reviews' })).toBeTruthy();

    const { violations } = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
    expect(violations.map((v) => v.id)).toEqual([]);
  });

  it('says when there are none, and shows why a load failed', async () => {
    serve(() => ({ status: 200, body: { items: [], page: 1, pageSize: 5, hasMore: false, rating: { average: null, count: 0 } } }));
    render(<ListingReviews listingId="l1" />);
    expect((await screen.findByText('No reviews yet.')).className).toBe('empty');
    cleanup();
    vi.unstubAllGlobals();

    serve(() => ({ status: 404, body: { status: 404, title: 'Not Found', detail: 'No listing l2' } }));
    render(<ListingReviews listingId="l2" />);
    expect((await screen.findByRole('alert')).textContent).toContain('No listing l2');
  });
});
