import type { Pool, PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/infra';

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
  /** Writes that follow the rows (a child table), given what changed. */
  after?(client: PoolClient, target: string, changed: readonly Changed<D>[]): Promise<void>;
};

/** Reads the documents of `keys` (a `doc jsonb` column beside the key). */
export const loadDocuments = async <D>(db: Queryable, table: string, key: string, keys: readonly string[]): Promise<Map<string, D>> => {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<{ k: string; doc: D }>(`SELECT ${key} AS k, doc FROM ${table} WHERE ${key} = ANY($1::text[])`, [keys]);
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

/** The events `table` handles: load, fold, and the write of what changed. */
export const foldTable = async <D>(db: Queryable, table: DocumentTable<D>, events: readonly RecordedEvent[], target: string): Promise<PgWrite> => {
  const mine = events.filter((event) => table.handles.has(event.type));
  if (mine.length === 0) return noWrite;
  const name = table.table(target);
  const loaded = await loadDocuments<D>(db, name, table.key, [...new Set(mine.map((event) => table.keyOf(event)))]);
  const changed = foldDocuments(table, loaded, mine);
  if (changed.length === 0) return noWrite;
  return async (client) => {
    await upsertRows(client, name, table.key, changed.map(({ doc }) => table.row(doc)));
    await table.after?.(client, target, changed);
  };
};
