import pg from 'pg';

/** Commits and statements of one database so far (statements need `pg_stat_statements` loaded; else null). */
export type PgCounters = { commits: number; statements: number | null };

export const pgCounters = async (url: string): Promise<PgCounters> => {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const commits = await client.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()');
    let statements: number | null = null;
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      const { rows } = await client.query<{ n: string | null }>(
        `SELECT sum(calls) AS n FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      statements = Number(rows[0]?.n ?? 0);
    } catch {
      statements = null; // the server was started without shared_preload_libraries=pg_stat_statements
    }
    return { commits: Number(commits.rows[0]!.n), statements };
  } finally {
    await client.end();
  }
};

/**
 * Per booking: what the database did between two counter snapshots, less `ownQueries`, the
 * measuring's own statements in the window (the wait-event sampler's, each a statement and a commit:
 * 0.2–1.4 per booking under load, were counted as the platform's before 1 Dec 13:00).
 */
export const perBooking = (before: PgCounters, after: PgCounters, bookings: number, ownQueries = 0) => ({
  commitsPerBooking: Math.round(((after.commits - before.commits - ownQueries) / Math.max(1, bookings)) * 100) / 100,
  statementsPerBooking:
    before.statements === null || after.statements === null
      ? null
      : Math.round(((after.statements - before.statements - ownQueries) / Math.max(1, bookings)) * 100) / 100,
});

/**
 * Calls, execution milliseconds and planning milliseconds (0 unless the server tracks planning) per
 * statement of one database so far (`pg_stat_statements`, top level; empty without it).
 */
export const statementCalls = async (url: string): Promise<Map<string, { calls: number; ms: number; planMs?: number }>> => {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const { rows } = await client.query<{ query: string; calls: string; ms: number; plan_ms: number }>(
      `SELECT query, calls, total_exec_time AS ms, total_plan_time AS plan_ms FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    return new Map(rows.map((r) => [r.query, { calls: Number(r.calls), ms: Number(r.ms), planMs: Number(r.plan_ms) }]));
  } catch {
    return new Map();
  } finally {
    await client.end();
  }
};

/**
 * The statements that took the server the most time between two snapshots: calls, execution
 * milliseconds and planning milliseconds per booking (each statement's text cut to its first 100
 * characters), ordered by both together.
 */
export const topStatementsPerBooking = (
  before: Map<string, { calls: number; ms: number; planMs?: number }>,
  after: Map<string, { calls: number; ms: number; planMs?: number }>,
  bookings: number,
  top = 20,
) =>
  [...after.entries()]
    .map(([query, now]) => {
      const then = before.get(query) ?? { calls: 0, ms: 0, planMs: 0 };
      const per = (x: number) => Math.round((x / Math.max(1, bookings)) * 1000) / 1000;
      return {
        statement: query.replace(/\s+/g, ' ').slice(0, 100),
        callsPerBooking: per(now.calls - then.calls),
        msPerBooking: per(now.ms - then.ms),
        planMsPerBooking: per((now.planMs ?? 0) - (then.planMs ?? 0)),
      };
    })
    .filter((s) => s.callsPerBooking > 0)
    .sort((a, b) => b.msPerBooking + b.planMsPerBooking - a.msPerBooking - a.planMsPerBooking)
    .slice(0, top);

/** Planning milliseconds per booking over the whole database between two snapshots (0 unless the server tracks planning). */
export const planMsPerBooking = (
  before: Map<string, { calls: number; ms: number; planMs?: number }>,
  after: Map<string, { calls: number; ms: number; planMs?: number }>,
  bookings: number,
) => {
  let ms = 0;
  for (const [query, now] of after) ms += (now.planMs ?? 0) - (before.get(query)?.planMs ?? 0);
  return Math.round((ms / Math.max(1, bookings)) * 1000) / 1000;
};

/**
 * Statements that read streams (the event store's reads by stream id, `FROM es_streams s`), calls
 * per booking between two snapshots of `statementCalls`: the command processor's reads of streams
 * not in its cache, and any other reader's.
 */
export const streamReadsPerBooking = (
  before: Map<string, { calls: number; ms: number }>,
  after: Map<string, { calls: number; ms: number }>,
  bookings: number,
) => {
  let calls = 0;
  for (const [query, now] of after) if (/FROM\s+es_streams\s+s\b/.test(query)) calls += now.calls - (before.get(query)?.calls ?? 0);
  return Math.round((calls / Math.max(1, bookings)) * 1000) / 1000;
};

/** A short name for a statement's text: what notifies, the append, else its first words. */
const statementKind = (query: string): string => {
  if (/NOTIFY\s+es_appended/i.test(query)) return 'NOTIFY es_appended (wake-up)';
  if (/NOTIFY\s+projection_checkpoints/i.test(query)) return 'NOTIFY projection_checkpoints (announcement)';
  // Only a transaction that notifies takes the lock: an append waiting on it carries the wake-up (`pg_notify`, before 2 Dec 07:00).
  if (/^\s*WITH req AS/.test(query)) return 'append (carrying its wake-up)';
  if (/es_append_rows/.test(query)) return 'append (settled group by group)';
  return query.replace(/\s+/g, ' ').trim().slice(0, 60);
};

/**
 * Samples `pg_stat_activity` of one database every `everyMs`: the share of active backends' samples
 * per wait event (`CPU` when not waiting), the way one reads where an appending backend spends its time.
 */
export const waitEventSampler = async (url: string, everyMs = 10) => {
  const client = new pg.Client(url);
  await client.connect();
  const counts = new Map<string, number>();
  /** `Lock:object` samples (the NOTIFY lock, taken at commit) by the statement the waiting backend was running. */
  const lockObject = new Map<string, number>();
  let total = 0;
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      // Named: planned once, not every 10 ms (planning pg_stat_activity's view cost the server ~0.2 ms a sample).
      const { rows } = await client.query<{ wait: string | null; query: string }>({
        name: 'bench_wait_events',
        text: `SELECT wait_event_type || ':' || wait_event AS wait, left(query, 200) AS query FROM pg_stat_activity
                WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                  AND query NOT LIKE 'LISTEN%'`,
      });
      samples++;
      for (const row of rows) {
        const key = row.wait ?? 'CPU';
        counts.set(key, (counts.get(key) ?? 0) + 1);
        total++;
        if (key === 'Lock:object') {
          const statement = statementKind(row.query);
          lockObject.set(statement, (lockObject.get(statement) ?? 0) + 1);
        }
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    /** The sampling queries so far (each its own statement and commit in this database). */
    queries: () => samples,
    /** Of all sampled backends, the share (%) waiting on `Lock:object`, by the statement they ran (call after `stop`). */
    lockObjectBy: (): Record<string, number> =>
      Object.fromEntries([...lockObject.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, Math.round((n / Math.max(1, total)) * 1000) / 10])),
    stop: async (): Promise<Record<string, number>> => {
      stopped = true;
      await loop.catch(() => undefined);
      await client.end();
      return Object.fromEntries(
        [...counts.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 8)
          .map(([k, n]) => [k, Math.round((n / Math.max(1, total)) * 1000) / 10]),
      );
    },
  };
};

/**
 * The whole server's WAL so far: bytes, full-page images, and flushes (fsyncs of WAL, from
 * `pg_stat_io`, PostgreSQL 18+; else null). Backends report these when they go idle or exit, so
 * read them after the connections that did the work are closed.
 */
export const walCounters = async (url: string): Promise<{ bytes: number; fullPages: number; flushes: number | null }> => {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const wal = await client.query<{ bytes: string; fpi: string }>('SELECT wal_bytes AS bytes, wal_fpi AS fpi FROM pg_stat_wal');
    let flushes: number | null = null;
    try {
      const { rows } = await client.query<{ n: string | null }>(`SELECT sum(fsyncs) AS n FROM pg_stat_io WHERE object = 'wal'`);
      flushes = Number(rows[0]?.n ?? 0);
    } catch {
      flushes = null;
    }
    return { bytes: Number(wal.rows[0]!.bytes), fullPages: Number(wal.rows[0]!.fpi), flushes };
  } finally {
    await client.end();
  }
};

/** Which part of the platform a statement's text belongs to (the first pattern that matches). */
const statementParts: [string, RegExp][] = [
  ['measuring (wait-event sampler)', /pg_stat_activity/],
  ['appends (es_append_rows and friends)', /es_append|\bFROM\s+unnest\(\$2::text\[\],\s*\$3::bigint\[\]/],
  ['stream reads', /FROM\s+es_streams\s+s\b/],
  ['log reads (workflows and projectors)', /FROM\s+es_events\b/],
  ['workflow tasks and checkpoints', /workflow_tasks|subscription_checkpoints|workflow_parked/],
  ['card tokens', /payment_methods/],
  ['projection checkpoints', /projection_checkpoints/],
  ['wake-ups (NOTIFY)', /^\s*(NOTIFY|SELECT pg_notify)/i],
];

/**
 * Statements between two snapshots of `statementCalls`, summed by the part of the platform they
 * belong to (`statementParts`; the rest, mostly the read models' own tables, is `projections and
 * other`): calls and server execution milliseconds per booking.
 */
export const statementsByPart = (before: Map<string, { calls: number; ms: number }>, after: Map<string, { calls: number; ms: number }>, bookings: number) => {
  const sums = new Map<string, { calls: number; ms: number }>();
  for (const [query, now] of after) {
    const then = before.get(query) ?? { calls: 0, ms: 0 };
    if (now.calls === then.calls) continue;
    const part = statementParts.find(([, pattern]) => pattern.test(query))?.[0] ?? 'projections and other';
    const sum = sums.get(part) ?? { calls: 0, ms: 0 };
    sums.set(part, { calls: sum.calls + now.calls - then.calls, ms: sum.ms + now.ms - then.ms });
  }
  const per = (x: number) => Math.round((x / Math.max(1, bookings)) * 1000) / 1000;
  return Object.fromEntries(
    [...sums.entries()].sort((a, b) => b[1].ms - a[1].ms).map(([part, s]) => [part, { callsPerBooking: per(s.calls), msPerBooking: per(s.ms) }]),
  );
};
