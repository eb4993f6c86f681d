import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/infra';
import type { PgProjection } from '../projection.ts';
import { availabilityChanges, availabilityHandles } from '../availability/availability-changes.ts';
import { evolveListingDocument, listingDocumentHandles, listingIdOf, type ListingDocument } from './listing-document.ts';
import { claimCalendarRevision, createSearchIndexes, createSearchTables, listingTables, writeCalendar, writeListings } from './search-tables.ts';

export const LISTINGS = 'listings';
export { listingTables };

/**
 * The search read model in PostgreSQL: listing documents folded from the listing's events, and
 * the units used per unit type folded from its calendar's events (see `search-tables.ts`). The
 * runner's transaction moves the checkpoint with the rows, so an event takes effect once.
 */
export const listingSearchProjection: PgProjection = {
  name: LISTINGS,
  handles: new Set([...listingDocumentHandles, ...availabilityHandles]),
  async migrate(client: PoolClient, target: string) {
    await createSearchTables(client, target);
    await createSearchIndexes(client, target);
  },
  async apply(client: PoolClient, event: RecordedEvent, target: string) {
    if (availabilityHandles.has(event.type)) {
      const changes = availabilityChanges(event);
      if (changes.length > 0 && (await claimCalendarRevision(client, target, event.streamId, event.streamRevision))) await writeCalendar(client, target, changes);
      return;
    }
    const t = listingTables(target);
    const { rows } = await client.query<{ doc: ListingDocument }>(`SELECT doc FROM ${t.listings} WHERE listing_id = $1 FOR UPDATE`, [listingIdOf(event)]);
    const before = rows[0]?.doc;
    const doc = evolveListingDocument(before, event);
    if (!doc || doc === before) return;
    const unitsChanged = !before || JSON.stringify(before.details.unitTypes) !== JSON.stringify(doc.details.unitTypes);
    await writeListings(client, target, [doc], unitsChanged ? [doc] : []);
  },
  async drop(client: PoolClient, target: string) {
    const t = listingTables(target);
    await client.query(`DROP TABLE IF EXISTS ${t.words}; DROP TABLE IF EXISTS ${t.calendarStreams}; DROP TABLE IF EXISTS ${t.calendar}; DROP TABLE IF EXISTS ${t.unitTypes}; DROP TABLE IF EXISTS ${t.listings};`);
  },
};
