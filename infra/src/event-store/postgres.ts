import type { Pool, PoolClient } from 'pg';
import pg from 'pg';
import {
  DuplicateEventConflict,
  WrongExpectedRevision,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadStreamResult,
  type RecordedEvent,
  type SubscribeOptions,
} from './port.ts';
import { migrateEventStore } from '../postgres/schema.ts';

/**
 * Global positions here are `transactionId-sequence`, each zero-padded to 20 digits, read in that
 * order and only below the oldest transaction still running. A sequence number is drawn before
 * commit, so a transaction that commits late may hold a lower number than one already read; the
 * transaction id guard never lets a reader pass it (see DESIGN §7).
 */
const PAD = 20;
export const encodePosition = (tx: string | number, position: string | number): string =>
  `${String(tx).padStart(PAD, '0')}-${String(position).padStart(PAD, '0')}`;
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

const expectation = (expected: ExpectedRevision): [kind: string, revision: number] =>
  typeof expected === 'number' ? ['exact', expected] : [expected, -1];

export type PostgresEventStoreOptions = { pollIntervalMs?: number };

export class PostgresEventStore implements EventStore {
  private listener: PoolClient | undefined;
  /** The one LISTEN connection being opened: subscribers that start together share it (else each leaks one, and `pool.end()` never returns). */
  private listening: Promise<void> | undefined;
  private readonly wakers = new Set<() => void>();
  private readonly pollIntervalMs: number;

  constructor(
    private readonly pool: Pool,
    options: PostgresEventStoreOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
  }

  static async create(pool: Pool, options?: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    await migrateEventStore(pool);
    return new PostgresEventStore(pool, options);
  }

  async append(streamId: string, events: EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const [kind, revision] = expectation(expected);
    try {
      const { rows } = await this.pool.query<{ next_revision: string; last_position: string; tx: string }>(
        'SELECT next_revision, last_position, tx FROM es_append($1, $2, $3, $4)',
        [streamId, kind, revision, JSON.stringify(events)],
      );
      const row = rows[0]!;
      return { nextExpectedRevision: Number(row.next_revision), position: encodePosition(row.tx, row.last_position) };
    } catch (error) {
      if (error instanceof pg.DatabaseError && error.code === 'ES409') {
        throw new WrongExpectedRevision(streamId, expected, Number(error.message));
      }
      if (error instanceof pg.DatabaseError && error.code === 'ES422') throw new DuplicateEventConflict(streamId);
      if (error instanceof pg.DatabaseError && error.code === '23505' && kind === 'no_stream') {
        throw new WrongExpectedRevision(streamId, expected, 0);
      }
      throw error;
    }
  }

  /**
   * The events and the revision come from one statement (one snapshot): read apart, an append
   * committing in between gave a revision ahead of the events, and a cache trusting it skipped an event.
   */
  async readStream(streamId: string, options: { fromRevision?: number; maxCount?: number } = {}): Promise<ReadStreamResult> {
    const { rows } = await this.pool.query<Partial<EventRow> & { head: string }>(
      `SELECT s.revision AS head, e.*
         FROM es_streams s
         LEFT JOIN LATERAL (
           SELECT ${COLUMNS} FROM es_events
            WHERE stream_id = s.stream_id AND stream_revision >= $2
            ORDER BY stream_revision LIMIT $3) e ON true
        WHERE s.stream_id = $1`,
      [streamId, options.fromRevision ?? 0, options.maxCount ?? 1_000_000],
    );
    if (rows.length === 0) return { events: [], revision: -1 };
    const events = rows.filter((row) => row.event_id !== null && row.event_id !== undefined).map((row) => toRecorded(row as EventRow));
    return { events, revision: Number(rows[0]!.head) };
  }

  async readAll(options: { after?: string; maxCount?: number } = {}): Promise<RecordedEvent[]> {
    const { tx, position } = decodePosition(options.after);
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${COLUMNS} FROM es_events
        WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id, global_position LIMIT $3`,
      [tx, position, options.maxCount ?? 1000],
    );
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

  async subscribe({ after = '', batchSize = 500, signal, onBatch }: SubscribeOptions): Promise<void> {
    await this.listen();
    let position = after;
    while (!signal.aborted) {
      const events = await this.readAll({ after: position, maxCount: batchSize });
      if (signal.aborted) return;
      if (events.length > 0) {
        await onBatch(events);
        position = events[events.length - 1]!.globalPosition;
      }
      if (events.length < batchSize) await this.waitForAppend(signal);
    }
  }

  async close(): Promise<void> {
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

  private listen(): Promise<void> {
    this.listening ??= this.openListener().catch((error: unknown) => {
      this.listening = undefined;
      throw error;
    });
    return this.listening;
  }

  private async openListener(): Promise<void> {
    const client = await this.pool.connect();
    client.on('notification', () => {
      for (const wake of this.wakers) wake();
    });
    client.on('error', (error) => {
      // A broken connection goes back to the pool to be discarded; the next subscriber opens another (polling covers the gap).
      if (this.listener !== client) return;
      this.listener = undefined;
      this.listening = undefined;
      client.release(error);
    });
    try {
      await client.query('LISTEN es_appended');
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    this.listener = client;
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
