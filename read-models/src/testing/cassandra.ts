import { randomUUID } from 'node:crypto';
import { Client } from 'cassandra-driver';
import { afterAll, beforeAll } from 'vitest';
import type { BookingHistoryDoc } from '../booking-history/cassandra-statements.ts';
import type { CqlClient, CqlOptions, CqlRow, CqlStatement } from '../cassandra.ts';

/**
 * For tests: the Cassandra the test setup starts (or the cluster `CASSANDRA_CONTACT_POINTS` names),
 * a keyspace of one's own on it, and a recorder around the real client that keeps what was sent.
 */
const contactPoints = process.env.CASSANDRA_CONTACT_POINTS;

/** '' when a Cassandra answers, else ` (skipped: <why>)` for a suite's name. */
export const cassandraSkipped = contactPoints ? '' : ` (skipped: ${process.env.CASSANDRA_CONTACT_POINTS_MISSING ?? 'set CASSANDRA_CONTACT_POINTS'})`;

const connectCassandra = (): Client =>
  new Client({ contactPoints: (contactPoints ?? '127.0.0.1').split(','), localDataCenter: process.env.CASSANDRA_LOCAL_DC ?? 'datacenter1' });

/** A keyspace name no other test file uses. */
export const freshKeyspace = (): string => `test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;

/** Inside a describe: a client connected before its tests, and a keyspace of its own dropped after them. */
export const cassandraSuite = (): { client: Client; keyspace: string } => {
  const client = connectCassandra();
  const keyspace = freshKeyspace();
  beforeAll(() => client.connect());
  afterAll(async () => {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
    await client.shutdown();
  });
  return { client, keyspace };
};

export type RecordingCassandra = CqlClient & {
  executed: { query: string; params: unknown[]; options: CqlOptions }[];
  batches: { queries: CqlStatement[]; options: CqlOptions }[];
  /** Serves an old snapshot to reads by primary key, as a writer that read before others wrote would see. */
  readById?: (id: string) => CqlRow[] | undefined;
  /** Every row of a table, as the server returns them (clustering order within a partition). */
  rows(table: string): Promise<CqlRow[]>;
};

const BY_ID_READ = /^SELECT doc FROM \S+_by_id\S* WHERE \w+ = \?$/;

/** The real client, recording each statement and batch it is given before sending it on. */
export const recording = (client: Client): RecordingCassandra => {
  const recorder: RecordingCassandra = {
    executed: [],
    batches: [],
    async execute(query, params, options) {
      recorder.executed.push({ query, params, options });
      const stale = BY_ID_READ.test(query) ? recorder.readById?.(String(params[0])) : undefined;
      if (stale) return { rows: stale };
      return client.execute(query, params, options);
    },
    async batch(queries, options) {
      recorder.batches.push({ queries, options });
      return client.batch(queries, options);
    },
    async rows(table) {
      return (await client.execute(`SELECT * FROM ${table}`, [], { prepare: false })).rows.map((row) => ({ ...row }));
    },
  };
  return recorder;
};

export const bookingDoc = (overrides: Partial<BookingHistoryDoc> = {}): BookingHistoryDoc => ({
  bookingId: 'b1',
  guestId: 'g1',
  hostId: 'h1',
  listingId: 'l1',
  unitTypeId: 'u1',
  kind: 'rental',
  stay: { kind: 'nights', checkIn: '2030-05-01', checkOut: '2030-05-04' },
  start: '2030-05-01T15:00:00.000Z',
  end: '2030-05-04T11:00:00.000Z',
  guests: 2,
  units: 1,
  total: { amount: 30_000, currency: 'EUR' },
  paid: { amount: 0, currency: 'EUR' },
  refunded: { amount: 0, currency: 'EUR' },
  status: 'awaiting_approval',
  timeline: [{ type: 'BookingRequested', at: '2030-04-01T10:00:00.000Z' }],
  revision: 0,
  createdAt: '2030-04-01T10:00:00.000Z',
  updatedAt: '2030-04-01T10:00:00.000Z',
  ...overrides,
});
