import type { Pool, PoolClient } from 'pg';
import { AvailabilityTargetMissing, emptyUsed, type AvailabilityChange, type AvailabilityStore, type AvailabilityUpdate, type UsedUnits } from './port.ts';

type Queryable = Pick<Pool | PoolClient, 'query'>;

/** Targets become table names: only plain lower-case identifiers. */
const availabilityTable = (target: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,50}$/.test(target)) throw new Error(`Bad availability target name: ${target}`);
  return target;
};

/** The table the PostgreSQL projection writes and readers join: `<target>(unit_type_id, key, used)`. */
export const createAvailabilityTable = async (db: Queryable, target: string): Promise<void> => {
  await db.query(`
    CREATE TABLE IF NOT EXISTS ${availabilityTable(target)} (
      unit_type_id text NOT NULL,
      key          text NOT NULL,
      used         int NOT NULL,
      PRIMARY KEY (unit_type_id, key)
    )`);
};

/**
 * Adds a batch of changes in one statement: the deltas of one (unit type, key) are summed first
 * (a statement may not touch a row twice), and rows go in key order so concurrent writers lock alike.
 */
export const addUsedBatch = async (db: Queryable, target: string, changes: readonly AvailabilityChange[]): Promise<void> => {
  if (changes.length === 0) return;
  const table = availabilityTable(target);
  const sums = new Map<string, AvailabilityChange>();
  for (const change of changes) {
    const id = `${change.unitTypeId}\u0000${change.key}`;
    sums.set(id, { ...change, delta: (sums.get(id)?.delta ?? 0) + change.delta });
  }
  const rows = [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, change]) => change);
  await db.query(
    `INSERT INTO ${table} (unit_type_id, key, used)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
     ON CONFLICT (unit_type_id, key) DO UPDATE SET used = ${table}.used + excluded.used`,
    [rows.map((r) => r.unitTypeId), rows.map((r) => r.key), rows.map((r) => r.delta)],
  );
};

const RETRYABLE = new Set(['40P01', '40001']); // deadlock, serialization failure

/**
 * Availability in PostgreSQL, for writers outside the projector's own transaction (the generic
 * runner, a replay): `<target>_streams` keeps the last revision applied per calendar stream, and the
 * guard row and the counters change in one transaction. The pool belongs to the caller.
 */
export class PgAvailabilityStore implements AvailabilityStore {
  constructor(private readonly pool: Pool) {}

  async prepare(target: string): Promise<boolean> {
    const table = availabilityTable(target);
    const { rows } = await this.pool.query<{ existed: boolean }>('SELECT to_regclass($1) IS NOT NULL AS existed', [table]);
    await createAvailabilityTable(this.pool, target);
    await this.pool.query(`CREATE TABLE IF NOT EXISTS ${table}_streams (stream_id text PRIMARY KEY, revision bigint NOT NULL)`);
    return rows[0]?.existed ?? false;
  }

  async apply(target: string, updates: readonly AvailabilityUpdate[]): Promise<boolean[]> {
    const table = availabilityTable(target);
    // Stream order is kept (stable sort); a fixed lock order across streams keeps concurrent writers from deadlocking.
    const order = updates
      .map((update, index) => ({ update, index }))
      .sort((a, b) => (a.update.streamId < b.update.streamId ? -1 : a.update.streamId > b.update.streamId ? 1 : 0));
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        const applied = new Array<boolean>(updates.length).fill(false);
        for (const { update, index } of order) {
          if (update.changes.length === 0) continue;
          const guard = await client.query(
            `INSERT INTO ${table}_streams (stream_id, revision) VALUES ($1, $2)
             ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision WHERE ${table}_streams.revision < excluded.revision`,
            [update.streamId, update.streamRevision],
          );
          if (guard.rowCount === 0) continue;
          await addUsedBatch(client, target, update.changes);
          applied[index] = true;
        }
        await client.query('COMMIT');
        return applied;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const code = (error as { code?: string }).code;
        if (code === '42P01') throw new AvailabilityTargetMissing(target);
        if (!code || !RETRYABLE.has(code) || attempt >= 5) throw error;
      } finally {
        client.release();
      }
    }
  }

  async used(target: string, unitTypeIds: readonly string[], keys: readonly string[]): Promise<UsedUnits> {
    const result = emptyUsed(unitTypeIds, keys);
    if (unitTypeIds.length === 0 || keys.length === 0) return result;
    try {
      const { rows } = await this.pool.query<{ unit_type_id: string; key: string; used: number }>(
        `SELECT unit_type_id, key, used FROM ${availabilityTable(target)} WHERE unit_type_id = ANY($1) AND key = ANY($2)`,
        [unitTypeIds, keys],
      );
      for (const row of rows) result.get(row.unit_type_id)?.set(row.key, row.used);
    } catch (error) {
      if ((error as { code?: string }).code !== '42P01') throw error; // nothing projected yet: all free
    }
    return result;
  }

  async snapshot(target: string): Promise<UsedUnits> {
    const result: UsedUnits = new Map();
    try {
      const { rows } = await this.pool.query<{ unit_type_id: string; key: string; used: number }>(
        `SELECT unit_type_id, key, used FROM ${availabilityTable(target)} WHERE used <> 0`,
      );
      for (const row of rows) (result.get(row.unit_type_id) ?? result.set(row.unit_type_id, new Map()).get(row.unit_type_id)!).set(row.key, row.used);
    } catch (error) {
      if ((error as { code?: string }).code !== '42P01') throw error;
    }
    return result;
  }

  async drop(target: string): Promise<void> {
    const table = availabilityTable(target);
    await this.pool.query(`DROP TABLE IF EXISTS ${table}_streams; DROP TABLE IF EXISTS ${table}`);
  }

  async close(): Promise<void> {}
}
