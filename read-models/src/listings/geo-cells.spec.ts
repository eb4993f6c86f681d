import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellsCovering, cellTermsOf, MAX_CELLS } from './geo-cells.ts';

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

describe('geo cells', () => {
  it('name the 0.1° and 1° cells a point lies in, with an underscore no word has', () => {
    expect(cellTermsOf(38.72, -9.14)).toEqual(['g1_1287_1708', 'g0_128_170']);
    expect(cellTermsOf(-90, -180)).toEqual(['g1_0_0', 'g0_0_0']);
  });

  it('cover every point within the radius, with the finest level that needs at most 64 cells', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -70, max: 70, noNaN: true }),
        fc.double({ min: -170, max: 170, noNaN: true }),
        fc.double({ min: 0.1, max: 60, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 360, noNaN: true }),
        (lat, lon, radiusKm, share, bearing) => {
          const cells = cellsCovering(lat, lon, radiusKm);
          if (!cells) return;
          expect(cells.length).toBeLessThanOrEqual(MAX_CELLS);
          const point = destination(lat, lon, radiusKm * share, bearing);
          const terms = cellTermsOf(point.lat, point.lon);
          expect(terms.some((term) => cells.includes(term))).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('use 0.1° cells for a city radius and 1° cells for a regional one', () => {
    expect(cellsCovering(40.4, -3.7, 10)!.every((c) => c.startsWith('g1_'))).toBe(true);
    expect(cellsCovering(40.4, -3.7, 10)!.length).toBeLessThanOrEqual(16);
    expect(cellsCovering(40.4, -3.7, 100)!.every((c) => c.startsWith('g0_'))).toBe(true);
  });

  it('do not narrow a radius too wide for 64 cells, or one reaching a pole or the antimeridian', () => {
    expect(cellsCovering(40, 0, 2000)).toBeUndefined();
    expect(cellsCovering(89.9, 0, 30)).toBeUndefined();
    expect(cellsCovering(10, 179.95, 20)).toBeUndefined();
    expect(cellsCovering(10, -179.95, 20)).toBeUndefined();
  });
});
