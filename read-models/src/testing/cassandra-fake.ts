import type { BookingHistoryDoc, CqlStatement } from '../booking-history/cassandra-statements.ts';
import type { CqlClient, CqlOptions, CqlRow } from '../booking-history/cassandra.ts';

/**
 * For tests: an in-memory stand-in for the history tables (bookings and orders) that understands
 * exactly the statements of the `cassandra-statements.ts` modules and keeps Cassandra's rules that
 * matter to them: upserts, last write wins by write timestamp (a delete wins a tie), clustering
 * order, single-partition slices, and paging with `fetchSize`/`pageState`.
 */
type StoredRow = { ts: number; deleted: boolean; values: Record<string, unknown> };
type Schema = { key: string[]; clustering: [column: string, direction: 1 | -1][] };

const schemaOf = (table: string): Schema => {
  if (/\.(bookings|orders)_by_id/.test(table)) return { key: [table.includes('orders') ? 'order_id' : 'booking_id'], clustering: [] };
  if (/\.bookings_by_(guest|host)/.test(table)) {
    const partition = table.includes('by_guest') ? 'guest_id' : 'host_id';
    return { key: [partition, 'start_at', 'booking_id'], clustering: [['start_at', -1], ['booking_id', 1]] };
  }
  if (/\.orders_by_user/.test(table)) return { key: ['user_id', 'placed_at', 'order_id'], clustering: [['placed_at', -1], ['order_id', -1]] };
  throw new Error(`fake Cassandra has no schema for ${table}`);
};

const comparable = (value: unknown): string | number => (value instanceof Date ? value.getTime() : typeof value === 'number' ? value : String(value));
const compare = (a: unknown, b: unknown): number => {
  const [x, y] = [comparable(a), comparable(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};
const keyOf = (table: string, values: Record<string, unknown>) => JSON.stringify(schemaOf(table).key.map((c) => comparable(values[c])));

/** `a = ?`, `a > ?` and `(a, b) < (?, ?)` restrictions, joined by AND. */
const matcher = (where: string, params: unknown[]) => {
  let next = 0;
  const tests = where.split(' AND ').map((condition) => {
    const tuple = /^\(([^)]+)\) ([<>]) \(([^)]+)\)$/.exec(condition);
    if (tuple) {
      const columns = tuple[1]!.split(', ');
      const values = columns.map(() => params[next++]);
      const sign = tuple[2] === '<' ? -1 : 1;
      return (row: Record<string, unknown>) => {
        for (const [i, column] of columns.entries()) {
          const c = compare(row[column], values[i]);
          if (c !== 0) return Math.sign(c) === sign;
        }
        return false;
      };
    }
    const single = /^(\w+) ([=<>]) \?$/.exec(condition);
    if (!single) throw new Error(`fake Cassandra cannot filter on: ${condition}`);
    const value = params[next++];
    const [, column, op] = single;
    return (row: Record<string, unknown>) => {
      const c = compare(row[column!], value);
      return op === '=' ? c === 0 : op === '<' ? c < 0 : c > 0;
    };
  });
  return (row: Record<string, unknown>) => tests.every((test) => test(row));
};

export type FakeCassandra = CqlClient & {
  tables: Map<string, Map<string, StoredRow>>;
  executed: { query: string; params: unknown[]; options: CqlOptions }[];
  batches: { queries: CqlStatement[]; options: CqlOptions }[];
  /** Rows of a table that are alive, in clustering order. */
  live(table: string): Record<string, unknown>[];
  /** Lets a test serve an old snapshot to a read by primary key (a stale writer). */
  readById?: (id: string) => CqlRow[] | undefined;
};

export const fakeCassandra = (): FakeCassandra => {
  const tables = new Map<string, Map<string, StoredRow>>();
  const tableOf = (name: string) => {
    const table = tables.get(name);
    if (!table) throw new Error(`unconfigured table ${name}`);
    return table;
  };
  const live = (name: string) => {
    const { clustering } = schemaOf(name);
    return [...tableOf(name).values()]
      .filter((row) => !row.deleted)
      .map((row) => row.values)
      .sort((a, b) => {
        for (const [column, direction] of clustering) {
          const c = compare(a[column], b[column]) * direction;
          if (c !== 0) return c;
        }
        return 0;
      });
  };

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
      if (query.startsWith('SELECT table_name FROM system_schema.tables')) {
        return { rows: tables.has(`${String(params[0])}.${String(params[1])}`) ? [{ table_name: params[1] }] : [] };
      }
      const select = /^SELECT (\w+) FROM (\S+) WHERE (.+)$/.exec(query);
      if (!select) {
        write({ query, params });
        return { rows: [] };
      }
      const [, column, name, where] = select;
      const primary = schemaOf(name!).key;
      if (primary.length === 1 && fake.readById) {
        const stale = fake.readById(String(params[0]));
        if (stale) return { rows: stale };
      }
      const rows = live(name!).filter(matcher(where!, params));
      const offset = Number(options.pageState ?? 0);
      const size = options.fetchSize ?? 5000;
      const page = rows.slice(offset, offset + size).map((row) => ({ [column!]: row[column!] }));
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
