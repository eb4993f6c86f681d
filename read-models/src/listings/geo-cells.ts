/**
 * Geo cells as index terms: each listing's word vector also holds the grid cells its point lies
 * in (0.1° and 1°), so that text and place are intersected inside one GIN index scan instead of
 * checking the words of every listing within a radius. A cell term has an underscore, which no
 * word (`wordsOf`: letters and digits) has, so a term is never mistaken for a word.
 */

/** The earth radius of PostgreSQL's `earthdistance` (`earth()`), in km: radii are measured with it. */
const EARTH_KM = 6378.168;
/** Cell sizes in degrees, finest first: 0.1° (about 11 km of latitude) and 1°. */
const LEVELS = [
  { level: 1, perDegree: 10 },
  { level: 0, perDegree: 1 },
] as const;
/** A radius is looked up by at most this many cells of one level; wider, it is not narrowed by cells. */
export const MAX_CELLS = 64;
/**
 * Text within a radius is looked up with the cells of the finest level that needs at most this
 * many to cover it, in one GIN scan (words AND any of the cells): an OR of many fine cells makes
 * the scan walk the union of every cell's listings (42 cells of a dense city: 27–46 ms against
 * 2 ms for one 1° cell, at 100k listings), and one scan per cell walks the words' listings once a
 * cell (the matches in two 1° cells at 500k: 27–33 ms against 15–17 ms for one scan over both, 2 Dec).
 */
export const TEXT_CELLS = 4;

const cellOf = (level: number, perDegree: number, lat: number, lon: number) =>
  `g${level}_${Math.floor((lat + 90) * perDegree)}_${Math.floor((lon + 180) * perDegree)}`;

/** The cell terms of a point, one per level. */
export const cellTermsOf = (lat: number, lon: number): string[] => LEVELS.map(({ level, perDegree }) => cellOf(level, perDegree, lat, lon));

/**
 * The cells of the finest level that needs at most `maxCells` to cover every point within
 * `radiusKm` of (lat, lon), or undefined when none does (a radius wider than the cells allow, or
 * one that reaches a pole or the antimeridian): then the radius is not narrowed by cells.
 */
export const cellsCovering = (lat: number, lon: number, radiusKm: number, maxCells = MAX_CELLS): string[] | undefined => {
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
    if (rows * columns > maxCells) continue;
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

/** A point's 0.1° cell as one integer (row × 4000 + column) in SQL: what the per-cell order indexes are keyed by. */
export const fineCellSql = (lat: string, lon: string): string => `(floor((${lat} + 90) * 10)::int * 4000 + floor((${lon} + 180) * 10)::int)`;

/**
 * "Within `radiusKm` of (lat, lon)" in SQL as plain arithmetic on the row's coordinates: the
 * haversine term against its bound, the same great circle on the same sphere as `earth_distance`
 * (which builds an `earth` point, checked against its domain, for every row: most of a radius
 * search's time). `param` adds a value to the statement and returns its placeholder.
 */
export const withinRadiusSql = (lat: string, lon: string, origin: { lat: number; lon: number; radiusKm: number }, param: (value: number) => string): string => {
  const rad = Math.PI / 180;
  const half = origin.radiusKm / EARTH_KM / 2;
  // Half the central angle past a quarter turn: every point on the sphere is within the radius.
  if (half >= Math.PI / 2) return 'true';
  const bound = Math.sin(half) ** 2;
  return `(sin(radians(${lat} - ${param(origin.lat)}) / 2) ^ 2 + ${param(Math.cos(origin.lat * rad))} * cos(radians(${lat})) * sin(radians(${lon} - ${param(origin.lon)}) / 2) ^ 2 <= ${param(bound)})`;
};

const haversineKm = (lat1: number, lon1: number, lat2: number, lon2: number): number => {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(a)));
};

/**
 * The 0.1° cells (as `fineCellSql` numbers them) that the circle reaches: those of the covering
 * grid whose nearest point is within the radius (with a margin), so that a search ordered by
 * price or rating walks each cell's own index in that order and stops after one page. Undefined
 * when the 0.1° grid needs more than `MAX_CELLS` cells to cover it.
 */
export const fineCellsTouching = (lat: number, lon: number, radiusKm: number): number[] | undefined => {
  const cover = cellsCovering(lat, lon, radiusKm);
  if (!cover || !cover[0]!.startsWith('g1_')) return undefined;
  return cover.flatMap((cell) => {
    const [, row, column] = cell.split('_').map(Number) as [number, number, number];
    const south = row / 10 - 90;
    const west = column / 10 - 180;
    const nearestLat = Math.min(Math.max(lat, south), south + 0.1);
    const nearestLon = Math.min(Math.max(lon, west), west + 0.1);
    return haversineKm(lat, lon, nearestLat, nearestLon) <= radiusKm * 1.01 + 0.5 ? [row * 4000 + column] : [];
  });
};
