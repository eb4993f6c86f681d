import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import {
  DuplicateEventConflict,
  WrongExpectedRevision,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type MultiStreamAppendResult,
  type ReadStreamResult,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeOptions,
} from './port.ts';
import { listenOn } from '../postgres/listener.ts';
import { migrateEventStore } from '../postgres/schema.ts';

/**
 * Global positions here are `transactionId-sequence`, each zero-padded to 20 digits, read in that
 * order and only below the oldest transaction still running. A sequence number is drawn before
 * commit, so a transaction that commits late may hold a lower number than one already read; the
 * transaction id guard never lets a reader pass it.
 */
const PAD = 20;
const encodePosition = (tx: string | number, position: string | number): string => `${String(tx).padStart(PAD, '0')}-${String(position).padStart(PAD, '0')}`;
export const decodePosition = (token: string | undefined): { tx: string; position: string } => {
  const match = /^(\d{1,20})-(\d{1,20})$/.exec(token ?? '');
  return match ? { tx: BigInt(match[1]!).toString(), position: BigInt(match[2]!).toString() } : { tx: '0', position: '0' };
};

type EventRow = {
  global_position: string | number;
  transaction_id: string;
  event_id: string;
  stream_id: string;
  stream_revision: string | number;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: Record<string, unknown>;
  occurred_at: Date;
};

const toRecorded = (row: EventRow): RecordedEvent => ({
  eventId: row.event_id,
  type: row.type,
  schemaVersion: row.schema_version,
  streamId: row.stream_id,
  streamRevision: Number(row.stream_revision),
  globalPosition: encodePosition(row.transaction_id, row.global_position),
  occurredAt: row.occurred_at.toISOString(),
  data: row.data,
  metadata: row.metadata,
});

const COLUMNS = 'global_position, transaction_id, event_id, stream_id, stream_revision, type, schema_version, data, metadata, occurred_at';

/** Named: the command processor's read of a stream, parsed and planned once per connection. */
const READ_STREAM = {
  name: 'es_read_stream',
  text: `SELECT s.revision AS head, e.*
           FROM es_streams s
           LEFT JOIN LATERAL (
             SELECT ${COLUMNS} FROM es_events
              WHERE stream_id = s.stream_id AND stream_revision >= $2
              ORDER BY stream_revision LIMIT $3) e ON true
          WHERE s.stream_id = $1`,
};

export type PostgresEventStoreOptions = {
  pollIntervalMs?: number;
  /**
   * The NOTIFY that wakes other processes' subscribers goes out at most once per this many ms (0:
   * after every commit, one at a time; default 10), a statement of its own after the commit; the
   * first commit after a quiet spell notifies at once. Under a steady stream of commits one NOTIFY
   * covers those of the next 10 ms, where one per commit was a fifth of the server's CPU per
   * append. It never rides on an append: a transaction that notifies holds the server-wide NOTIFY
   * lock from its commit until its WAL flush is done, and with the wake-up inside the append that
   * was one flush in every 10 ms during which every other notifier (the projectors' announcements,
   * the other processes' wake-ups) queued. On its own it commits without waiting for a flush (it
   * carries no state), so it holds the lock only for a moment. This process's own subscribers are
   * woken at once either way.
   */
  notifyEveryMs?: number;
};

type BatchRow = {
  group_no: number;
  stream: string | null;
  outcome: 'ok' | 'duplicate' | 'conflict' | 'partial_duplicate';
  revision: number | null;
  last_position: number | null;
  tx: string | null;
};

/**
 * The common case of a batch in one statement, named so that each pooled connection parses and
 * plans it once: every stream's head moves by the events appended to it (created when new) in one
 * upsert, taken in stream id order (so two batches cannot deadlock), which also locks it; where each
 * append lands follows from the new head; every event goes in with one INSERT. Parameters as for
 * `es_append_rows`. When an expectation fails or an event id is stored already, `es_append_refused()`
 * raises ES100: nothing of the statement stays, and `es_append_rows` settles the batch group by
 * group. One plain statement cost the server about a fifth less per batch than the PL/pgSQL
 * function's four. It notifies no one (see `notifyEveryMs`).
 */
const APPEND = {
  name: 'es_append_statement',
  text: `WITH req AS (
           SELECT u.s, u.x, u.n, u.j FROM unnest($2::text[], $3::bigint[], $4::int[]) WITH ORDINALITY AS u(s, x, n, j)
         ), heads AS (
           INSERT INTO es_streams AS h (stream_id, revision)
           SELECT r.s, sum(r.n) - 1 FROM req r GROUP BY r.s ORDER BY r.s
           ON CONFLICT (stream_id) DO UPDATE SET revision = h.revision + excluded.revision + 1
           RETURNING h.stream_id, h.revision
         ), a AS (
           SELECT r.j, r.s, r.n, r.x,
                  h.revision - sum(r.n) OVER (PARTITION BY r.s ORDER BY r.j DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS at
             FROM req r JOIN heads h ON h.stream_id = r.s
         ), verdict AS (
           SELECT bool_and(CASE a.x WHEN -1 THEN a.at = -1 WHEN -2 THEN true WHEN -3 THEN a.at <> -1 ELSE a.at = a.x END)
                  AND NOT EXISTS (SELECT 1 FROM es_events e WHERE e.event_id = ANY ($5::uuid[])) AS fine
             FROM a
         ), inserted AS (
           INSERT INTO es_events (event_id, stream_id, stream_revision, type, schema_version, data, metadata, occurred_at)
           SELECT e.id, a.s, a.at + e.i, v->>'type', coalesce((v->>'schemaVersion')::int, 1), v->'data',
                  coalesce(v->'metadata', '{}'), coalesce((v->>'occurredAt')::timestamptz, now())
             FROM unnest($5::uuid[], $6::int[], $7::int[]) WITH ORDINALITY AS e(id, j, i, k)
             JOIN a ON a.j = e.j, LATERAL (SELECT $8::jsonb->(e.k::int - 1) AS v) x
            WHERE (SELECT CASE WHEN fine THEN true ELSE es_append_refused() END FROM verdict)
            ORDER BY e.k
           RETURNING stream_id, stream_revision, global_position, transaction_id
         )
         SELECT ($1::int[])[a.j] AS group_no, a.s AS stream, 'ok' AS outcome, a.at + a.n AS revision,
                i.global_position AS last_position, i.transaction_id AS tx
           FROM a JOIN inserted i ON i.stream_id = a.s AND i.stream_revision = a.at + a.n`,
};
/** SQLSTATE of `es_append_refused()`. */
const SETTLE_APART = 'ES100';

/** Named, so that each pooled connection parses and plans it once. */
const APPEND_ROWS = {
  name: 'es_append_rows',
  text: 'SELECT group_no, stream, outcome, revision, last_position, tx FROM es_append_rows($1, $2, $3, $4, $5, $6, $7, $8)',
};
/**
 * The wake-up for subscribers in other processes, sent after a commit rather than inside it: a
 * NOTIFY inside the append made every commit queue for one server-wide lock. It carries no state,
 * so it need not wait for a WAL flush; both statements run as one implicit transaction.
 */
const wakeStatement = (sender: string) => `SET LOCAL synchronous_commit = off; NOTIFY es_appended, '${sender}'`;

/** `es_append_rows`' code for an expectation: the exact revision, or -1 no stream, -2 any, -3 the stream exists. */
const expectedCode = (expected: ExpectedRevision): number => {
  if (typeof expected === 'number') {
    if (!Number.isSafeInteger(expected) || expected < -1) throw new Error(`expected revision ${expected} is not a revision`);
    return expected;
  }
  return expected === 'no_stream' ? -1 : expected === 'any' ? -2 : -3;
};

/**
 * A batch as `es_append_rows` takes it: one array element per stream append (its group, stream,
 * expectation and event count) and one per event (its id, the append it belongs to, its place in
 * it); the events themselves in one JSON array, serialised once.
 */
const toRows = (groups: StreamAppend[][]): unknown[] => {
  const group: number[] = [];
  const stream: string[] = [];
  const expected: number[] = [];
  const count: number[] = [];
  const ids: string[] = [];
  const of: number[] = [];
  const nth: number[] = [];
  const events: EventToAppend[] = [];
  groups.forEach((appends, g) => {
    if (appends.length === 0) throw new Error('an append needs at least one stream');
    const seen = new Set<string>();
    for (const append of appends) {
      if (append.events.length === 0) throw new Error(`append to ${append.streamId} needs at least one event`);
      if (seen.has(append.streamId)) throw new Error(`stream ${append.streamId} appears twice in one append`);
      seen.add(append.streamId);
      group.push(g + 1);
      stream.push(append.streamId);
      expected.push(expectedCode(append.expected));
      count.push(append.events.length);
      append.events.forEach((event, i) => {
        ids.push(event.eventId);
        of.push(stream.length);
        nth.push(i + 1);
        events.push(event);
      });
    }
  });
  return [group, stream, expected, count, ids, of, nth, JSON.stringify(events)];
};

export class PostgresEventStore implements EventStore {
  private listener: PoolClient | undefined;
  /** The one LISTEN connection being opened: subscribers that start together share it (else each leaks one, and `pool.end()` never returns). */
  private listening: Promise<void> | undefined;
  private readonly wakers = new Set<() => void>();
  /** Counts the wake-ups (appends here, announcements of others): a subscriber reads again when it moved since its last read began. */
  private wakeUps = 0;
  private readonly pollIntervalMs: number;
  private readonly notifyEveryMs: number;
  /** A commit that other processes' subscribers have not been told of yet. */
  private wakeOwed = false;
  /** No NOTIFY before this time (ms, `performance.now()`). */
  private quietUntil = 0;
  private wakeTimer: NodeJS.Timeout | undefined;
  /** Names this store's own wake-ups, which its subscribers have had already. */
  private readonly sender = randomUUID();
  private readonly wake = wakeStatement(this.sender);

  constructor(
    private readonly pool: Pool,
    options: PostgresEventStoreOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.notifyEveryMs = options.notifyEveryMs ?? 10;
  }

  static async create(pool: Pool, options?: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    await migrateEventStore(pool);
    return new PostgresEventStore(pool, options);
  }

  async append(streamId: string, events: EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    const { streams, position } = await this.appendMultiple([{ streamId, events, expected }]);
    return { nextExpectedRevision: streams[0]!.nextExpectedRevision, position };
  }

  async appendMultiple(appends: StreamAppend[]): Promise<MultiStreamAppendResult> {
    const [result] = await this.appendBatch([appends]);
    if (result!.status === 'rejected') throw result!.reason;
    return result!.value;
  }

  async appendBatch(groups: StreamAppend[][]): Promise<PromiseSettledResult<MultiStreamAppendResult>[]> {
    if (groups.length === 0) return [];
    const values = toRows(groups);
    const rows = await this.pool.query<BatchRow>({ ...APPEND, values }).then(
      (result) => result.rows,
      async (error: unknown) => {
        if ((error as { code?: string }).code !== SETTLE_APART) throw error;
        return (await this.pool.query<BatchRow>({ ...APPEND_ROWS, values })).rows;
      },
    );
    this.announce();
    const byGroup = new Map<number, BatchRow[]>();
    for (const row of rows) byGroup.set(row.group_no, [...(byGroup.get(row.group_no) ?? []), row]);
    return groups.map((group, i) => settle(group, byGroup.get(i + 1) ?? []));
  }

  /**
   * The events and the revision come from one statement (one snapshot): read apart, an append
   * committing in between gave a revision ahead of the events, and a cache trusting it skipped an event.
   */
  async readStream(streamId: string, options: { fromRevision?: number; maxCount?: number } = {}): Promise<ReadStreamResult> {
    const { rows } = await this.pool.query<Partial<EventRow> & { head: string }>({
      ...READ_STREAM,
      values: [streamId, options.fromRevision ?? 0, options.maxCount ?? 1_000_000],
    });
    if (rows.length === 0) return { events: [], revision: -1 };
    const events = rows.filter((row) => row.event_id !== null && row.event_id !== undefined).map((row) => toRecorded(row as EventRow));
    return { events, revision: Number(rows[0]!.head) };
  }

  /**
   * Events after `after`, in commit order, only from transactions older than every one still in
   * flight (the snapshot guard), except `ownTransactions` (those the server shows under their
   * application name), which never store events and are passed. Named statements: every projection
   * and workflow batch reads the log, and planning the read each time cost the server about as
   * much as running it.
   */
  async readAll(options: { after?: string; maxCount?: number; ownTransactions?: { applicationName: string } } = {}): Promise<RecordedEvent[]> {
    const { tx, position } = decodePosition(options.after);
    const own = options.ownTransactions?.applicationName;
    const { rows } =
      own === undefined
        ? await this.pool.query<EventRow>({
            name: 'es_read_all',
            text: `SELECT ${COLUMNS} FROM es_events
              WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
                AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
              ORDER BY transaction_id, global_position LIMIT $3`,
            values: [tx, position, options.maxCount ?? 1000],
          })
        : await this.pool.query<EventRow>({
            // The oldest transaction in flight that is not shown as one of the reader's own, else the snapshot's xmax.
            name: 'es_read_all_own',
            text: `SELECT ${COLUMNS} FROM es_events
              WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
                AND transaction_id < (SELECT coalesce(min(x), pg_snapshot_xmax(pg_current_snapshot()))
                                        FROM pg_snapshot_xip(pg_current_snapshot()) AS x
                                       WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.backend_xid = xid(x) AND a.application_name = $4))
              ORDER BY transaction_id, global_position LIMIT $3`,
            values: [tx, position, options.maxCount ?? 1000, own],
          });
    return rows.map(toRecorded);
  }

  async headPosition(): Promise<string> {
    const { rows } = await this.pool.query<{ transaction_id: string; global_position: string }>(
      `SELECT transaction_id, global_position FROM es_events
        WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
    );
    return rows[0] ? encodePosition(rows[0].transaction_id, rows[0].global_position) : '';
  }

  async subscribe({ after = '', batchSize = 500, signal, onBatch, ownTransactions }: SubscribeOptions): Promise<void> {
    await this.listen();
    let position = after;
    while (!signal.aborted) {
      // A wake-up that arrives during the read or `onBatch` is not lost: the next read follows at once.
      const woken = this.wakeUps;
      const events = await this.readAll({ after: position, maxCount: batchSize, ...(ownTransactions ? { ownTransactions } : {}) });
      if (signal.aborted) return;
      if (events.length > 0) {
        await onBatch(events);
        position = events[events.length - 1]!.globalPosition;
      }
      if (events.length < batchSize && this.wakeUps === woken) await this.waitForAppend(signal);
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    if (this.wakeOwed) {
      this.wakeOwed = false;
      await this.pool.query(this.wake).catch(() => undefined);
    }
    for (const wake of this.wakers) wake();
    await this.listening?.catch(() => undefined);
    const listener = this.listener;
    this.listener = undefined;
    this.listening = undefined;
    if (listener) {
      await listener.query('UNLISTEN *').catch(() => undefined);
      listener.release();
    }
  }

  /** Wakes this process's subscribers now, and owes other processes' a NOTIFY (coalesced, see `notifyEveryMs`). */
  private announce(): void {
    this.wakeUps += 1;
    for (const wake of this.wakers) wake();
    this.owe();
  }

  /** Owes other processes a wake-up: a NOTIFY goes out once the last one is `notifyEveryMs` old (at once after a quiet spell). */
  private owe(): void {
    this.wakeOwed = true;
    if (this.wakeTimer) return;
    const delay = Math.max(0, this.quietUntil - performance.now());
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      if (this.takeOwedWake() === null) {
        if (this.wakeOwed) this.owe(); // still within the quiet time
        return;
      }
      this.pool.query(this.wake).catch(() => undefined); // a missed wake-up costs one poll interval, nothing more
    }, delay).unref();
  }

  /** The payload of the NOTIFY owed, if one is owed and may go out now; it counts as sent. */
  private takeOwedWake(): string | null {
    if (!this.wakeOwed || performance.now() < this.quietUntil) return null;
    this.wakeOwed = false;
    this.quietUntil = performance.now() + this.notifyEveryMs;
    return this.sender;
  }

  private listen(): Promise<void> {
    this.listening ??= this.openListener().catch((error: unknown) => {
      this.listening = undefined;
      throw error;
    });
    return this.listening;
  }

  private async openListener(): Promise<void> {
    this.listener = await listenOn(this.pool, 'es_appended', {
      onNotification: (message) => {
        if (message.payload === this.sender) return;
        this.wakeUps += 1;
        for (const wake of this.wakers) wake();
      },
      // The next subscriber opens another (polling covers the gap).
      onLost: (client) => {
        if (this.listener !== client) return false;
        this.listener = undefined;
        this.listening = undefined;
        return true;
      },
    });
  }

  private waitForAppend(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.pollIntervalMs);
      this.wakers.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

const settle = (group: StreamAppend[], rows: BatchRow[]): PromiseSettledResult<MultiStreamAppendResult> => {
  const conflict = rows.find((row) => row.outcome === 'conflict');
  if (conflict) {
    const expected = group.find((a) => a.streamId === conflict.stream)!.expected;
    return { status: 'rejected', reason: new WrongExpectedRevision(conflict.stream!, expected, Number(conflict.revision)) };
  }
  if (rows.some((row) => row.outcome === 'partial_duplicate')) return { status: 'rejected', reason: new DuplicateEventConflict(group[0]!.streamId) };
  const byStream = new Map(rows.map((row) => [row.stream!, row]));
  let last: BatchRow | undefined;
  for (const row of rows) {
    if (!last || BigInt(row.tx!) > BigInt(last.tx!) || (row.tx === last.tx && Number(row.last_position) > Number(last.last_position))) last = row;
  }
  return {
    status: 'fulfilled',
    value: {
      streams: group.map(({ streamId }) => ({ streamId, nextExpectedRevision: Number(byStream.get(streamId)!.revision) })),
      position: encodePosition(last!.tx!, last!.last_position!),
    },
  };
};
