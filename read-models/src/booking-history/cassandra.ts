import { types } from 'cassandra-driver';
import {
  BOOKING_HISTORY,
  bookingHistoryCql,
  bookingHistoryTables,
  byStartThenId,
  createKeyspaceCql,
  createTablesCql,
  currentWindowStart,
  dropTablesCql,
  inScope,
  parseBookingDoc,
  toBookingView,
  type BookingHistoryDoc,
  type CqlStatement,
  type Replication,
} from './cassandra-statements.ts';
import type { BookingHistoryReader, BookingListQuery, BookingPage, BookingView } from './port.ts';

export type CqlRow = { [column: string]: unknown };
export type CqlOptions = { prepare: boolean; fetchSize?: number; pageState?: string; consistency?: number; logged?: boolean; isIdempotent?: boolean };

/** The part of cassandra-driver's `Client` the history uses; tests pass a recorder around the real one. */
export type CqlClient = {
  execute(query: string, params: unknown[], options: CqlOptions): Promise<{ rows: CqlRow[]; pageState?: string | null }>;
  batch(queries: CqlStatement[], options: CqlOptions): Promise<unknown>;
};

export const LOCAL_QUORUM: number = types.consistencies.localQuorum;

export type CassandraHistoryOptions = {
  keyspace: string;
  /** The live target (e.g. from `projection_targets`); `booking_history` when omitted. */
  target?: () => Promise<string>;
  consistency?: number;
  fetchSize?: number;
};

/** Whether `keyspace.table` exists (its keyspace too). */
export const tableExists = async (client: CqlClient, qualified: string): Promise<boolean> => {
  const [keyspace, table] = qualified.split('.');
  const { rows } = await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [keyspace, table], {
    prepare: true,
  });
  return rows.length > 0;
};

/** Creates the keyspace and the target's tables if needed; `false` when they did not exist before (nothing held). */
export const migrateBookingHistory = async (
  client: CqlClient,
  keyspace: string,
  target: string = BOOKING_HISTORY,
  replication?: Replication,
): Promise<boolean> => {
  const tables = bookingHistoryTables(keyspace, target);
  const existed = await tableExists(client, tables.byId);
  await client.execute(createKeyspaceCql(keyspace, replication), [], { prepare: false });
  for (const ddl of createTablesCql(tables)) await client.execute(ddl, [], { prepare: false });
  return existed;
};

export const dropBookingHistory = async (client: CqlClient, keyspace: string, target: string): Promise<void> => {
  for (const ddl of dropTablesCql(bookingHistoryTables(keyspace, target))) await client.execute(ddl, [], { prepare: false });
};

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
    return {
      prepare: true,
      consistency: this.options.consistency ?? LOCAL_QUORUM,
      fetchSize: this.options.fetchSize ?? 500,
      ...(pageState ? { pageState } : {}),
    };
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

/**
 * Reads one partition in clustering order, page by page (`fetchSize`/`pageState`), keeping the rows
 * `keep` accepts, and stops as soon as `limit` are kept: Cassandra has no OFFSET.
 */
export const scanPartition = async <T>(
  client: CqlClient,
  query: string,
  params: unknown[],
  scan: { limit: number; parse: (row: CqlRow) => T; keep?: (item: T) => boolean; options: (pageState?: string) => CqlOptions },
): Promise<T[]> => {
  const items: T[] = [];
  let pageState: string | undefined;
  do {
    const result = await client.execute(query, params, scan.options(pageState));
    for (const row of result.rows) {
      const item = scan.parse(row);
      if (scan.keep && !scan.keep(item)) continue;
      items.push(item);
      if (items.length >= scan.limit) return items;
    }
    pageState = result.pageState ?? undefined;
  } while (pageState);
  return items;
};
