import { migrateTables, readOptions, runDdl, scanPartition, type CqlClient, type CqlOptions, type Replication } from '../cassandra.ts';
import {
  BOOKING_HISTORY,
  bookingHistoryCql,
  bookingHistoryTables,
  byStartThenId,
  createTablesCql,
  currentWindowStart,
  dropTablesCql,
  inScope,
  parseBookingDoc,
  toBookingView,
  type BookingHistoryDoc,
} from './cassandra-statements.ts';
import type { BookingHistoryReader, BookingListQuery, BookingPage, BookingView } from './port.ts';

export type CassandraHistoryOptions = {
  keyspace: string;
  /** The live target (e.g. from `projection_targets`); `booking_history` when omitted. */
  target?: () => Promise<string>;
  consistency?: number;
  fetchSize?: number;
};

/** Creates the keyspace and the target's tables if needed; `false` when they did not exist before (nothing held). */
export const migrateBookingHistory = (client: CqlClient, keyspace: string, target: string = BOOKING_HISTORY, replication?: Replication): Promise<boolean> => {
  const tables = bookingHistoryTables(keyspace, target);
  return migrateTables(client, keyspace, { probe: tables.byId, create: createTablesCql(tables) }, replication);
};

export const dropBookingHistory = (client: CqlClient, keyspace: string, target: string): Promise<void> =>
  runDdl(client, dropTablesCql(bookingHistoryTables(keyspace, target)));

/** Booking history on Cassandra, listing like `PgBookingHistoryReader` (same scopes, orders and pages). */
export class CassandraBookingHistoryReader implements BookingHistoryReader {
  constructor(
    private readonly client: CqlClient,
    private readonly options: CassandraHistoryOptions,
  ) {}

  async get(bookingId: string): Promise<BookingView | undefined> {
    const cql = await this.cql();
    const { rows } = await this.client.execute(cql.selectById, [bookingId], this.queryOptions());
    return rows[0] && toBookingView(parseBookingDoc(rows[0]));
  }

  async byGuest(guestId: string, query: BookingListQuery): Promise<BookingPage> {
    const cql = await this.cql();
    return this.list(cql.selectByGuest, cql.selectByGuestSince, guestId, query);
  }

  async byHost(hostId: string, query: BookingListQuery): Promise<BookingPage> {
    const cql = await this.cql();
    return this.list(cql.selectByHost, cql.selectByHostSince, hostId, query);
  }

  private async cql() {
    return bookingHistoryCql(bookingHistoryTables(this.options.keyspace, (await this.options.target?.()) ?? BOOKING_HISTORY));
  }

  private queryOptions(pageState?: string): CqlOptions {
    return readOptions(this.options, pageState);
  }

  private async list(all: string, since: string, id: string, query: BookingListQuery): Promise<BookingPage> {
    const offset = (query.page - 1) * query.pageSize;
    const keep = (doc: BookingHistoryDoc) => (!query.listingId || doc.listingId === query.listingId) && inScope(doc, query.scope, query.now);
    // Past and all read the partition in its clustering order (newest start first, then id) and stop
    // after the page; current ones all started within the longest stay, so that window is read whole
    // and put in the ascending order PostgreSQL uses.
    const docs =
      query.scope === 'current'
        ? (await this.scan(since, [id, currentWindowStart(query.now)], Number.POSITIVE_INFINITY, keep)).sort(byStartThenId)
        : await this.scan(all, [id], offset + query.pageSize + 1, keep);
    const slice = docs.slice(offset, offset + query.pageSize + 1);
    return { items: slice.slice(0, query.pageSize).map(toBookingView), page: query.page, pageSize: query.pageSize, hasMore: slice.length > query.pageSize };
  }

  private scan(query: string, params: unknown[], limit: number, keep: (doc: BookingHistoryDoc) => boolean): Promise<BookingHistoryDoc[]> {
    return scanPartition(this.client, query, params, { limit, parse: parseBookingDoc, keep, options: (pageState) => this.queryOptions(pageState) });
  }
}
