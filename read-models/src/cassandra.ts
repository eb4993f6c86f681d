import { types } from 'cassandra-driver';

/**
 * What every read model kept on Cassandra shares: the client as the read models use it, safe
 * names, the keyspace, a table set's creation and removal, and reading a partition page by page.
 * Each model's own CQL (tables, statements, documents) stays in its folder.
 */

export type CqlStatement = { query: string; params: unknown[] };
export type CqlRow = { [column: string]: unknown };
export type CqlOptions = { prepare: boolean; fetchSize?: number; pageState?: string; consistency?: number; logged?: boolean; isIdempotent?: boolean };

/** The part of cassandra-driver's `Client` the read models use; tests pass a recorder around the real one. */
export type CqlClient = {
  execute(query: string, params: unknown[], options: CqlOptions): Promise<{ rows: CqlRow[]; pageState?: string | null }>;
  batch(queries: CqlStatement[], options: CqlOptions): Promise<unknown>;
};

export const LOCAL_QUORUM: number = types.consistencies.localQuorum;

export type Replication = Record<string, string | number>;

const IDENTIFIER = /^[a-z][a-z0-9_]{0,47}$/;
/** Keyspace and table names are interpolated into CQL: only plain lower-case identifiers pass. */
export const identifier = (name: string): string => {
  if (!IDENTIFIER.test(name)) throw new Error(`Not a safe CQL identifier: ${JSON.stringify(name)}`);
  return name;
};

/** What a target adds to table names: nothing for the projection's own name, `_r2` for `<name>_r2`. */
export const targetSuffix = (projection: string, target: string): string => (target.startsWith(projection) ? target.slice(projection.length) : `_${target}`);

/**
 * Microseconds are only an order here: revision r is written at timestamp r + 1. Cassandra keeps the
 * cell with the highest timestamp, so a redelivered or late older state never overwrites a newer one.
 */
export const writeTimestamp = (revision: number): number => revision + 1;

const quoted = (value: string): string => `'${value.replace(/'/g, "''")}'`;
const mapLiteral = (map: Replication): string =>
  `{${Object.entries(map)
    .map(([key, value]) => `${quoted(key)}: ${typeof value === 'number' ? value : quoted(value)}`)
    .join(', ')}}`;

export const createKeyspaceCql = (keyspace: string, replication: Replication = { class: 'SimpleStrategy', replication_factor: 1 }): string =>
  `CREATE KEYSPACE IF NOT EXISTS ${identifier(keyspace)} WITH replication = ${mapLiteral(replication)}`;

/** Whether `keyspace.table` exists (its keyspace too). */
export const tableExists = async (client: CqlClient, qualified: string): Promise<boolean> => {
  const [keyspace, table] = qualified.split('.');
  const { rows } = await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [keyspace, table], {
    prepare: true,
  });
  return rows.length > 0;
};

/**
 * Creates the keyspace and a target's tables (`create`, idempotent DDL) if needed; `false` when
 * `probe`, one of those tables, did not exist before (nothing held).
 */
export const migrateTables = async (
  client: CqlClient,
  keyspace: string,
  tables: { probe: string; create: string[] },
  replication?: Replication,
): Promise<boolean> => {
  const existed = await tableExists(client, tables.probe);
  await client.execute(createKeyspaceCql(keyspace, replication), [], { prepare: false });
  for (const ddl of tables.create) await client.execute(ddl, [], { prepare: false });
  return existed;
};

export const runDdl = async (client: CqlClient, statements: string[]): Promise<void> => {
  for (const ddl of statements) await client.execute(ddl, [], { prepare: false });
};

/** How a reader reads: prepared, at its consistency (local quorum unless told), a page at a time. */
export const readOptions = (options: { consistency?: number | undefined; fetchSize?: number | undefined }, pageState?: string): CqlOptions => ({
  prepare: true,
  consistency: options.consistency ?? LOCAL_QUORUM,
  fetchSize: options.fetchSize ?? 500,
  ...(pageState ? { pageState } : {}),
});

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
