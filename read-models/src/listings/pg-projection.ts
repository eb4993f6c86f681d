import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/infra';
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

export const listingSearchProjection: PgProjection = {
  name: LISTINGS,
  handles: listingDocumentHandles,
  async migrate(client: PoolClient, target: string) {
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
      CREATE INDEX IF NOT EXISTS ${t.listings}_text ON ${t.listings} USING gin (search_text gin_trgm_ops);
      CREATE INDEX IF NOT EXISTS ${t.listings}_geo ON ${t.listings} USING gist (ll_to_earth(lat, lon)) WHERE status = 'published';
      CREATE INDEX IF NOT EXISTS ${t.listings}_price ON ${t.listings} (min_price) WHERE status = 'published';
      CREATE INDEX IF NOT EXISTS ${t.listings}_amenities ON ${t.listings} USING gin (amenities);
      CREATE INDEX IF NOT EXISTS ${t.listings}_host ON ${t.listings} (host_id);
      CREATE TABLE IF NOT EXISTS ${t.unitTypes} (
        unit_type_id text PRIMARY KEY,
        listing_id   text NOT NULL,
        name         text NOT NULL,
        count        int NOT NULL,
        capacity     int NOT NULL,
        price        bigint NOT NULL,
        currency     text NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ${t.unitTypes}_listing ON ${t.unitTypes} (listing_id);
    `);
  },
  async apply(client: PoolClient, event: RecordedEvent, target: string) {
    const t = listingTables(target);
    const id = listingIdOf(event);
    const { rows } = await client.query<{ doc: ListingDocument }>(`SELECT doc FROM ${t.listings} WHERE listing_id = $1 FOR UPDATE`, [id]);
    const before = rows[0]?.doc;
    const doc = evolveListingDocument(before, event);
    if (!doc || doc === before) return;
    const d = doc.details;
    await client.query(
      `INSERT INTO ${t.listings} (listing_id, host_id, kind, status, title, city, country, lat, lon, amenities, currency, min_price,
                                  rating, rating_count, search_text, doc, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)
       ON CONFLICT (listing_id) DO UPDATE SET host_id = excluded.host_id, kind = excluded.kind, status = excluded.status,
         title = excluded.title, city = excluded.city, country = excluded.country, lat = excluded.lat, lon = excluded.lon,
         amenities = excluded.amenities, currency = excluded.currency, min_price = excluded.min_price, rating = excluded.rating,
         rating_count = excluded.rating_count, search_text = excluded.search_text, doc = excluded.doc, updated_at = excluded.updated_at`,
      [
        doc.listingId,
        doc.hostId,
        doc.kind,
        doc.status,
        d.title ?? null,
        d.location?.city ?? null,
        d.location?.country ?? null,
        d.location?.lat ?? null,
        d.location?.lon ?? null,
        [...(d.amenities ?? []), ...(d.cuisine ?? [])].map((a) => a.toLowerCase()),
        d.currency ?? null,
        doc.minPrice,
        doc.rating.count > 0 ? doc.rating.sum / doc.rating.count : null,
        doc.rating.count,
        searchText(doc),
        JSON.stringify(doc),
        doc.updatedAt,
      ],
    );
    if (before && JSON.stringify(before.details.unitTypes) === JSON.stringify(d.unitTypes)) return;
    await client.query(`DELETE FROM ${t.unitTypes} WHERE listing_id = $1`, [id]);
    for (const unit of d.unitTypes ?? []) {
      await client.query(
        `INSERT INTO ${t.unitTypes} (unit_type_id, listing_id, name, count, capacity, price, currency) VALUES ($1,$2,$3,$4,$5,$6,$7)
         ON CONFLICT (unit_type_id) DO UPDATE SET listing_id = excluded.listing_id, name = excluded.name, count = excluded.count,
           capacity = excluded.capacity, price = excluded.price, currency = excluded.currency`,
        [unit.unitTypeId, id, unit.name, unit.count, unit.capacity, unit.price.amount, unit.price.currency],
      );
    }
  },
  async drop(client: PoolClient, target: string) {
    const t = listingTables(target);
    await client.query(`DROP TABLE IF EXISTS ${t.unitTypes}; DROP TABLE IF EXISTS ${t.listings};`);
  },
};
