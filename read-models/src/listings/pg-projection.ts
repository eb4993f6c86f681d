import type { PoolClient } from 'pg';
import { foldTable, upsertRows, type Changed, type DocumentTable } from '../pg-documents.ts';
import type { PgProjection } from '../projection.ts';
import { evolveListingDocument, listingDocumentHandles, listingIdOf, type ListingDocument } from './listing-document.ts';

export const LISTINGS = 'listings';

/** Table names of a target: `listings` live, `listings_r<n>` while a replay builds a fresh one. */
export const listingTables = (target: string) => ({ listings: `${target}`, unitTypes: `${target}_unit_types` });

const searchText = (doc: ListingDocument): string =>
  [doc.details.title, doc.details.location?.city, doc.details.location?.country, doc.details.description?.slice(0, 500), ...(doc.details.amenities ?? []), ...(doc.details.cuisine ?? [])]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();

const sameUnits = ({ before, doc }: Changed<ListingDocument>): boolean =>
  before !== undefined && JSON.stringify(before.details.unitTypes) === JSON.stringify(doc.details.unitTypes);

const listingRows: DocumentTable<ListingDocument> = {
  table: (target) => listingTables(target).listings,
  key: 'listing_id',
  handles: listingDocumentHandles,
  keyOf: listingIdOf,
  evolve: evolveListingDocument,
  row(doc) {
    const d = doc.details;
    return {
      listing_id: doc.listingId,
      host_id: doc.hostId,
      kind: doc.kind,
      status: doc.status,
      title: d.title ?? null,
      city: d.location?.city ?? null,
      country: d.location?.country ?? null,
      lat: d.location?.lat ?? null,
      lon: d.location?.lon ?? null,
      amenities: [...(d.amenities ?? []), ...(d.cuisine ?? [])].map((a) => a.toLowerCase()),
      currency: d.currency ?? null,
      min_price: doc.minPrice,
      rating: doc.rating.count > 0 ? doc.rating.sum / doc.rating.count : null,
      rating_count: doc.rating.count,
      search_text: searchText(doc),
      doc,
      updated_at: doc.updatedAt,
    };
  },
  // Unit types are rows of their own (the search joins them): replaced whole when a listing's change.
  async after(client, target, changed) {
    const t = listingTables(target);
    const replaced = changed.filter((c) => !sameUnits(c));
    if (replaced.length === 0) return;
    await client.query(`DELETE FROM ${t.unitTypes} WHERE listing_id = ANY($1::text[])`, [replaced.map(({ doc }) => doc.listingId)]);
    const units = replaced.flatMap(({ doc }) =>
      (doc.details.unitTypes ?? []).map((unit) => ({
        unit_type_id: unit.unitTypeId,
        listing_id: doc.listingId,
        name: unit.name,
        count: unit.count,
        capacity: unit.capacity,
        price: unit.price.amount,
        currency: unit.price.currency,
      })),
    );
    // A unit type id is unique across listings; the last listing naming it wins, as one by one.
    await upsertRows(client, t.unitTypes, 'unit_type_id', [...new Map(units.map((u) => [u.unit_type_id, u])).values()]);
  },
};

const indexes = (target: string): string => {
  const t = listingTables(target);
  return `
      CREATE INDEX IF NOT EXISTS ${t.listings}_text ON ${t.listings} USING gin (search_text gin_trgm_ops);
      CREATE INDEX IF NOT EXISTS ${t.listings}_geo ON ${t.listings} USING gist (ll_to_earth(lat, lon)) WHERE status = 'published';
      CREATE INDEX IF NOT EXISTS ${t.listings}_price ON ${t.listings} (min_price) WHERE status = 'published';
      CREATE INDEX IF NOT EXISTS ${t.listings}_amenities ON ${t.listings} USING gin (amenities);
      CREATE INDEX IF NOT EXISTS ${t.listings}_host ON ${t.listings} (host_id);
      CREATE INDEX IF NOT EXISTS ${t.unitTypes}_listing ON ${t.unitTypes} (listing_id);`;
};

export const listingSearchProjection: PgProjection = {
  name: LISTINGS,
  handles: listingDocumentHandles,
  async migrate(client: PoolClient, target: string, options = {}) {
    const t = listingTables(target);
    await client.query(`
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE EXTENSION IF NOT EXISTS cube;
      CREATE EXTENSION IF NOT EXISTS earthdistance;
      CREATE TABLE IF NOT EXISTS ${t.listings} (
        listing_id  text PRIMARY KEY,
        host_id     text NOT NULL,
        kind        text NOT NULL,
        status      text NOT NULL,
        title       text,
        city        text,
        country     text,
        lat         double precision,
        lon         double precision,
        amenities   text[] NOT NULL DEFAULT '{}',
        currency    text,
        min_price   bigint,
        rating      numeric,
        rating_count int NOT NULL DEFAULT 0,
        search_text text NOT NULL DEFAULT '',
        doc         jsonb NOT NULL,
        updated_at  timestamptz NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ${t.unitTypes} (
        unit_type_id text PRIMARY KEY,
        listing_id   text NOT NULL,
        name         text NOT NULL,
        count        int NOT NULL,
        capacity     int NOT NULL,
        price        bigint NOT NULL,
        currency     text NOT NULL
      );
      ${options.indexes === false ? '' : indexes(target)}
    `);
  },
  async index(client: PoolClient, target: string) {
    await client.query(indexes(target));
  },
  fold: (db, events, target) => foldTable(db, listingRows, events, target),
  async drop(client: PoolClient, target: string) {
    const t = listingTables(target);
    await client.query(`DROP TABLE IF EXISTS ${t.unitTypes}; DROP TABLE IF EXISTS ${t.listings};`);
  },
};
