import type { Pool, PoolClient } from 'pg';
import type { AvailabilityStore, UsedUnits } from '../availability/port.ts';
import { inTransaction } from '@stayhub/infra/postgres/pool';
import { liveTargets } from '../checkpoints.ts';
import { nightsBetween } from '../availability/nights.ts';
import type { AvailabilityDay, ListingReader, ListingSearchQuery, ListingSearchResult, ListingSummary, ListingView } from './port.ts';

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

const columns = (distance: string, score: string) =>
  `l.listing_id, l.kind, l.title, l.city, l.country, l.lat, l.lon, l.currency, l.min_price, l.rating, l.rating_count,
   l.amenities, l.doc->'details'->'photos'->>0 AS photo, ${distance} AS distance_m, ${score} AS score`;

const orderOf = (query: ListingSearchQuery, distance: string): string =>
  ({
    relevance: query.q ? 'score DESC, l.rating DESC NULLS LAST, l.listing_id' : 'l.rating DESC NULLS LAST, l.listing_id',
    price: 'l.min_price ASC NULLS LAST, l.listing_id',
    rating: 'l.rating DESC NULLS LAST, l.rating_count DESC, l.listing_id',
    distance: distance === 'NULL::float8' ? 'l.listing_id' : 'distance_m ASC, l.listing_id',
  })[query.sort];

/** A unit type that fits the party and the price range, before its free units are checked. */
type Candidate = { id: string; count: number; need: number };

/** With availability outside PostgreSQL, search filters at most this many candidates (in result order) by free units. */
export const AVAILABILITY_CANDIDATES = 5000;

const summaryOf = (row: Omit<Row, 'total'>, dated: boolean): ListingSummary => ({
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
  ...(dated ? { availableUnitTypes: row.available ?? [] } : {}),
});

/** The candidates with `need` units free on every key, in their order (by price). */
const withRoom = (candidates: Candidate[], keys: string[], used: UsedUnits): string[] =>
  candidates.filter((c) => keys.every((key) => c.count - (used.get(c.id)?.get(key) ?? 0) >= c.need)).map((c) => c.id);

/** Keys wanted: nights between the dates, or the one slot instant. */
export const wantedKeys = (query: Pick<ListingSearchQuery, 'checkIn' | 'checkOut' | 'slot'>): string[] | undefined =>
  query.checkIn && query.checkOut ? nightsBetween(query.checkIn, query.checkOut) : query.slot ? [new Date(query.slot).toISOString()] : undefined;

/**
 * Search on PostgreSQL: trigram word similarity for typos, earthdistance for the radius, the
 * availability table for dates. Given an availability store (Redis), dates are checked against it
 * instead: the SQL finds the candidates without the availability join (at most
 * `AVAILABILITY_CANDIDATES`, in result order), the store's counts filter them, and the page and
 * `total` are taken from what is left.
 */
export class PgListingReader implements ListingReader {
  constructor(
    private readonly pool: Pool,
    private readonly availabilityStore?: AvailabilityStore,
  ) {}

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
    const order = orderOf(query, distance);
    const keys = wantedKeys(query);
    if (keys && this.availabilityStore) {
      // Each fitting unit type with what it needs; the store decides which have room.
      const candidates = `SELECT json_agg(json_build_object('id', u.unit_type_id, 'count', u.count, 'need', ceil(${guests}::numeric / u.capacity)::int)
                                ORDER BY u.price) FROM ${listings}_unit_types u
                           WHERE u.listing_id = l.listing_id AND ${unitConditions.join(' AND ')}`;
      const sql = `
        SELECT * FROM (
          SELECT ${columns(distance, score)}, (${candidates}) AS candidates
            FROM ${listings} l
           WHERE ${where.join(' AND ')}
        ) l
        WHERE l.candidates IS NOT NULL
        ORDER BY ${order}
        LIMIT ${p(AVAILABILITY_CANDIDATES)}`;
      const rows = await this.readOnly((client) => client.query<Omit<Row, 'total' | 'available'> & { candidates: Candidate[] }>(sql, params));
      const used = await this.availabilityStore.used(availability, [...new Set(rows.rows.flatMap((r) => r.candidates.map((c) => c.id)))], keys);
      const matching = rows.rows.flatMap((row) => {
        const available = withRoom(row.candidates, keys, used);
        return available.length > 0 ? [summaryOf({ ...row, available }, true)] : [];
      });
      const start = (query.page - 1) * query.pageSize;
      return { items: matching.slice(start, start + query.pageSize), total: matching.length, page: query.page, pageSize: query.pageSize };
    }
    if (keys) {
      unitConditions.push(`NOT EXISTS (SELECT 1 FROM ${availability} a
        WHERE a.unit_type_id = u.unit_type_id AND a.key = ANY(${p(keys)}::text[])
          AND u.count - a.used < ceil(${guests}::numeric / u.capacity))`);
    }
    const fitting = `SELECT array_agg(u.unit_type_id ORDER BY u.price) FROM ${listings}_unit_types u
                      WHERE u.listing_id = l.listing_id AND ${unitConditions.join(' AND ')}`;

    const sql = `
      SELECT * FROM (
        SELECT ${columns(distance, score)},
               (${fitting}) AS available
          FROM ${listings} l
         WHERE ${where.join(' AND ')}
      ) l
      WHERE l.available IS NOT NULL
      ORDER BY ${order}
      LIMIT ${p(query.pageSize)} OFFSET ${p((query.page - 1) * query.pageSize)}`;
    const countSql = `SELECT count(*) AS total FROM ${listings} l WHERE ${where.join(' AND ')} AND EXISTS (${fitting.replace('array_agg(u.unit_type_id ORDER BY u.price)', '1')})`;
    const [{ rows }, counted] = await this.readOnly((client) =>
      Promise.all([client.query<Row>(sql, params), client.query<{ total: number }>(countSql, params.slice(0, params.length - 2))]),
    );
    return {
      items: rows.map((row) => summaryOf(row, Boolean(keys))),
      total: Number(counted.rows[0]?.total ?? 0),
      page: query.page,
      pageSize: query.pageSize,
    };
  }

  /** One read-only transaction with the fuzzy-match threshold search uses. */
  private readOnly<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(
      this.pool,
      async (client) => {
        await client.query('SET LOCAL pg_trgm.word_similarity_threshold = 0.45');
        return work(client);
      },
      'BEGIN READ ONLY',
    );
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
    const usedOf = this.availabilityStore
      ? await this.availabilityStore.used(targets[AVAILABILITY]!, units.rows.map((u) => u.unit_type_id), keys)
      : await this.usedInTable(targets[AVAILABILITY]!, units.rows.map((u) => u.unit_type_id), keys);
    return keys.map((key) => ({
      key,
      unitTypes: units.rows.map((u) => ({
        unitTypeId: u.unit_type_id,
        count: u.count,
        free: Math.max(0, u.count - (usedOf.get(u.unit_type_id)?.get(key) ?? 0)),
      })),
    }));
  }

  private async usedInTable(table: string, unitTypeIds: string[], keys: string[]): Promise<UsedUnits> {
    const used = await this.pool.query<{ unit_type_id: string; key: string; used: number }>(
      `SELECT unit_type_id, key, used FROM ${table} WHERE unit_type_id = ANY($1) AND key = ANY($2)`,
      [unitTypeIds, keys],
    );
    const result: UsedUnits = new Map();
    for (const r of used.rows) (result.get(r.unit_type_id) ?? result.set(r.unit_type_id, new Map()).get(r.unit_type_id)!).set(r.key, r.used);
    return result;
  }
}
