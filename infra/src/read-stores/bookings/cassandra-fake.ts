import type { BookingHistoryDoc, CqlStatement } from './cassandra-statements.ts';
import type { CqlClient, CqlOptions, CqlRow } from './cassandra.ts';

/**
 * For tests: an in-memory stand-in for the booking history tables that understands exactly the
 * statements of `cassandra-statements.ts` and keeps Cassandra's rules that matter to them: upserts,
 * last write wins by write timestamp (a delete wins a tie), clustering order (start DESC, id ASC),
 * and paging with `fetchSize`/`pageState`.
 */
type StoredRow = { ts: number; deleted: boolean; values: Record<string, unknown> };

const keyColumns = (table: string): string[] =>
  table.includes('bookings_by_id') ? ['booking_id'] : table.includes('bookings_by_guest') ? ['guest_id', 'start_at', 'booking_id'] : ['host_id', 'start_at', 'booking_id'];

const comparable = (value: unknown): string | number => (value instanceof Date ? value.getTime() : String(value));
const keyOf = (table: string, values: Record<string, unknown>) => JSON.stringify(keyColumns(table).map((c) => comparable(values[c])));

export type FakeCassandra = CqlClient & {
  tables: Map<string, Map<string, StoredRow>>;
  executed: { query: string; params: unknown[]; options: CqlOptions }[];
  batches: { queries: CqlStatement[]; options: CqlOptions }[];
  /** Rows of a table that are alive, in clustering order. */
  live(table: string): Record<string, unknown>[];
  /** Lets a test serve an old snapshot to a read by id (a stale writer). */
  readById?: (bookingId: string) => CqlRow[] | undefined;
};

export const fakeCassandra = (): FakeCassandra => {
  const tables = new Map<string, Map<string, StoredRow>>();
  const tableOf = (name: string) => {
    const table = tables.get(name);
    if (!table) throw new Error(`unconfigured table ${name}`);
    return table;
  };
  const live = (name: string) =>
    [...tableOf(name).values()]
      .filter((row) => !row.deleted)
      .map((row) => row.values)
      .sort((a, b) => {
        const newer = Number(comparable(b.start_at)) - Number(comparable(a.start_at));
        return newer || (String(a.booking_id) < String(b.booking_id) ? -1 : String(a.booking_id) > String(b.booking_id) ? 1 : 0);
      });

  const write = (statement: CqlStatement) => {
    const { query, params } = statement;
    const insert = /^INSERT INTO (\S+) \(([^)]+)\) VALUES .* USING TIMESTAMP \?$/.exec(query);
    if (insert) {
      const columns = insert[2]!.split(', ');
      const values = Object.fromEntries(columns.map((c, i) => [c, params[i]]));
      const ts = Number(params[columns.length]);
      const table = tableOf(insert[1]!);
      const key = keyOf(insert[1]!, values);
      const existing = table.get(key);
      if (existing && (existing.ts > ts || (existing.ts === ts && existing.deleted))) return;
      table.set(key, { ts, deleted: false, values });
      return;
    }
    const del = /^DELETE FROM (\S+) USING TIMESTAMP \? WHERE (.+)$/.exec(query);
    if (del) {
      const columns = del[2]!.split(' AND ').map((c) => c.replace(' = ?', ''));
      const values = Object.fromEntries(columns.map((c, i) => [c, params[i + 1]]));
      const ts = Number(params[0]);
      const table = tableOf(del[1]!);
      const key = keyOf(del[1]!, values);
      const existing = table.get(key);
      if (existing && existing.ts > ts) return;
      table.set(key, { ts, deleted: true, values: existing?.values ?? values });
      return;
    }
    throw new Error(`fake Cassandra cannot write: ${query}`);
  };

  const fake: FakeCassandra = {
    tables,
    executed: [],
    batches: [],
    live,
    async execute(query, params, options) {
      fake.executed.push({ query, params, options });
      const ddl = /^(CREATE|DROP) (KEYSPACE|TABLE) IF (?:NOT )?EXISTS (\S+)/.exec(query);
      if (ddl) {
        if (ddl[2] === 'TABLE' && ddl[1] === 'CREATE' && !tables.has(ddl[3]!)) tables.set(ddl[3]!, new Map());
        if (ddl[2] === 'TABLE' && ddl[1] === 'DROP') tables.delete(ddl[3]!);
        return { rows: [] };
      }
      const select = /^SELECT doc FROM (\S+) WHERE (\w+) = \?(?: AND start_at > \?)?$/.exec(query);
      if (!select) {
        write({ query, params });
        return { rows: [] };
      }
      const [, name, column] = select;
      if (column === 'booking_id' && fake.readById) {
        const stale = fake.readById(String(params[0]));
        if (stale) return { rows: stale };
      }
      const after = params[1] instanceof Date ? params[1].getTime() : undefined;
      const rows = live(name!).filter((row) => row[column!] === params[0] && (after === undefined || (row.start_at as Date).getTime() > after));
      const offset = Number(options.pageState ?? 0);
      const size = options.fetchSize ?? 5000;
      const page = rows.slice(offset, offset + size).map((row) => ({ doc: row.doc }));
      return { rows: page, pageState: offset + size < rows.length ? String(offset + size) : null };
    },
    async batch(queries, options) {
      fake.batches.push({ queries, options });
      for (const statement of queries) write(statement);
      return {};
    },
  };
  return fake;
};

export const bookingDoc = (overrides: Partial<BookingHistoryDoc> = {}): BookingHistoryDoc => ({
  bookingId: 'b1',
  guestId: 'g1',
  hostId: 'h1',
  listingId: 'l1',
  unitTypeId: 'u1',
  kind: 'rental',
  stay: { kind: 'nights', checkIn: '2030-05-01', checkOut: '2030-05-04' },
  start: '2030-05-01T15:00:00.000Z',
  end: '2030-05-04T11:00:00.000Z',
  guests: 2,
  units: 1,
  total: { amount: 30_000, currency: 'EUR' },
  paid: { amount: 0, currency: 'EUR' },
  refunded: { amount: 0, currency: 'EUR' },
  status: 'awaiting_approval',
  timeline: [{ type: 'BookingRequested', at: '2030-04-01T10:00:00.000Z' }],
  revision: 0,
  createdAt: '2030-04-01T10:00:00.000Z',
  updatedAt: '2030-04-01T10:00:00.000Z',
  ...overrides,
});
