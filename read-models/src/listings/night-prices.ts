import type { PoolClient } from 'pg';
import { nightsBetween } from '../availability/nights.ts';

type Queryable = Pick<PoolClient, 'query'>;

/**
 * Per-date prices of the search read model: per unit type, the nights (ISO dates) a host priced
 * apart from the base price, in minor units of the listing's currency.
 *
 * The price filter of a search for nights compares the AVERAGE price per night of the asked
 * nights (each night at its per-date price, else the base price) with minPrice..maxPrice; without
 * nights it compares the base price. Kept as `total ≥ minPrice × nights` and `total ≤ maxPrice ×
 * nights`, in whole minor units, so PostgreSQL and Elasticsearch decide every edge alike.
 */
export type NightPrices = Record<string, Record<string, number>>;

/** The price of the nights `checkIn`..`checkOut` of one unit: per-date prices where set, else `base`. */
const stayTotal = (base: number, priced: Record<string, number> | undefined, checkIn: string, checkOut: string): { total: number; nights: number } => {
  const nights = nightsBetween(checkIn, checkOut);
  return { total: nights.reduce((sum, night) => sum + (priced?.[night] ?? base), 0), nights: nights.length };
};

/** Whether a unit's average price per asked night (or its base price, without nights) lies in the asked range. */
export const priceFits = (
  base: number,
  priced: Record<string, number> | undefined,
  query: { checkIn?: string | undefined; checkOut?: string | undefined; minPrice?: number | undefined; maxPrice?: number | undefined },
): boolean => {
  const { total, nights } = query.checkIn && query.checkOut ? stayTotal(base, priced, query.checkIn, query.checkOut) : { total: base, nights: 1 };
  return (query.minPrice === undefined || total >= query.minPrice * nights) && (query.maxPrice === undefined || total <= query.maxPrice * nights);
};

export const nightPricesTable = (listingsTable: string): string => `${listingsTable}_night_prices`;

export const createNightPricesTable = async (db: Queryable, table: string): Promise<void> => {
  await db.query(`
    CREATE TABLE IF NOT EXISTS ${table} (
      unit_type_id text NOT NULL,
      night        date NOT NULL,
      listing_id   text NOT NULL,
      price        bigint NOT NULL,
      PRIMARY KEY (unit_type_id, night)
    );
    CREATE INDEX IF NOT EXISTS ${table}_by_listing ON ${table} (listing_id, night);`);
};

/** Replaces the per-date prices of the given listings with those of their documents. */
export const writeNightPrices = async (
  db: Queryable,
  table: string,
  docs: readonly { listingId: string; nightPrices?: NightPrices | undefined }[],
): Promise<void> => {
  if (docs.length === 0) return;
  await db.query(`DELETE FROM ${table} WHERE listing_id = ANY($1::text[])`, [docs.map((d) => d.listingId)]);
  const rows = docs.flatMap((doc) =>
    Object.entries(doc.nightPrices ?? {}).flatMap(([unitTypeId, nights]) =>
      Object.entries(nights).map(([night, price]) => [unitTypeId, night, doc.listingId, price] as const),
    ),
  );
  if (rows.length === 0) return;
  await db.query(`INSERT INTO ${table} (unit_type_id, night, listing_id, price) SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::bigint[])`, [
    rows.map((r) => r[0]),
    rows.map((r) => r[1]),
    rows.map((r) => r[2]),
    rows.map((r) => r[3]),
  ]);
};

/**
 * SQL of the price filter over the asked nights, for a unit type `u` (alias) of listing `l`:
 * `unit` replaces the base-price bounds; `listing` is what a listing's cheapest base price alone
 * can no longer rule out (a priced night may be cheaper). `p` adds a parameter.
 */
export const nightPriceSql = (
  table: string,
  query: { checkIn: string; checkOut: string; minPrice?: number | undefined; maxPrice?: number | undefined },
  p: (value: unknown, cast?: string) => string,
): { unit: string[]; listing?: string } => {
  const nights = nightsBetween(query.checkIn, query.checkOut).length;
  const from = p(query.checkIn, '::date');
  const to = p(query.checkOut, '::date');
  const total = `(u.price * ${nights} + coalesce((SELECT sum(np.price - u.price) FROM ${table} np WHERE np.unit_type_id = u.unit_type_id AND np.night >= ${from} AND np.night < ${to}), 0))`;
  const unit: string[] = [];
  if (query.minPrice !== undefined) unit.push(`${total} >= ${p(query.minPrice * nights, '::bigint')}`);
  if (query.maxPrice === undefined) return { unit };
  const max = p(query.maxPrice, '::bigint');
  unit.push(`${total} <= ${max} * ${nights}`);
  return {
    unit,
    listing: `(l.min_price <= ${max} OR EXISTS (SELECT 1 FROM ${table} np WHERE np.listing_id = l.listing_id AND np.night >= ${from} AND np.night < ${to} AND np.price <= ${max}))`,
  };
};
