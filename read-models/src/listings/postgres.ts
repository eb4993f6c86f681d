import type { Pool } from 'pg';
import { emptyUsed, type AvailabilityStore, type UsedUnits } from '../availability/port.ts';
import { liveTargets } from '../checkpoints.ts';
import { nightsBetween } from '../availability/nights.ts';
import type { AvailabilityDay, ListingReader, ListingSearchQuery, ListingSearchResult, ListingView } from './port.ts';
import { searchListingsJson } from './pg-search.ts';
import { listingTables } from './search-tables.ts';
import { LISTING_CALENDARS } from './pg-projection.ts';
import type { ListingViewCache } from './view-cache.ts';

const LISTINGS = 'listings';
const AVAILABILITY = 'availability';
const TARGETS_TTL_MS = 1000;
const UNDEFINED_TABLE = '42P01';

/** The nights asked (between the dates), if any. */
export const wantedNights = (query: Pick<ListingSearchQuery, 'checkIn' | 'checkOut'>): string[] | undefined =>
  query.checkIn && query.checkOut ? nightsBetween(query.checkIn, query.checkOut) : undefined;

/**
 * Search on PostgreSQL (see `pg-search.ts`): the search read model's own tables answer every
 * shape, dates and slots included (its calendar rows fold the same calendar events as the
 * availability store). The availability store, when given (Redis), answers the calendar route.
 */
export class PgListingReader implements ListingReader {
  private targets: { value: Promise<Record<string, string>>; until: number } | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly availabilityStore?: AvailabilityStore,
    /** Listing views kept in process while no change to listing documents is announced (see `ListingViewCache`). */
    private readonly views?: ListingViewCache,
    /** A listing's unit types and calendar rows of some months, kept alike while no change to listings or calendars is announced. */
    private readonly calendars?: ListingViewCache<readonly ListingCalendarRow[]>,
  ) {}

  /**
   * The live targets, asked at most once a second (one round trip less per search). A replay that
   * swapped a target in meanwhile drops the old one: a read that finds its table gone asks again.
   */
  private async withTargets<T>(read: (targets: Record<string, string>) => Promise<T>): Promise<T> {
    const now = Date.now();
    if (!this.targets || this.targets.until < now) this.targets = { value: liveTargets(this.pool, [LISTINGS, AVAILABILITY]), until: now + TARGETS_TTL_MS };
    try {
      return await read(await this.targets.value);
    } catch (error) {
      if ((error as { code?: string }).code !== UNDEFINED_TABLE) throw error;
      this.targets = undefined;
      return read(await liveTargets(this.pool, [LISTINGS, AVAILABILITY]));
    }
  }

  async search(query: ListingSearchQuery): Promise<ListingSearchResult> {
    return JSON.parse(await this.searchJson(query)) as ListingSearchResult;
  }

  /** The answer as JSON text, written from the page's rows as the server sent them (see `searchListingsJson`). */
  async searchJson(query: ListingSearchQuery): Promise<string> {
    return this.withTargets((targets) => searchListingsJson(this.pool, listingTables(targets[LISTINGS]!), query));
  }

  /** Listing documents; the search model's own calendar rows too when dates or a slot are asked. */
  searchDependsOn(query: ListingSearchQuery): readonly string[] {
    return query.slot || (query.checkIn && query.checkOut) ? [LISTINGS, LISTING_CALENDARS] : [LISTINGS];
  }

  async get(listingId: string, options: { fresh?: boolean } = {}): Promise<ListingView | undefined> {
    return this.withTargets((targets) => {
      const target = targets[LISTINGS]!;
      const read = () => this.read(target, listingId);
      return this.views ? this.views.get(target, listingId, read, options.fresh) : read();
    });
  }

  private async read(target: string, listingId: string): Promise<ListingView | undefined> {
    // The ids of reviewed bookings grow with every review and are only the projection's: left in the database.
    // Named: prepared once per connection and target, so the server neither parses nor plans it again.
    const { rows } = await this.pool.query<{ doc: ListingView & { rating: { sum: number; count: number } } }>({
      name: `listing-view-${target}`,
      text: `SELECT doc - 'reviewedBookings' AS doc FROM ${listingTables(target).listings} WHERE listing_id = $1`,
      values: [listingId],
    });
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

  async availability(listingId: string, keys: string[], options: { fresh?: boolean } = {}): Promise<AvailabilityDay[] | undefined> {
    return this.withTargets((targets) => this.availabilityIn(targets, listingId, keys, options.fresh === true));
  }

  private async availabilityIn(targets: Record<string, string>, listingId: string, keys: string[], fresh: boolean): Promise<AvailabilityDay[] | undefined> {
    const t = listingTables(targets[LISTINGS]!);
    let units: { unit_type_id: string; count: number }[];
    let used: UsedUnits;
    if (this.availabilityStore) {
      ({ rows: units } = await this.pool.query<{ unit_type_id: string; count: number }>(
        `SELECT unit_type_id, count FROM ${t.unitTypes} WHERE listing_id = $1 ORDER BY unit_type_id`,
        [listingId],
      ));
      used = await this.availabilityStore.used(
        targets[AVAILABILITY]!,
        units.map((u) => u.unit_type_id),
        keys,
      );
    } else ({ units, used } = await unitsAndCalendar(this.pool, t, listingId, keys, this.calendars, fresh));
    if (units.length === 0) return undefined;
    return keys.map((key) => ({
      key,
      unitTypes: units.map((u) => ({
        unitTypeId: u.unit_type_id,
        count: u.count,
        free: Math.max(0, u.count - (used.get(u.unit_type_id)?.get(key) ?? 0)),
      })),
    }));
  }
}

const NIGHT = /^\d{4}-\d{2}-(\d{2})$/;

/** The months of a month's calendar quarter (`2027-05` → `2027-04`, `2027-05`, `2027-06`). */
const quarterOf = (month: string): string[] => {
  const first = Math.floor((Number(month.slice(5, 7)) - 1) / 3) * 3 + 1;
  return [first, first + 1, first + 2].map((m) => `${month.slice(0, 5)}${m < 10 ? `0${m}` : m}`);
};

/** A unit type of a listing with its calendar row of one month (none: `month` null), as kept between reads. */
export type ListingCalendarRow = { unit_type_id: string; count: number; month: string | null; nights: number[] | null; slots: Record<string, number> | null };

/**
 * A listing's unit types and the units used per unit type and key, from the search read model's
 * calendar rows (one per unit type and month): a round trip per quarter not kept, none while the rows
 * of every quarter asked are kept (`calendars`, an entry per listing and calendar quarter: a stay or a
 * month's page falls in one, at most two, and every stay asked of a popular listing shares them; a
 * `fresh` read skips them).
 */
const unitsAndCalendar = async (
  pool: Pool,
  t: ReturnType<typeof listingTables>,
  listingId: string,
  keys: string[],
  calendars: ListingViewCache<readonly ListingCalendarRow[]> | undefined,
  fresh: boolean,
): Promise<{ units: { unit_type_id: string; count: number }[]; used: UsedUnits }> => {
  const monthOf = (key: string) => (NIGHT.test(key) ? key.slice(0, 7) : new Date(key).toISOString().slice(0, 7));
  const keyMonths = keys.map(monthOf);
  const months = [...new Set(keyMonths)];
  const quarters = [...new Map(months.map((month) => quarterOf(month)).map((quarter) => [quarter[0], quarter])).values()];
  const read = async (asked: string[]): Promise<readonly ListingCalendarRow[]> =>
    (
      await pool.query<ListingCalendarRow>({
        name: `listing-calendar-${t.listings}`,
        text: `SELECT u.unit_type_id, u.count, c.month, c.nights, c.slots FROM ${t.unitTypes} u
       LEFT JOIN ${t.calendar} c ON c.unit_type_id = u.unit_type_id AND c.month = ANY($2)
      WHERE u.listing_id = $1 ORDER BY u.unit_type_id`,
        values: [listingId, asked],
      })
    ).rows;
  const byQuarter =
    calendars && quarters.length > 0
      ? await Promise.all(
          quarters.map(async (quarter) => (await calendars.get(t.listings, `${quarter.join(',')}/${listingId}`, () => read(quarter), fresh)) ?? []),
        )
      : [await read(months)];
  // Every quarter's rows name the unit types (one without a row has its unit type with `month` null): the first one's are the listing's.
  const units = [...new Map(byQuarter[0]!.map((row) => [row.unit_type_id, { unit_type_id: row.unit_type_id, count: row.count }])).values()];
  const used = emptyUsed(
    units.map((u) => u.unit_type_id),
    keys,
  );
  for (const row of byQuarter.flat()) {
    if (row.month === null) continue;
    const counts = used.get(row.unit_type_id);
    if (!counts) continue;
    for (const [i, key] of keys.entries()) {
      if (keyMonths[i] !== row.month) continue;
      const night = NIGHT.exec(key);
      counts.set(key, night ? (row.nights?.[Number(night[1]) - 1] ?? 0) : (row.slots?.[new Date(key).toISOString()] ?? 0));
    }
  }
  return { units, used };
};
