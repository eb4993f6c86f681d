/**
 * The peer: `@orama/orama`, an in-memory search library with typo tolerance, geo radius and
 * filters, holding the same listings (folded from the same events) in the benchmark's own process.
 * It has no calendar, no per-unit prices and no distance order: those shapes have no peer figure.
 */
import { performance } from 'node:perf_hooks';
import { create, insertMultiple, search, type Orama } from '@orama/orama';
import { evolveListingDocument, type ListingDocument } from '@stayhub/read-models';
import { marketplaceEvents } from './load-marketplace.ts';

const schema = {
  title: 'string',
  description: 'string',
  place: 'string',
  kind: 'enum',
  amenities: 'enum[]',
  price: 'number',
  rating: 'number',
  location: 'geopoint',
} as const;
export type OramaListings = Orama<typeof schema>;

export const buildOrama = async (seed: number, listings: number, onProgress?: (done: number) => void) => {
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const db = create({ schema });
  const now = new Date().toISOString();
  for (let start = 0; start < listings; start += 5000) {
    const docs = [];
    for (let i = start; i < Math.min(listings, start + 5000); i++) {
      const doc = marketplaceEvents(seed, i, now).reduce<ListingDocument | undefined>(evolveListingDocument, undefined)!;
      const d = doc.details;
      docs.push({
        id: doc.listingId,
        title: d.title ?? '',
        description: d.description ?? '',
        place: `${d.location?.city ?? ''} ${doc.kind} ${(d.amenities ?? []).join(' ')} ${(d.cuisine ?? []).join(' ')}`,
        kind: doc.kind,
        amenities: (d.amenities ?? []).map((a) => a.toLowerCase()),
        price: doc.minPrice ?? 0,
        rating: doc.rating.count > 0 ? doc.rating.sum / doc.rating.count : 0,
        location: { lat: d.location!.lat, lon: d.location!.lon },
      });
    }
    await insertMultiple(db, docs, 5000);
    onProgress?.(Math.min(listings, start + 5000));
  }
  const buildSeconds = (performance.now() - started) / 1000;
  globalThis.gc?.();
  return { db, buildSeconds, heapMb: Math.round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20) };
};

/** A listing query string as an Orama search, or undefined for what it cannot answer (dates, slots, distance order). */
export const oramaSearch = (db: OramaListings, queryString: string, pageSize = 20) => {
  const q = new URLSearchParams(queryString);
  if (q.has('checkIn') || q.has('slot') || q.get('sort') === 'distance' || q.has('minPrice') || q.has('cursor') || q.has('cuisine') || q.has('minRating'))
    return undefined;
  const where: Record<string, unknown> = {};
  if (q.has('lat') && q.has('radiusKm')) {
    where.location = {
      radius: { coordinates: { lat: Number(q.get('lat')), lon: Number(q.get('lon')) }, unit: 'km', value: Number(q.get('radiusKm')), inside: true },
    };
  }
  if (q.has('kind')) where.kind = { eq: q.get('kind') };
  if (q.has('amenities')) where.amenities = { containsAll: q.get('amenities')!.split(',') };
  const sort = q.get('sort');
  const page = Number(q.get('page') ?? 1);
  const size = Number(q.get('pageSize') ?? pageSize);
  return () =>
    search(db, {
      ...(q.has('q') ? { term: q.get('q')!, properties: ['title', 'description', 'place'] as const, tolerance: 1 } : {}),
      ...(Object.keys(where).length > 0 ? { where } : {}),
      ...(sort === 'price'
        ? { sortBy: { property: 'price', order: 'ASC' as const } }
        : sort === 'rating' || (!q.has('q') && sort !== 'distance')
          ? { sortBy: { property: 'rating', order: 'DESC' as const } }
          : {}),
      limit: size,
      offset: (page - 1) * size,
    } as never);
};
