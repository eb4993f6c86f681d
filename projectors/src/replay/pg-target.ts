import type { Pool, PoolClient } from 'pg';
import { inTransaction, type RecordedEvent } from '@stayhub/event-sourcing';
import { applyBatch, type RunnerLog } from '../runner/pg-runner.ts';
import { advanceCheckpoint, CheckpointMoved, createCheckpoint, readCheckpoint, retireCheckpoint, type PgProjection } from '@stayhub/read-models';
import { RETIRED } from './schema.ts';
import type { Comparison, RebuildAdapter, RebuildTarget, RowDifference, TableComparison } from './target.ts';

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** A target's tables are named from it: `listings_r3` and `listings_r3_unit_types` → suffixes '' and '_unit_types'. */
const tableSuffixes = async (db: PoolClient, target: string): Promise<string[]> => {
  const { rows } = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND (table_name = $1 OR starts_with(table_name, $1 || '_'))`,
    [target],
  );
  return rows
    .map((r) => r.name.slice(target.length))
    .filter((suffix) => !/^_r\d+/.test(suffix))
    .sort();
};

const targetTables = async (db: PoolClient, target: string): Promise<string[]> => (await tableSuffixes(db, target)).map((suffix) => target + suffix);

const primaryKey = async (db: PoolClient, table: string): Promise<string[]> => {
  const { rows } = await db.query<{ column: string }>(
    `SELECT a.attname AS column FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
    [quote(table)],
  );
  return rows.map((r) => r.column);
};

const compareTable = async (db: PoolClient, suffix: string, rebuilt: string, live: string, sampleLimit: number) => {
  const [r, l] = [quote(rebuilt + suffix), quote(live + suffix)];
  const exists = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [l]);
  const key = await primaryKey(db, rebuilt + suffix);
  const counts = await db.query<{ rebuilt: number; live: number }>(
    `SELECT (SELECT count(*) FROM ${r}) AS rebuilt, ${exists.rows[0]?.ok ? `(SELECT count(*) FROM ${l})` : '0'} AS live`,
  );
  const table: TableComparison = {
    table: suffix || '(main)',
    rebuiltRows: Number(counts.rows[0]!.rebuilt),
    liveRows: Number(counts.rows[0]!.live),
    differences: 0,
  };
  if (!exists.rows[0]?.ok || key.length === 0) return { table: { ...table, differences: table.rebuiltRows }, samples: [] as RowDifference[] };
  const on = key.map((c) => `r.${quote(c)} = l.${quote(c)}`).join(' AND ');
  const differing = `FROM ${r} r FULL OUTER JOIN ${l} l ON ${on} WHERE to_jsonb(r) IS DISTINCT FROM to_jsonb(l)`;
  const total = await db.query<{ n: number }>(`SELECT count(*) AS n ${differing}`);
  const keyOf = key.map((c) => `coalesce(r.${quote(c)}, l.${quote(c)})`).join(', ');
  const rows = await db.query<{ rebuilt: Record<string, unknown> | null; live: Record<string, unknown> | null }>(
    `SELECT to_jsonb(r) AS rebuilt, to_jsonb(l) AS live ${differing} ORDER BY ${keyOf} LIMIT $1`,
    [sampleLimit],
  );
  const samples = rows.rows.map((row) => {
    const either = (row.rebuilt ?? row.live)!;
    return { table: rebuilt + suffix, key: Object.fromEntries(key.map((c) => [c, either[c]])), rebuilt: row.rebuilt, live: row.live };
  });
  return { table: { ...table, differences: Number(total.rows[0]!.n) }, samples };
};

/**
 * One page into a target being rebuilt: fold what it handles (reading outside the write), then one
 * transaction writes each table once and moves the checkpoint. The transaction commits without
 * waiting for its WAL to reach the disk (`synchronous_commit = off`): a crash may lose the last
 * pages of a rebuild, but never a part of one (the rows and the checkpoint go together, or not at
 * all), so a rerun resumes from the checkpoint the server still has. Nothing is read from a target
 * until the swap, whose transaction commits durably. A page that fails goes the live runners' way:
 * once more, then event by event, parking what cannot apply.
 */
const applyBulk = async (
  pool: Pool,
  projection: PgProjection,
  target: string,
  events: readonly RecordedEvent[],
  from: string,
  log: RunnerLog,
  bulk: boolean,
) => {
  const last = events[events.length - 1]!.globalPosition;
  try {
    // Pages come in log order: when the first event is past the checkpoint, all are.
    const after = events[0]!.globalPosition > from ? events : events.filter((event) => event.globalPosition > from);
    const relevant = after.filter((event) => projection.handles.has(event.type));
    const write = relevant.length > 0 ? await projection.fold(pool, relevant, target, { bulk }) : undefined;
    const client = await pool.connect();
    try {
      await client.query('BEGIN; SET LOCAL synchronous_commit = off');
      await write?.(client);
      await advanceCheckpoint(client, target, from, last);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  } catch (error) {
    if (error instanceof CheckpointMoved) throw error;
    await applyBatch(pool, projection, target, events, log, from, { bulk });
  }
};

/** A rebuild into fresh PostgreSQL tables named from the target, beside the live ones. */
export const pgRebuildTarget = (pool: Pool, projection: PgProjection, target: string, log: RunnerLog): RebuildTarget => {
  // Events the rebuild parks are its own until the swap (the live ones are the old target's).
  const building: PgProjection = { ...projection, name: target };
  // The rebuild holds this target's lock, so its checkpoint is where the last batch left it.
  let at: string | undefined;
  // Until `finish`, the target has neither its secondary indexes nor a reader: a bulk load (COPY, staging tables).
  let finished = false;
  return {
    projection: projection.name,
    target,
    handles: projection.handles,
    async create(from: string) {
      await inTransaction(pool, async (client) => {
        // Indexes come after the load (`finish`): building them once is cheaper than keeping them up row by row.
        await projection.migrate(client, target, { indexes: false });
        await createCheckpoint(client, target, from);
        // Nothing to vacuum in a table being filled, and its statistics come once, after the load.
        for (const table of await targetTables(client, target)) await client.query(`ALTER TABLE ${quote(table)} SET (autovacuum_enabled = off)`);
      });
    },
    async apply(events) {
      if (events.length === 0) return;
      const from = at ?? (await readCheckpoint(pool, target));
      at = undefined;
      const last = events[events.length - 1]!.globalPosition;
      if (last > from) await applyBulk(pool, building, target, events, from, log, !finished);
      at = from > last ? from : last;
    },
    checkpoint: () => readCheckpoint(pool, target),
    async finish() {
      await inTransaction(pool, async (client) => {
        // What the load staged is grouped and each index built by one sort: in memory, where it fits.
        await client.query(`SET LOCAL maintenance_work_mem = '256MB'; SET LOCAL work_mem = '128MB'`);
        await projection.index(client, target);
        // Autovacuum analyzes the loaded tables (they have changed entirely since their last statistics).
        for (const table of await targetTables(client, target)) await client.query(`ALTER TABLE ${quote(table)} RESET (autovacuum_enabled)`);
      });
      finished = true;
    },
    async swap(tx: PoolClient) {
      const { rows } = await tx.query<{ target: string }>('SELECT target FROM projection_targets WHERE projection = $1 FOR UPDATE', [projection.name]);
      const previous = rows[0]?.target ?? projection.name;
      await tx.query(
        `INSERT INTO projection_targets (projection, target) VALUES ($1, $2)
         ON CONFLICT (projection) DO UPDATE SET target = excluded.target, swapped_at = now()`,
        [projection.name, target],
      );
      // Waits for a batch the live projector has in hand on the old target, then fences it off.
      await retireCheckpoint(tx, previous);
      // The old target's parked events go with it; the rebuild's become the live ones.
      await tx.query('DELETE FROM projection_parked WHERE projection = $1', [projection.name]);
      await tx.query('UPDATE projection_parked SET projection = $1 WHERE projection = $2', [projection.name, target]);
      return previous;
    },
    async drop(old: string) {
      await inTransaction(pool, async (client) => {
        await projection.drop(client, old);
        // A retired checkpoint stays as the fence; an abandoned rebuild's goes with its tables.
        await client.query('DELETE FROM projection_checkpoints WHERE name = $1 AND position <> $2', [old, RETIRED]);
        if (old !== projection.name) await client.query('DELETE FROM projection_parked WHERE projection = $1', [old]);
      });
    },
    async compare(live: string, sampleLimit: number): Promise<Comparison> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const [rebuiltAt, liveAt] = [await readCheckpoint(client, target), await readCheckpoint(client, live)];
        const tables: TableComparison[] = [];
        const samples: RowDifference[] = [];
        for (const suffix of await tableSuffixes(client, target)) {
          const result = await compareTable(client, suffix, target, live, Math.max(0, sampleLimit - samples.length));
          tables.push(result.table);
          samples.push(...result.samples);
        }
        await client.query('COMMIT');
        return { rebuiltAt, liveAt, tables, samples };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
};

export const pgRebuildAdapter = (pool: Pool, projections: readonly PgProjection[], log: RunnerLog = () => undefined): RebuildAdapter => ({
  projections: projections.map((p) => p.name),
  open(name: string, target: string) {
    const projection = projections.find((p) => p.name === name);
    if (!projection) throw new Error(`No projection ${name}; known: ${projections.map((p) => p.name).join(', ')}`);
    return pgRebuildTarget(pool, projection, target, log);
  },
});
