import type { PoolClient } from 'pg';
import { foldTable, type DocumentTable } from '../pg-documents.ts';
import type { PgProjection } from '../projection.ts';
import { evolveHostListing, hostListingHandles, type HostListing } from './host-listing-document.ts';

const HOST_LISTINGS = 'host_listings';

const rows: DocumentTable<HostListing> = {
  table: (target) => target,
  key: 'listing_id',
  handles: hostListingHandles,
  keyOf: (event) => (event.data as { listingId: string }).listingId,
  evolve: evolveHostListing,
  row: (doc) => ({ listing_id: doc.listingId, host_id: doc.hostId, status: doc.status, updated_at: doc.updatedAt, doc }),
};

const indexes = (target: string) => `CREATE INDEX IF NOT EXISTS ${target}_host ON ${target} (host_id, updated_at DESC)`;

/** Every listing of every host, drafts included, one row each: the host's own list, never searched. */
export const hostListingsProjection: PgProjection = {
  name: HOST_LISTINGS,
  handles: hostListingHandles,
  async migrate(client: PoolClient, target: string, options = {}) {
    await client.query(`CREATE TABLE IF NOT EXISTS ${target} (
      listing_id text PRIMARY KEY, host_id text NOT NULL, status text NOT NULL, updated_at timestamptz NOT NULL,
      -- json: read whole, never queried into (see booking history's table)
      doc json NOT NULL
    ); ${options.indexes === false ? '' : indexes(target)}`);
  },
  async index(client: PoolClient, target: string) {
    await client.query(indexes(target));
  },
  fold: (db, events, target, options) => foldTable(db, rows, events, target, options),
  async drop(client: PoolClient, target: string) {
    await client.query(`DROP TABLE IF EXISTS ${target}`);
  },
};
