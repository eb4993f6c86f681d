import pg from 'pg';

// Bigints (counts, sums) arrive as strings by default; ours stay within Number.MAX_SAFE_INTEGER.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * A pool that survives the database going away: an idle client's error and a checked-out client's
 * error are both listened to (an 'error' event with no listener would end the process), and a
 * connection attempt gives up after `connectionTimeoutMillis`; the failing query rejects, and the
 * caller answers 503 or retries.
 */
export const createPool = (url: string, max = 20): pg.Pool => {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000 });
  pool.on('error', (error) => console.error('[postgres] idle client error:', error.message));
  pool.on('connect', (client) => {
    client.on('error', (error) => console.error('[postgres] connection lost:', error.message));
  });
  return pool;
};

export type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` in a transaction on one client; rolls back if it throws. `begin` may carry statements
 * to run with the BEGIN; `commitWith` gives a last statement (no parameters) sent with the COMMIT,
 * one round trip for both (if it fails, the COMMIT never runs).
 */
export const inTransaction = async <T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  begin = 'BEGIN',
  commitWith?: (client: pg.PoolClient) => string,
): Promise<T> => {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query(commitWith ? `${commitWith(client)}; COMMIT` : 'COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};

/**
 * Statements without parameters, or what gives them for the connection they are sent on (which may
 * first prepare statements on it, outside the transaction).
 */
export type RoundTripStatements = readonly string[] | ((client: pg.PoolClient) => Promise<readonly string[]>);

/**
 * Runs `statements` (no parameters) as one transaction in one round trip: the `begin`, the
 * statements and the COMMIT go as one message (the simple query protocol runs them in turn). A
 * statement that fails skips the rest, the COMMIT included, and the transaction is rolled back.
 */
export const inOneRoundTrip = async (pool: pg.Pool, statements: RoundTripStatements, begin = 'BEGIN'): Promise<void> => {
  const client = await pool.connect();
  try {
    const sent = typeof statements === 'function' ? await statements(client) : statements;
    await client.query([begin, ...sent, 'COMMIT'].join(';\n'));
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};

/**
 * Transactions of a log reader's own that never append events (a projector's writes). Each runs
 * under its own `application_name` from its first statement, before it has a transaction id, until
 * it has ended; the PostgreSQL event store's reader, given them, passes the transactions the server
 * shows under that name instead of waiting for them to end: its snapshot guard only has to wait for
 * transactions that may still store events. The name is set before the id exists and reset only
 * after the transaction ended, so there is no moment when one of them holds the reader back, and a
 * transaction from anywhere else is never passed.
 */
export class OwnTransactions {
  constructor(readonly applicationName = 'stayhub-projection-write') {}

  /**
   * Runs `work` in such a transaction. `work` must not append events (the reader would pass them).
   * `commitWith` gives a last statement to send with the COMMIT (a round trip less).
   */
  run<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, commitWith?: (client: pg.PoolClient) => string): Promise<T> {
    // One round trip, as a plain BEGIN.
    return inTransaction(pool, work, this.begin(), commitWith);
  }

  /** Runs `statements` (no parameters) in such a transaction, in one round trip (see `inOneRoundTrip`). */
  runInOneRoundTrip(pool: pg.Pool, statements: RoundTripStatements): Promise<void> {
    return inOneRoundTrip(pool, statements, this.begin());
  }

  /**
   * Their commits do not wait for the WAL flush: what they write is derived from events already
   * durable, with the reader's checkpoint in the same transaction, so a commit a server crash loses
   * takes its checkpoint with it and is written again from the log. (Commands keep theirs.)
   */
  private begin(): string {
    return `BEGIN; SET LOCAL application_name = ${pg.escapeLiteral(this.applicationName)}; SET LOCAL synchronous_commit = off`;
  }
}

/** Whether a PostgreSQL server answers a query at `url` within the timeout. */
export const postgresAnswers = async (url: string, timeoutMs = 1000): Promise<boolean> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
};

/**
 * Waits until the database at `url` answers, retrying with backoff (up to 5 s apart) and logging
 * now and then: an app started before its database waits for it rather than exiting.
 */
export const waitForDatabase = async (url: string, options: { signal?: AbortSignal; log?: (message: string) => void } = {}): Promise<void> => {
  const started = Date.now();
  let lastLog = 0;
  for (let attempt = 0; !options.signal?.aborted; attempt++) {
    if (await postgresAnswers(url, 2000)) return;
    if (Date.now() - lastLog > 10_000) {
      options.log?.(`waiting for the database (${Math.round((Date.now() - started) / 1000)} s so far)`);
      lastLog = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** attempt)));
  }
};
