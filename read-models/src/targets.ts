import type { Pool } from 'pg';

/**
 * Read models live in tables named after their live target (`listings`, or `listings_r2` after a
 * replay swapped a rebuilt copy in). The projectors write a target; the query side reads the live one.
 */
export const liveTargets = async (pool: Pool, projections: readonly string[]): Promise<Record<string, string>> => {
  const { rows } = await pool
    .query<{ projection: string; target: string }>('SELECT projection, target FROM projection_targets WHERE projection = ANY($1)', [projections])
    .catch(() => ({ rows: [] as { projection: string; target: string }[] }));
  return Object.fromEntries(projections.map((p) => [p, rows.find((r) => r.projection === p)?.target ?? p]));
};

/**
 * The newest committed position of PostgreSQL's event store (whatever transactions are still open),
 * which no genuine consistency token can pass; undefined where the events live elsewhere.
 */
export const committedHead = async (pool: Pool): Promise<string | undefined> => {
  try {
    const { rows } = await pool.query<{ head: string }>(
      "SELECT lpad(transaction_id::text, 20, '0') || '-' || lpad(global_position::text, 20, '0') AS head FROM es_events ORDER BY transaction_id DESC, global_position DESC LIMIT 1",
    );
    return rows[0]?.head ?? '';
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return undefined;
    throw error;
  }
};

/** Waits until every named projection has applied the event at `position`; false if it did not in time. */
export const waitForPosition = async (pool: Pool, projections: readonly string[], position: string, timeoutMs = 2000): Promise<boolean> => {
  if (!position) return true;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ behind: number }>(
      `SELECT count(*) AS behind FROM projection_targets t
         LEFT JOIN projection_checkpoints c ON c.name = t.target
        WHERE t.projection = ANY($1) AND coalesce(c.position, '') < $2 COLLATE "C"`,
      [projections, position],
    );
    if (Number(rows[0]?.behind ?? 0) === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** The nights from check-in to the day before check-out. */
export const nightsBetween = (checkIn: string, checkOut: string): string[] => {
  const nights: string[] = [];
  for (let t = Date.parse(`${checkIn}T00:00:00Z`); t < Date.parse(`${checkOut}T00:00:00Z`); t += 86_400_000) {
    nights.push(new Date(t).toISOString().slice(0, 10));
  }
  return nights;
};
