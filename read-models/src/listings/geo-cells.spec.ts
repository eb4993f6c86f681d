import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellsCovering, cellTermsOf, fineCellsTouching, MAX_CELLS, TEXT_CELLS } from './geo-cells.ts';

const EARTH_KM = 6378.168;
const rad = Math.PI / 180;

/** The point `km` away from (lat, lon) at `bearing` degrees, on the sphere `earthdistance` uses. */
const destination = (lat: number, lon: number, km: number, bearing: number) => {
  const d = km / EARTH_KM;
  const φ1 = lat * rad;
  const θ = bearing * rad;
  const φ2 = Math.asin(Math.sin(φ1) * Math.cos(d) + Math.cos(φ1) * Math.sin(d) * Math.cos(θ));
  const λ2 = lon * rad + Math.atan2(Math.sin(θ) * Math.sin(d) * Math.cos(φ1), Math.cos(d) - Math.sin(φ1) * Math.sin(φ2));
  return { lat: φ2 / rad, lon: λ2 / rad };
};

/** Uniform in [min, max] (fast-check's doubles favour small and extreme values; latitudes must spread). */
const uniform = (min: number, max: number) => fc.integer({ min: 0, max: 1_000_000 }).map((k) => min + ((max - min) * k) / 1_000_000);

/** Checks `check` on 2,000 random circles (radius up to `maxKm`) each with a random point within it. */
const forPointsWithin = (maxKm: number, check: (lat: number, lon: number, radiusKm: number, point: { lat: number; lon: number }) => void) =>
  fc.assert(
    fc.property(uniform(-70, 70), uniform(-170, 170), uniform(0.1, maxKm), uniform(0, 1), uniform(0, 360), (lat, lon, radiusKm, share, bearing) =>
      check(lat, lon, radiusKm, destination(lat, lon, radiusKm * share, bearing)),
    ),
    { numRuns: 2000 },
  );

describe('geo cells', () => {
  it('name the 0.1° and 1° cells a point lies in, with an underscore no word has', () => {
    expect(cellTermsOf(38.72, -9.14)).toEqual(['g1_1287_1708', 'g0_128_170']);
    expect(cellTermsOf(-90, -180)).toEqual(['g1_0_0', 'g0_0_0']);
  });

  it('cover every point within the radius, with the finest level that needs at most 64 cells', () => {
    forPointsWithin(60, (lat, lon, radiusKm, point) => {
      const cells = cellsCovering(lat, lon, radiusKm);
      if (!cells) return;
      expect(cells.length).toBeLessThanOrEqual(MAX_CELLS);
      expect(cellTermsOf(point.lat, point.lon).some((term) => cells.includes(term))).toBe(true);
    });
  });

  it('numbered as the SQL does, list every 0.1° cell a point within the radius lies in, and leave out the corners it does not reach', () => {
    forPointsWithin(40, (lat, lon, radiusKm, point) => {
      const cells = fineCellsTouching(lat, lon, radiusKm);
      if (!cells) return;
      const [row, column] = cellTermsOf(point.lat, point.lon)[0]!.split('_').slice(1).map(Number) as [number, number];
      expect(cells).toContain(row * 4000 + column);
    });
    // 30 km at 40°N: a 7 × 9 grid covers the circle, but its four corners lie outside it.
    expect(fineCellsTouching(40.05, -3.65, 30)!.length).toBeLessThan(cellsCovering(40.05, -3.65, 30)!.length);
  });

  it('use 0.1° cells for a city radius and 1° cells for a regional one', () => {
    expect(cellsCovering(40.4, -3.7, 10)!.every((c) => c.startsWith('g1_'))).toBe(true);
    expect(cellsCovering(40.4, -3.7, 10)!.length).toBeLessThanOrEqual(16);
    expect(cellsCovering(40.4, -3.7, 100)!.every((c) => c.startsWith('g0_'))).toBe(true);
  });

  it('cover a radius with a few cells (for text, one index scan each) of the finest level that needs at most that many', () => {
    expect(cellsCovering(38.8, -9.1, 3, TEXT_CELLS)!.every((c) => c.startsWith('g1_'))).toBe(true);
    for (const km of [12, 40]) {
      const cells = cellsCovering(38.8, -9.1, km, TEXT_CELLS)!;
      expect(cells.every((c) => c.startsWith('g0_'))).toBe(true);
      expect(cells.length).toBeLessThanOrEqual(TEXT_CELLS);
    }
    expect(cellsCovering(38.8, -9.1, 300, TEXT_CELLS)).toBeUndefined();
    forPointsWithin(60, (lat, lon, radiusKm, point) => {
      const cells = cellsCovering(lat, lon, radiusKm, TEXT_CELLS);
      if (cells) expect(cellTermsOf(point.lat, point.lon).some((term) => cells.includes(term))).toBe(true);
    });
  });

  it('do not narrow a radius too wide for 64 cells, or one reaching a pole or the antimeridian', () => {
    expect(cellsCovering(40, 0, 2000)).toBeUndefined();
    expect(cellsCovering(89.9, 0, 30)).toBeUndefined();
    expect(cellsCovering(10, 179.95, 20)).toBeUndefined();
    expect(cellsCovering(10, -179.95, 20)).toBeUndefined();
  });
});
