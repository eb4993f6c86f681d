// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import { fitZoom, project, ResultsMap } from './ResultsMap.tsx';
import type { ListingSummary } from './types.ts';

afterEach(cleanup);

const listing = (listingId: string, lat: number, lon: number): ListingSummary => ({
  listingId,
  kind: 'rental',
  title: `Place ${listingId}`,
  city: 'Lisbon',
  country: 'PT',
  stars: null,
  location: { lat, lon },
  minPrice: { amount: 10_000, currency: 'EUR' },
  rating: null,
  ratingCount: 0,
  amenities: [],
  photo: null,
});

describe('the results map', () => {
  it('projects the equator and the date line where Web Mercator puts them', () => {
    expect(project(0, 0, 0)).toEqual({ x: 128, y: 128 });
    expect(project(0, 180, 1).x).toBe(512);
  });

  it('zooms in as far as keeps every point in the frame', () => {
    const near = fitZoom([
      { lat: 38.72, lon: -9.14 },
      { lat: 38.75, lon: -9.1 },
    ]);
    const far = fitZoom([
      { lat: 38.72, lon: -9.14 },
      { lat: 41.15, lon: -8.61 },
    ]);
    expect(near).toBeGreaterThan(far);
  });

  it('draws one labelled link per result without tiles, and no tile images', () => {
    const { container } = render(
      <MemoryRouter>
        <ResultsMap items={[listing('a', 38.72, -9.14), listing('b', 41.15, -8.61)]} tilesUrl={null} />
      </MemoryRouter>,
    );
    expect(screen.getByRole('link', { name: 'Place a, €100.00' }).getAttribute('href')).toBe('/listings/a');
    expect(screen.getByRole('link', { name: 'Place b, €100.00' })).toBeTruthy();
    expect(container.querySelectorAll('image')).toHaveLength(0);
  });

  it('draws tiles from MAP_TILES_URL when one is set', () => {
    const { container } = render(
      <MemoryRouter>
        <ResultsMap items={[listing('a', 38.72, -9.14)]} tilesUrl="http://tiles.test/{z}/{x}/{y}.png" />
      </MemoryRouter>,
    );
    const tiles = [...container.querySelectorAll('image')].map((image) => image.getAttribute('href'));
    expect(tiles.length).toBeGreaterThan(0);
    expect(tiles.every((href) => /^http:\/\/tiles\.test\/\d+\/\d+\/\d+\.png$/.test(href ?? ''))).toBe(true);
  });
});
