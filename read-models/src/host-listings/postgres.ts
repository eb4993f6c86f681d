import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import type { HostListing } from './host-listing-document.ts';

const HOST_LISTINGS = 'host_listings';

export type HostListingPage = { items: HostListing[]; page: number; pageSize: number; hasMore: boolean };

export interface HostListingReader {
  /** A host's listings, most recently changed first, of one status or all. */
  byHost(hostId: string, query: { status?: HostListing['status'] | undefined; page: number; pageSize: number }): Promise<HostListingPage>;
  /** One listing of the host's, with every saved detail and its revision; undefined when it is not the host's. */
  get(hostId: string, listingId: string): Promise<HostListing | undefined>;
}

export class PgHostListingReader implements HostListingReader {
  constructor(private readonly pool: Pool) {}

  async byHost(
    hostId: string,
    { status, page, pageSize }: { status?: HostListing['status'] | undefined; page: number; pageSize: number },
  ): Promise<HostListingPage> {
    const table = (await liveTargets(this.pool, [HOST_LISTINGS]))[HOST_LISTINGS]!;
    const { rows } = await this.pool.query<{ doc: HostListing }>(
      `SELECT doc FROM ${table} WHERE host_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY updated_at DESC, listing_id LIMIT $3 OFFSET $4`,
      [hostId, status ?? null, pageSize + 1, (page - 1) * pageSize],
    );
    return { items: rows.slice(0, pageSize).map((r) => r.doc), page, pageSize, hasMore: rows.length > pageSize };
  }

  async get(hostId: string, listingId: string): Promise<HostListing | undefined> {
    const table = (await liveTargets(this.pool, [HOST_LISTINGS]))[HOST_LISTINGS]!;
    const { rows } = await this.pool.query<{ doc: HostListing }>(`SELECT doc FROM ${table} WHERE listing_id = $1 AND host_id = $2`, [listingId, hostId]);
    return rows[0]?.doc;
  }
}
