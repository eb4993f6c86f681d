import { Link } from 'react-router';
import { formatMoney } from '../shared/api.ts';
import type { ListingSummary } from './types.ts';

const TILE = 256;
const WIDTH = 640;
const HEIGHT = 360;

/** Web Mercator: longitude/latitude to world pixels at zoom `z`. */
export const project = (lat: number, lon: number, z: number): { x: number; y: number } => {
  const scale = TILE * 2 ** z;
  const sin = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
  return { x: ((lon + 180) / 360) * scale, y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * scale };
};

/** The highest zoom at which every point fits the frame with a margin (at most 15). */
export const fitZoom = (points: { lat: number; lon: number }[]): number => {
  for (let z = 15; z > 0; z--) {
    const projected = points.map((p) => project(p.lat, p.lon, z));
    const xs = projected.map((p) => p.x);
    const ys = projected.map((p) => p.y);
    if (Math.max(...xs) - Math.min(...xs) <= WIDTH * 0.8 && Math.max(...ys) - Math.min(...ys) <= HEIGHT * 0.8) return z;
  }
  return 0;
};

/**
 * Results as points on a map. Without a tile server (`MAP_TILES_URL`) the points are drawn on a
 * plain grid in the same projection, so their places relative to each other are still right.
 */
export const ResultsMap = ({
  items,
  tilesUrl,
  centre,
}: {
  items: ListingSummary[];
  tilesUrl: string | null;
  centre?: { lat: number; lon: number } | undefined;
}) => {
  const located = items.filter((item): item is ListingSummary & { location: { lat: number; lon: number } } => item.location !== null);
  if (located.length === 0) return <p className="muted">No result has a place to show on the map.</p>;
  const points = [...located.map((item) => item.location), ...(centre ? [centre] : [])];
  const z = fitZoom(points);
  const projected = points.map((p) => project(p.lat, p.lon, z));
  const midX = (Math.min(...projected.map((p) => p.x)) + Math.max(...projected.map((p) => p.x))) / 2;
  const midY = (Math.min(...projected.map((p) => p.y)) + Math.max(...projected.map((p) => p.y))) / 2;
  const left = midX - WIDTH / 2;
  const top = midY - HEIGHT / 2;
  const at = (lat: number, lon: number) => {
    const p = project(lat, lon, z);
    return { x: p.x - left, y: p.y - top };
  };
  const tiles: { x: number; y: number; url: string }[] = [];
  if (tilesUrl) {
    const max = 2 ** z;
    for (let tx = Math.floor(left / TILE); tx <= Math.floor((left + WIDTH) / TILE); tx++) {
      for (let ty = Math.max(0, Math.floor(top / TILE)); ty <= Math.min(max - 1, Math.floor((top + HEIGHT) / TILE)); ty++) {
        const wrapped = ((tx % max) + max) % max;
        tiles.push({
          x: tx * TILE - left,
          y: ty * TILE - top,
          url: tilesUrl.replace('{z}', String(z)).replace('{x}', String(wrapped)).replace('{y}', String(ty)),
        });
      }
    }
  }
  const grid = Array.from({ length: 9 }, (_, i) => i);
  return (
    <figure className="map" aria-label={`Map of ${located.length} results`}>
      {/* biome-ignore lint/a11y/useSemanticElements: inside SVG there is no <fieldset>; the group names the drawing that holds the result links */}
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="group" aria-label="Results map">
        <rect width={WIDTH} height={HEIGHT} className="map-ground" />
        {tiles.map((tile) => (
          // biome-ignore lint/a11y/noAriaHiddenOnFocusable: an SVG <image> takes no focus; the tiles are decoration
          <image key={`${tile.x},${tile.y}`} href={tile.url} x={tile.x} y={tile.y} width={TILE} height={TILE} aria-hidden="true" />
        ))}
        {!tilesUrl &&
          grid.map((i) => (
            // biome-ignore lint/a11y/noAriaHiddenOnFocusable: an SVG <g> without links takes no focus; the grid is decoration
            <g key={i} aria-hidden="true">
              <line x1={(WIDTH / 8) * i} y1={0} x2={(WIDTH / 8) * i} y2={HEIGHT} className="map-grid" />
              <line x1={0} y1={(HEIGHT / 8) * i} x2={WIDTH} y2={(HEIGHT / 8) * i} className="map-grid" />
            </g>
          ))}
        {centre &&
          (() => {
            const c = at(centre.lat, centre.lon);
            // biome-ignore lint/a11y/noInteractiveElementToNoninteractiveRole: an SVG <circle> is not interactive; role="img" names the centre mark
            return <circle cx={c.x} cy={c.y} r={6} className="map-centre" aria-label="Search centre" role="img" />;
          })()}
        {located.map((item) => {
          const p = at(item.location.lat, item.location.lon);
          const label = `${item.title ?? 'Untitled'}, ${formatMoney(item.minPrice)}`;
          return (
            <Link key={item.listingId} to={`/listings/${item.listingId}`} aria-label={label}>
              <g className="map-pin">
                <circle cx={p.x} cy={p.y} r={9} />
                <text x={p.x + 12} y={p.y + 4}>
                  {formatMoney(item.minPrice)}
                </text>
              </g>
            </Link>
          );
        })}
      </svg>
      <figcaption className="muted">
        {tilesUrl ? 'Map tiles from the configured tile server.' : 'Points drawn without map tiles (set MAP_TILES_URL for a background map).'}
      </figcaption>
    </figure>
  );
};
