import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { copyRows, foldDocuments, loadDocuments, type FoldOptions, type PgWrite, type Queryable } from '../pg-documents.ts';
import type { PgProjection } from '../projection.ts';
import { availabilityChanges, availabilityHandles, availabilityUpdate } from '../availability/availability-changes.ts';
import { evolveListingDocument, listingDocumentHandles, listingIdOf, type ListingDocument } from './listing-document.ts';
import { writeNightPrices } from './night-prices.ts';
import {
  createSearchIndexes,
  createSearchTables,
  createStagedCalendar,
  listingTables,
  mergeStagedCalendar,
  stageCalendar,
  stagedCalendarTables,
  writeCalendarEvents,
  writeListings,
} from './search-tables.ts';

export const LISTINGS = 'listings';
/** Announced when a batch changed the search model's calendar rows (`LISTINGS` when it changed listing documents). */
export const LISTING_CALENDARS = 'listings.calendar';
export { listingTables };

/**
 * A bulk load's calendar events: the target is fresh and the load its only writer, and the runner
 * skips what its checkpoint has, so every event is new: no revision to read, its changes staged.
 */
const stageCalendarEvents = (target: string, events: readonly RecordedEvent[]): PgWrite => {
  const { changes, streams } = stageCalendar(events, events.flatMap(availabilityChanges));
  const staged = stagedCalendarTables(target);
  return async (client) => {
    await copyRows(client, staged.changes, changes);
    await copyRows(client, staged.streams, streams);
  };
};

/**
 * The search read model in PostgreSQL: listing documents folded from the listing's events, and
 * the units used per unit type folded from its calendar's events (see `search-tables.ts`). A batch
 * loads the documents it touches, folds them in memory and writes each table once.
 */
export const listingSearchProjection: PgProjection = {
  name: LISTINGS,
  handles: new Set([...listingDocumentHandles, ...availabilityHandles]),
  async migrate(client: PoolClient, target: string, options = {}) {
    await createSearchTables(client, target);
    if (options.indexes !== false) await createSearchIndexes(client, target);
    else await createStagedCalendar(client, target);
  },
  async index(client: PoolClient, target: string) {
    await mergeStagedCalendar(client, target);
    await createSearchIndexes(client, target);
  },
  async fold(db: Queryable, events: readonly RecordedEvent[], target: string, options: FoldOptions = {}): Promise<PgWrite> {
    const calendar = events.filter((e) => availabilityHandles.has(e.type) && e.streamId.startsWith('calendar-'));
    const listingEvents = events.filter((e) => listingDocumentHandles.has(e.type));
    const table = {
      table: (t: string) => listingTables(t).listings,
      key: 'listing_id',
      handles: listingDocumentHandles,
      keyOf: listingIdOf,
      evolve: evolveListingDocument,
      row: () => ({}),
    };
    const loaded = await loadDocuments<ListingDocument>(db, listingTables(target).listings, 'listing_id', [...new Set(listingEvents.map(listingIdOf))]);
    const changed = foldDocuments(table, loaded, listingEvents);
    const unitsChanged = changed.filter(({ before, doc }) => !before || JSON.stringify(before.details.unitTypes) !== JSON.stringify(doc.details.unitTypes));
    const pricesChanged = changed.filter(({ before, doc }) => JSON.stringify(before?.nightPrices ?? {}) !== JSON.stringify(doc.nightPrices ?? {}));
    const calendarWrite = options.bulk
      ? stageCalendarEvents(target, calendar)
      : (client: PoolClient) => writeCalendarEvents(client, target, calendar.map(availabilityUpdate));
    return async (client) => {
      await writeListings(
        client,
        target,
        changed.map((c) => c.doc),
        unitsChanged.map((c) => c.doc),
        loaded,
      );
      await writeNightPrices(
        client,
        listingTables(target).nightPrices,
        pricesChanged.map((c) => c.doc),
      );
      await calendarWrite(client);
    };
  },
  /** Searches without dates or a slot read no calendar row: a booking does not change their answers. */
  changes(events: readonly RecordedEvent[]) {
    return [
      ...(events.some((e) => listingDocumentHandles.has(e.type)) ? [LISTINGS] : []),
      ...(events.some((e) => availabilityHandles.has(e.type)) ? [LISTING_CALENDARS] : []),
    ];
  },
  async drop(client: PoolClient, target: string) {
    const t = listingTables(target);
    const staged = stagedCalendarTables(target);
    // The listings table first, the table a search locks first: a search still on an old target
    // then waits for the drop or finds its tables gone, instead of deadlocking with it.
    await client.query(
      `DROP TABLE IF EXISTS ${t.listings}; DROP TABLE IF EXISTS ${t.unitTypes}; DROP TABLE IF EXISTS ${t.nightPrices}; DROP TABLE IF EXISTS ${t.calendar}; DROP TABLE IF EXISTS ${t.calendarStreams}; DROP TABLE IF EXISTS ${t.words};
       DROP TABLE IF EXISTS ${staged.changes}; DROP TABLE IF EXISTS ${staged.streams};`,
    );
  },
};
