import type { Pool } from 'pg';
import { liveTargets, nightsBetween } from '../targets.ts';
import type { AvailabilityDay, ListingReader, ListingSearchQuery, ListingSearchResult, ListingView } from './port.ts';

const LISTINGS = 'listings';
const AVAILABILITY = 'availability';

type Row = {
  listing_id: string;
  kind: string;
  title: string | null;
  city: string | null;
  country: string | null;
  lat: number | null;
  lon: number | null;
  currency: string | null;
  min_price: number | null;
  rating: string | null;
  rating_count: number;
  amenities: string[];
  photo: string | null;
  distance_m: number | null;
  available: string[] | null;
  total: number;
};

/** Keys wanted: nights between the dates, or the one slot instant. */
export const wantedKeys = (query: Pick<ListingSearchQuery, 'checkIn' | 'checkOut' | 'slot'>): string[] | undefined =>
  query.checkIn && query.checkOut ? nightsBetween(query.checkIn, query.checkOut) : query.slot ? [new Date(query.slot).toISOString()] : undefined;

/** Search on PostgreSQL: trigram word similarity for typos, earthdistance for the radius, the availability table for dates. */
export class PgListingReader implements ListingReader {
  constructor(private readonly pool: Pool) {}

  async search(query: ListingSearchQuery): Promise<ListingSearchResult> {
    const targets = await liveTargets(this.pool, [LISTINGS, AVAILABILITY]);
    const listings = targets[LISTINGS]!;
    const availability = targets[AVAILABILITY]!;
    const params: unknown[] = [];
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const where = [`l.status = 'published'`];
    let score = '0';
    let distance = 'NULL::float8';
    if (query.q) {
      const q = p(query.q.toLowerCase());
      where.push(`(${q} <% l.search_text OR l.search_text ILIKE '%' || ${q} || '%')`);
      score = `word_similarity(${q}, l.search_text)`;
    }
    if (query.lat !== undefined && query.lon !== undefined) {
      const origin = `ll_to_earth(${p(query.lat)}, ${p(query.lon)})`;
      distance = `earth_distance(${origin}, ll_to_earth(l.lat, l.lon))`;
      if (query.radiusKm !== undefined) {
        const radius = p(query.radiusKm * 1000);
        where.push(`earth_box(${origin}, ${radius}) @> ll_to_earth(l.lat, l.lon)`, `${distance} <= ${radius}`);
      }
    }
    if (query.kind) where.push(`l.kind = ${p(query.kind)}`);
    if (query.city) where.push(`lower(l.city) = lower(${p(query.city)})`);
    if (query.amenities?.length) where.push(`l.amenities @> ${p(query.amenities.map((a) => a.toLowerCase()))}::text[]`);

    // A unit type qualifies when it fits the party (units of its capacity), is within the price
    // range, and has that many units free on every asked night or slot.
    const guests = p(query.guests ?? 1);
    const unitConditions = [`ceil(${guests}::numeric / u.capacity) <= u.count`];
    if (query.minPrice !== undefined) unitConditions.push(`u.price >= ${p(query.minPrice)}`);
    if (query.maxPrice !== undefined) unitConditions.push(`u.price <= ${p(query.maxPrice)}`);
    const keys = wantedKeys(query);
    if (keys) {
      unitConditions.push(`NOT EXISTS (SELECT 1 FROM ${availability} a
        WHERE a.unit_type_id = u.unit_type_id AND a.key = ANY(${p(keys)}::text[])
          AND u.count - a.used < ceil(${guests}::numeric / u.capacity))`);
    }
    const fitting = `SELECT array_agg(u.unit_type_id ORDER BY u.price) FROM ${listings}_unit_types u
                      WHERE u.listing_id = l.listing_id AND ${unitConditions.join(' AND ')}`;

    const order = {
      relevance: query.q ? 'score DESC, l.rating DESC NULLS LAST, l.listing_id' : 'l.rating DESC NULLS LAST, l.listing_id',
      price: 'l.min_price ASC NULLS LAST, l.listing_id',
      rating: 'l.rating DESC NULLS LAST, l.rating_count DESC, l.listing_id',
      distance: distance === 'NULL::float8' ? 'l.listing_id' : 'distance_m ASC, l.listing_id',
    }[query.sort];
    const sql = `
      SELECT * FROM (
        SELECT l.listing_id, l.kind, l.title, l.city, l.country, l.lat, l.lon, l.currency, l.min_price, l.rating, l.rating_count,
               l.amenities, l.doc->'details'->'photos'->>0 AS photo, ${distance} AS distance_m, ${score} AS score,
               (${fitting}) AS available
          FROM ${listings} l
         WHERE ${where.join(' AND ')}
      ) l
      WHERE l.available IS NOT NULL
      ORDER BY ${order}
      LIMIT ${p(query.pageSize)} OFFSET ${p((query.page - 1) * query.pageSize)}`;
    const countSql = `SELECT count(*) AS total FROM ${listings} l WHERE ${where.join(' AND ')} AND EXISTS (${fitting.replace('array_agg(u.unit_type_id ORDER BY u.price)', '1')})`;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN READ ONLY');
      await client.query("SET LOCAL pg_trgm.word_similarity_threshold = 0.45");
      const [{ rows }, counted] = await Promise.all([
        client.query<Row>(sql, params),
        client.query<{ total: number }>(countSql, params.slice(0, params.length - 2)),
      ]);
      await client.query('COMMIT');
      return {
        items: rows.map((row) => ({
          listingId: row.listing_id,
          kind: row.kind,
          title: row.title,
          city: row.city,
          country: row.country,
          location: row.lat === null || row.lon === null ? null : { lat: row.lat, lon: row.lon },
          minPrice: row.min_price === null || !row.currency ? null : { amount: Number(row.min_price), currency: row.currency },
          rating: row.rating === null ? null : Math.round(Number(row.rating) * 100) / 100,
          ratingCount: row.rating_count,
          amenities: row.amenities,
          photo: row.photo,
          ...(row.distance_m === null ? {} : { distanceKm: Math.round(row.distance_m) / 1000 }),
          ...(keys ? { availableUnitTypes: row.available ?? [] } : {}),
        })),
        total: Number(counted.rows[0]?.total ?? 0),
        page: query.page,
        pageSize: query.pageSize,
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async get(listingId: string): Promise<ListingView | undefined> {
    const { listings } = await liveTargets(this.pool, [LISTINGS]);
    const { rows } = await this.pool.query<{ doc: ListingView & { rating: { sum: number; count: number } } }>(
      `SELECT doc FROM ${listings} WHERE listing_id = $1`,
      [listingId],
    );
    const doc = rows[0]?.doc;
    if (!doc) return undefined;
    return {
      listingId: doc.listingId,
      hostId: doc.hostId,
      kind: doc.kind,
      status: doc.status,
      details: doc.details,
      rating: doc.rating.count > 0 ? Math.round((doc.rating.sum / doc.rating.count) * 100) / 100 : null,
      ratingCount: doc.rating.count,
      updatedAt: doc.updatedAt,
    };
  }

  async availability(listingId: string, keys: string[]): Promise<AvailabilityDay[] | undefined> {
    const targets = await liveTargets(this.pool, [LISTINGS, AVAILABILITY]);
    const units = await this.pool.query<{ unit_type_id: string; count: number }>(
      `SELECT unit_type_id, count FROM ${targets[LISTINGS]}_unit_types WHERE listing_id = $1 ORDER BY unit_type_id`,
      [listingId],
    );
    if (units.rows.length === 0) return undefined;
    const used = await this.pool.query<{ unit_type_id: string; key: string; used: number }>(
      `SELECT unit_type_id, key, used FROM ${targets[AVAILABILITY]} WHERE unit_type_id = ANY($1) AND key = ANY($2)`,
      [units.rows.map((u) => u.unit_type_id), keys],
    );
    const usedOf = new Map(used.rows.map((r) => [`${r.unit_type_id} ${r.key}`, r.used]));
    return keys.map((key) => ({
      key,
      unitTypes: units.rows.map((u) => ({
        unitTypeId: u.unit_type_id,
        count: u.count,
        free: Math.max(0, u.count - (usedOf.get(`${u.unit_type_id} ${key}`) ?? 0)),
      })),
    }));
  }
}
