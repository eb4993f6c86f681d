/**
 * Geo cells as index terms: each listing's word vector also holds the grid cells its point lies
 * in (0.1° and 1°), so that text and place are intersected inside one GIN index scan instead of
 * checking the words of every listing within a radius. A cell term has an underscore, which no
 * word (`wordsOf`: letters and digits) has, so a term is never mistaken for a word.
 */

/** The earth radius of PostgreSQL's `earthdistance` (`earth()`), in km: radii are measured with it. */
const EARTH_KM = 6378.168;
/** Cell sizes in degrees, finest first: 0.1° (about 11 km of latitude) and 1°. */
const LEVELS = [{ level: 1, perDegree: 10 }, { level: 0, perDegree: 1 }] as const;
/** A radius is looked up by at most this many cells of one level; wider, it is not narrowed by cells. */
export const MAX_CELLS = 64;

const cellOf = (level: number, perDegree: number, lat: number, lon: number) => `g${level}_${Math.floor((lat + 90) * perDegree)}_${Math.floor((lon + 180) * perDegree)}`;

/** The cell terms of a point, one per level. */
export const cellTermsOf = (lat: number, lon: number): string[] => LEVELS.map(({ level, perDegree }) => cellOf(level, perDegree, lat, lon));

/**
 * The cells of the finest level that needs at most `MAX_CELLS` to cover every point within
 * `radiusKm` of (lat, lon), or undefined when none does (a radius wider than the cells allow, or
 * one that reaches a pole or the antimeridian): then the radius is not narrowed by cells.
 */
export const cellsCovering = (lat: number, lon: number, radiusKm: number): string[] | undefined => {
  const angle = radiusKm / EARTH_KM;
  const rad = Math.PI / 180;
  // A spherical cap of angular radius δ spans δ in latitude and asin(sin δ / cos φ) in longitude; a margin covers rounding.
  const sinSpan = Math.sin(angle) / Math.cos(lat * rad);
  if (angle >= Math.PI / 2 || sinSpan >= 1) return undefined;
  const dLat = (angle / rad) * 1.001 + 1e-6;
  const dLon = (Math.asin(sinSpan) / rad) * 1.001 + 1e-6;
  const south = lat - dLat;
  const north = lat + dLat;
  const west = lon - dLon;
  const east = lon + dLon;
  if (south < -90 || north > 90 || west < -180 || east >= 180) return undefined;
  for (const { level, perDegree } of LEVELS) {
    const rows = Math.floor((north + 90) * perDegree) - Math.floor((south + 90) * perDegree) + 1;
    const columns = Math.floor((east + 180) * perDegree) - Math.floor((west + 180) * perDegree) + 1;
    if (rows * columns > MAX_CELLS) continue;
    const cells: string[] = [];
    for (let i = Math.floor((south + 90) * perDegree); i <= Math.floor((north + 90) * perDegree); i++) {
      for (let j = Math.floor((west + 180) * perDegree); j <= Math.floor((east + 180) * perDegree); j++) cells.push(`g${level}_${i}_${j}`);
    }
    return cells;
  }
  return undefined;
};

/** The same cell terms in SQL, for a backfill of rows written before cells were indexed (same floating-point steps as `cellTermsOf`). */
export const cellTermsSql = (lat: string, lon: string): string =>
  `ARRAY[${LEVELS.map(({ level, perDegree }) => `'g${level}_' || floor((${lat} + 90) * ${perDegree})::bigint || '_' || floor((${lon} + 180) * ${perDegree})::bigint`).join(', ')}]`;
