import type { PoolClient } from 'pg';
import { copyRows } from '../pg-documents.ts';
import { addUsedBatch, createAvailabilityTable } from './postgres.ts';
import type { PgProjection } from '../projection.ts';
import { availabilityChanges, availabilityHandles } from './availability-changes.ts';

export const AVAILABILITY = 'availability';

/**
 * Where a bulk load puts its changes: one row per (unit type, key) and batch, summed into the target once, at the end.
 * Logged like the checkpoint it commits with: an unlogged table would come back empty after a crash, behind a checkpoint that had moved on.
 * Byte-order ("C") text: grouping its rows at the end compares bytes, not a language's collation.
 */
const deltas = (target: string) => `${target}_deltas`;

/**
 * The embedded default: the runner's transaction moves the checkpoint with the counters, so no revision guard is needed.
 * A bulk load (a rebuild into a fresh target) appends each batch's sums to a table of its own with COPY instead of
 * adding them to the counters row by row, and `index` sums them into the counters with one statement (in key order: each row goes to the primary key's last page).
 */
export const availabilityProjection: PgProjection = {
  name: AVAILABILITY,
  handles: availabilityHandles,
  async migrate(client: PoolClient, target: string, options = {}) {
    await createAvailabilityTable(client, target);
    if (options.indexes === false) {
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${deltas(target)} (unit_type_id text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, used int NOT NULL)`,
      );
    }
  },
  async index(client: PoolClient, target: string) {
    const { rows } = await client.query<{ staged: boolean; empty: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL AS staged, NOT EXISTS (SELECT 1 FROM ${target}) AS empty`,
      [deltas(target)],
    );
    if (!rows[0]?.staged) return;
    const sums = `SELECT unit_type_id, key, sum(used)::int FROM ${deltas(target)} GROUP BY unit_type_id, key`;
    if (rows[0].empty) {
      // A fresh target (the usual rebuild): load the sums into a table without its key, then build the key once,
      // sorting the rows once instead of probing the index for each of them.
      await client.query(`
        ALTER TABLE ${target} DROP CONSTRAINT ${target}_pkey;
        INSERT INTO ${target} (unit_type_id, key, used) ${sums};
        ALTER TABLE ${target} ADD CONSTRAINT ${target}_pkey PRIMARY KEY (unit_type_id, key);
        DROP TABLE ${deltas(target)};`);
      return;
    }
    await client.query(`
      INSERT INTO ${target} (unit_type_id, key, used) ${sums} ORDER BY unit_type_id, key
      ON CONFLICT (unit_type_id, key) DO UPDATE SET used = ${target}.used + excluded.used;
      DROP TABLE ${deltas(target)};`);
  },
  async fold(_db, events, target, options = {}) {
    const changes = events.flatMap(availabilityChanges);
    if (!options.bulk) return (client) => addUsedBatch(client, target, changes);
    const sums = new Map<string, { unit_type_id: string; key: string; used: number }>();
    for (const { unitTypeId, key, delta } of changes) {
      const id = `${unitTypeId}\u0000${key}`;
      const row = sums.get(id);
      if (row) row.used += delta;
      else sums.set(id, { unit_type_id: unitTypeId, key, used: delta });
    }
    return (client) => copyRows(client, deltas(target), [...sums.values()]);
  },
  async drop(client: PoolClient, target: string) {
    await client.query(`DROP TABLE IF EXISTS ${deltas(target)}; DROP TABLE IF EXISTS ${target}`);
  },
};
