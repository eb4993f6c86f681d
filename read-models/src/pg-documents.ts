import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import QuickLRU from 'quick-lru';

export type Queryable = Pick<Pool | PoolClient, 'query'>;

/** The writes a folded batch makes, run by the runner inside its short transaction. */
export type PgWrite = (client: PoolClient) => Promise<void>;

export const noWrite: PgWrite = async () => undefined;

/** Runs writes one after the other (a projection with several tables). */
export const allWrites =
  (writes: readonly PgWrite[]): PgWrite =>
  async (client) => {
    for (const write of writes) await write(client);
  };

/** A document changed by a batch: the row it had before (if any) and the one to write. */
export type Changed<D> = { before: D | undefined; doc: D };

/**
 * One table of documents keyed by one column: a batch loads the documents its events touch (one
 * query, outside the write transaction), folds the events into them in memory, and writes each
 * changed document once (one multi-row statement).
 */
export type DocumentTable<D> = {
  /** The table of a target (`listings`, `listings_r2`…). */
  table(target: string): string;
  /** Primary key column, holding `keyOf(event)`. */
  key: string;
  handles: ReadonlySet<string>;
  keyOf(event: RecordedEvent): string;
  /** Pure; returns the same document when the event changes nothing (e.g. redelivered). */
  evolve(doc: D | undefined, event: RecordedEvent): D | undefined;
  /** The row of a document, column → JSON value (the key column and `doc` included). */
  row(doc: D): Record<string, unknown>;
  /** Writes that follow the rows (a child table), given what changed and how the batch is written. */
  after?(client: PoolClient, target: string, changed: readonly Changed<D>[], options: FoldOptions): Promise<void>;
};

/**
 * Reads the documents of `keys` (a `doc jsonb` column beside the key). A named statement per table:
 * every batch loads its documents, and the server planned the load anew each time otherwise.
 */
export const loadDocuments = async <D>(db: Queryable, table: string, key: string, keys: readonly string[]): Promise<Map<string, D>> => {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<{ k: string; doc: D }>({
    name: `load_documents:${table}:${key}`,
    text: `SELECT ${key} AS k, doc FROM ${table} WHERE ${key} = ANY($1::text[])`,
    values: [keys],
  });
  return new Map(rows.map((row) => [row.k, row.doc]));
};

/**
 * Inserts or replaces rows in one statement: the rows travel as one JSON array that PostgreSQL
 * turns into records of the table's own type (`json_populate_recordset`), so every column keeps its
 * type (arrays, jsonb, timestamps) without a parameter per value. Keys must be distinct.
 */
export const upsertRows = async (client: Queryable, table: string, key: string, rows: readonly Record<string, unknown>[]): Promise<void> => {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const updates = columns.filter((c) => c !== key).map((c) => `${c} = excluded.${c}`);
  await client.query(
    `INSERT INTO ${table} (${columns.join(', ')})
     SELECT ${columns.join(', ')} FROM json_populate_recordset(NULL::${table}, $1::json)
     ON CONFLICT (${key}) DO ${updates.length > 0 ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`,
    [JSON.stringify(rows)],
  );
};

/**
 * Leaves a fifth of each new page of `table` free, so that the next write of a row inserted there
 * (a booking's row: requested, then paid and confirmed) finds room on the row's own page: a HOT
 * update, which adds no entry to any of the table's indexes. Pages written before keep their rows as
 * they are. Set once: a table that has it is left alone (no lock taken at every start).
 */
export const roomForUpdates = async (client: Queryable, table: string): Promise<void> => {
  const { rows } = await client.query<{ set: boolean }>(
    `SELECT coalesce('fillfactor=80' = ANY(reloptions), false) AS set FROM pg_class WHERE oid = $1::regclass`,
    [table],
  );
  if (!rows[0]?.set) await client.query(`ALTER TABLE ${table} SET (fillfactor = 80)`);
};

/** Inserts rows that are not there yet, in one statement (a row already written is left as it is). */
export const insertNewRows = async (client: Queryable, table: string, conflict: string, rows: readonly object[]): Promise<void> => {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  await client.query(
    `INSERT INTO ${table} (${columns.join(', ')})
     SELECT ${columns.join(', ')} FROM json_populate_recordset(NULL::${table}, $1::json)
     ON CONFLICT (${conflict}) DO NOTHING`,
    [JSON.stringify(rows)],
  );
};

/** COPY's text format: a backslash, tab, newline or carriage return inside a value is escaped. */
const copyEscape = (text: string): string =>
  // Most values (ids, JSON without escapes) have nothing to escape: a test is cheaper than a replace.
  NEEDS_ESCAPE.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : text;
const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** A PostgreSQL array literal (`{"a","b"}`) of a JS array, for an array column. */
const arrayLiteral = (values: readonly unknown[]): string =>
  `{${values.map((v) => (v === null || v === undefined ? 'NULL' : `"${String(v).replace(/[\\"]/g, '\\$&')}"`)).join(',')}}`;

/** One value in COPY's text format, for a column that is (or is not) an array; objects go as JSON (json/jsonb columns). */
const copyValue = (value: unknown, arrayColumn: boolean): string => {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return String(value); // nothing to escape: most values of a staged sum
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value) && arrayColumn) return copyEscape(arrayLiteral(value));
  if (typeof value === 'object') {
    const known = copyTexts.get(value);
    if (known) return known;
    const text = copyEscape(JSON.stringify(value));
    if (known === '') copyTexts.set(value, text);
    return text;
  }
  return copyEscape(String(value));
};

/** The COPY text of values several read models write ('' until first written), the latest few thousand (see `sharedValue`). */
const copyTexts = new QuickLRU<object, string>({ maxSize: 2048 });

/**
 * Marks a value that other read models write too, the very same object (a booking's document, which
 * booking history and host bookings fold once between them in a replay): COPY serializes it once for
 * all. Only marked values are remembered, so the others cost nothing.
 */
export const sharedValue = <T extends object>(value: T): T => {
  if (!copyTexts.has(value)) copyTexts.set(value, '');
  return value;
};

/**
 * Inserts rows that are not in `table` yet with one COPY (a bulk load: several times cheaper for the
 * server than an INSERT of the same rows). A row already there fails the whole statement, so it is
 * for a writer that knows the rows are new: a rebuild into a fresh target, which it alone writes.
 */
export const copyRows = async (client: PoolClient, table: string, rows: readonly Record<string, unknown>[]): Promise<void> => {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  // A JS array goes as an array literal or as JSON, as its column says: asked of the catalog only when a row has one.
  const arrays = rows.some((row) => columns.some((column) => Array.isArray(row[column])))
    ? (
        await client.query<{ name: string }>(
          `SELECT a.attname AS name FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND t.typcategory = 'A'`,
          [table],
        )
      ).rows
    : [];
  const isArray = columns.map((column) => arrays.some((a) => a.name === column));
  let lines = '';
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) lines += (i === 0 ? '' : '\t') + copyValue(row[columns[i]!], isArray[i]!);
    lines += '\n';
  }
  await pipeline(Readable.from([lines]), client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`)));
};

/** Folds the events a table handles into its documents: what changed, in first-touched order. */
export const foldDocuments = <D>(table: DocumentTable<D>, loaded: ReadonlyMap<string, D>, events: readonly RecordedEvent[]): Changed<D>[] => {
  const docs = new Map<string, D | undefined>();
  for (const event of events) {
    if (!table.handles.has(event.type)) continue;
    const key = table.keyOf(event);
    const current = docs.has(key) ? docs.get(key) : loaded.get(key);
    const next = table.evolve(current, event);
    docs.set(key, next ?? current);
  }
  const changed: Changed<D>[] = [];
  for (const [key, doc] of docs) {
    const before = loaded.get(key);
    if (doc !== undefined && doc !== before) changed.push({ before, doc });
  }
  return changed;
};

/** How a batch is written. */
export type FoldOptions = {
  /**
   * The writer is the target's only one and it is fresh (a rebuild holding its lock): a document the
   * fold did not find in the target is new, and goes in with COPY rather than an upsert.
   */
  bulk?: boolean;
};

/** The events `table` handles: load, fold, and the write of what changed. */
export const foldTable = async <D>(
  db: Queryable,
  table: DocumentTable<D>,
  events: readonly RecordedEvent[],
  target: string,
  options: FoldOptions = {},
): Promise<PgWrite> => {
  const mine = events.filter((event) => table.handles.has(event.type));
  if (mine.length === 0) return noWrite;
  const name = table.table(target);
  const loaded = await loadDocuments<D>(db, name, table.key, [...new Set(mine.map((event) => table.keyOf(event)))]);
  const changed = foldDocuments(table, loaded, mine);
  if (changed.length === 0) return noWrite;
  const fresh = options.bulk ? changed.filter((c) => c.before === undefined) : [];
  const known = options.bulk ? changed.filter((c) => c.before !== undefined) : changed;
  return async (client) => {
    await copyRows(
      client,
      name,
      fresh.map(({ doc }) => table.row(doc)),
    );
    await upsertRows(
      client,
      name,
      table.key,
      known.map(({ doc }) => table.row(doc)),
    );
    await table.after?.(client, target, changed, options);
  };
};
