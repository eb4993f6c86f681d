import { describe, expect, it } from 'vitest';
import {
  bookingHistoryCql,
  bookingHistoryTables,
  bookingWrites,
  byStartThenId,
  createTablesCql,
  currentWindowStart,
  dropTablesCql,
  inScope,
  parseBookingDoc,
  toBookingView,
} from './cassandra-statements.ts';
import { createKeyspaceCql, writeTimestamp } from '../cassandra.ts';
import { bookingDoc } from '../testing/cassandra.ts';

describe('booking history tables', () => {
  it('are named per target so that a rebuild fills fresh tables beside the live ones', () => {
    expect(bookingHistoryTables('stayhub')).toEqual({
      keyspace: 'stayhub',
      byId: 'stayhub.bookings_by_id',
      byGuest: 'stayhub.bookings_by_guest',
      byHost: 'stayhub.bookings_by_host',
    });
    expect(bookingHistoryTables('stayhub', 'booking_history_r2').byGuest).toBe('stayhub.bookings_by_guest_r2');
    expect(bookingHistoryTables('stayhub', 'scratch').byHost).toBe('stayhub.bookings_by_host_scratch');
  });

  it('refuse names that are not plain CQL identifiers', () => {
    expect(() => bookingHistoryTables('stay-hub')).toThrow(/identifier/);
    expect(() => bookingHistoryTables('stayhub', 'booking_history; DROP')).toThrow(/identifier/);
    expect(() => bookingHistoryTables('Stayhub')).toThrow(/identifier/);
  });

  it('are created partitioned by user and clustered newest first', () => {
    const t = bookingHistoryTables('stayhub');
    const [byId, byGuest, byHost] = createTablesCql(t);
    expect(byId).toContain('CREATE TABLE IF NOT EXISTS stayhub.bookings_by_id (');
    expect(byId).toContain('booking_id text PRIMARY KEY');
    expect(byGuest).toContain('PRIMARY KEY ((guest_id), start_at, booking_id)');
    expect(byGuest).toContain('WITH CLUSTERING ORDER BY (start_at DESC, booking_id ASC)');
    expect(byHost).toContain('CREATE TABLE IF NOT EXISTS stayhub.bookings_by_host (');
    expect(byHost).toContain('PRIMARY KEY ((host_id), start_at, booking_id)');
    expect(dropTablesCql(t)).toEqual([
      'DROP TABLE IF EXISTS stayhub.bookings_by_id',
      'DROP TABLE IF EXISTS stayhub.bookings_by_guest',
      'DROP TABLE IF EXISTS stayhub.bookings_by_host',
    ]);
  });

  it('live in a keyspace with the replication asked for', () => {
    expect(createKeyspaceCql('stayhub')).toBe("CREATE KEYSPACE IF NOT EXISTS stayhub WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    expect(createKeyspaceCql('stayhub', { class: 'NetworkTopologyStrategy', 'eu-west': 3 })).toBe(
      "CREATE KEYSPACE IF NOT EXISTS stayhub WITH replication = {'class': 'NetworkTopologyStrategy', 'eu-west': 3}",
    );
  });
});

describe('bookingWrites', () => {
  const cql = bookingHistoryCql(bookingHistoryTables('stayhub'));

  it('upserts the three tables at the revision-derived timestamp', () => {
    const doc = bookingDoc({ revision: 4, status: 'confirmed', updatedAt: '2030-04-02T09:00:00.000Z' });
    const json = JSON.stringify(doc);
    const start = new Date('2030-05-01T15:00:00.000Z');
    const end = new Date('2030-05-04T11:00:00.000Z');
    expect(writeTimestamp(4)).toBe(5);
    expect(bookingWrites(cql, doc)).toEqual([
      {
        query:
          'INSERT INTO stayhub.bookings_by_id (booking_id, guest_id, host_id, listing_id, status, start_at, end_at, revision, doc, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?',
        params: ['b1', 'g1', 'h1', 'l1', 'confirmed', start, end, 4, json, new Date('2030-04-02T09:00:00.000Z'), 5],
      },
      {
        query:
          'INSERT INTO stayhub.bookings_by_guest (guest_id, start_at, booking_id, listing_id, status, end_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?',
        params: ['g1', start, 'b1', 'l1', 'confirmed', end, json, 5],
      },
      {
        query:
          'INSERT INTO stayhub.bookings_by_host (host_id, start_at, booking_id, listing_id, status, end_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?',
        params: ['h1', start, 'b1', 'l1', 'confirmed', end, json, 5],
      },
    ]);
  });

  it('deletes the list rows of every start the booking moved away from, at the same timestamp', () => {
    const doc = bookingDoc({ revision: 6, start: '2030-06-01T15:00:00.000Z', end: '2030-06-03T11:00:00.000Z' });
    const writes = bookingWrites(cql, doc, ['2030-05-01T15:00:00.000Z', '2030-05-20T15:00:00.000Z', '2030-06-01T15:00:00.000Z', '2030-05-01T15:00:00Z']);
    expect(writes.slice(3)).toEqual([
      {
        query: 'DELETE FROM stayhub.bookings_by_guest USING TIMESTAMP ? WHERE guest_id = ? AND start_at = ? AND booking_id = ?',
        params: [7, 'g1', new Date('2030-05-01T15:00:00.000Z'), 'b1'],
      },
      {
        query: 'DELETE FROM stayhub.bookings_by_host USING TIMESTAMP ? WHERE host_id = ? AND start_at = ? AND booking_id = ?',
        params: [7, 'h1', new Date('2030-05-01T15:00:00.000Z'), 'b1'],
      },
      {
        query: 'DELETE FROM stayhub.bookings_by_guest USING TIMESTAMP ? WHERE guest_id = ? AND start_at = ? AND booking_id = ?',
        params: [7, 'g1', new Date('2030-05-20T15:00:00.000Z'), 'b1'],
      },
      {
        query: 'DELETE FROM stayhub.bookings_by_host USING TIMESTAMP ? WHERE host_id = ? AND start_at = ? AND booking_id = ?',
        params: [7, 'h1', new Date('2030-05-20T15:00:00.000Z'), 'b1'],
      },
    ]);
  });
});

describe('rows and scopes', () => {
  it('reads a stored document back and hides its revision from the view', () => {
    const doc = bookingDoc({ revision: 3 });
    const parsed = parseBookingDoc({ doc: JSON.stringify(doc) });
    expect(parsed).toEqual(doc);
    const { revision: _revision, ...view } = doc;
    expect(toBookingView(parsed)).toEqual(view);
    expect(toBookingView(parsed)).not.toHaveProperty('revision');
  });

  const now = new Date('2030-05-02T12:00:00.000Z');
  it.each([
    ['upcoming', bookingDoc({ status: 'confirmed', start: '2030-06-01T15:00:00.000Z', end: '2030-06-03T11:00:00.000Z' }), { current: true, past: false }],
    ['ongoing', bookingDoc({ status: 'confirmed' }), { current: true, past: false }],
    ['over', bookingDoc({ status: 'confirmed', end: '2030-05-02T11:00:00.000Z' }), { current: false, past: true }],
    [
      'cancelled ahead',
      bookingDoc({ status: 'cancelled', start: '2030-06-01T15:00:00.000Z', end: '2030-06-03T11:00:00.000Z' }),
      { current: false, past: true },
    ],
    ['declined', bookingDoc({ status: 'declined' }), { current: false, past: true }],
  ])('puts an %s booking in the scope PostgreSQL does', (_name, doc, expected) => {
    expect(inScope(doc, 'current', now)).toBe(expected.current);
    expect(inScope(doc, 'past', now)).toBe(expected.past);
    expect(inScope(doc, 'all', now)).toBe(true);
  });

  it('looks back far enough for the longest stay to still be current', () => {
    const window = currentWindowStart(now);
    expect(now.getTime() - window.getTime()).toBe(62 * 86_400_000);
  });

  it('orders current bookings by start, then id', () => {
    const a = bookingDoc({ bookingId: 'b', start: '2030-05-01T15:00:00.000Z' });
    const b = bookingDoc({ bookingId: 'a', start: '2030-05-01T15:00:00.000Z' });
    const c = bookingDoc({ bookingId: 'c', start: '2030-04-30T15:00:00.000Z' });
    expect([a, b, c].sort(byStartThenId).map((d) => d.bookingId)).toEqual(['c', 'a', 'b']);
  });
});
