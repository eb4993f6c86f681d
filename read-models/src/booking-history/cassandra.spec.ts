import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bookingDoc, cassandraSkipped, cassandraSuite, freshKeyspace, recording } from '../testing/cassandra.ts';
import { bookingHistoryCql, bookingHistoryTables, bookingWrites, type BookingHistoryDoc } from './cassandra-statements.ts';
import { LOCAL_QUORUM, tableExists } from '../cassandra.ts';
import { CassandraBookingHistoryReader, migrateBookingHistory } from './cassandra.ts';
import type { BookingListQuery } from './port.ts';

const now = new Date('2030-05-10T12:00:00.000Z');
const nights = (bookingId: string, checkIn: string, checkOut: string, extra: Partial<BookingHistoryDoc> = {}) =>
  bookingDoc({
    bookingId,
    status: 'confirmed',
    stay: { kind: 'nights', checkIn, checkOut },
    start: `${checkIn}T15:00:00.000Z`,
    end: `${checkOut}T11:00:00.000Z`,
    ...extra,
  });

const history = [
  nights('b-old', '2030-03-01', '2030-03-05'),
  nights('b-ongoing', '2030-05-08', '2030-05-12'),
  nights('b-next', '2030-05-20', '2030-05-22', { listingId: 'l2' }),
  nights('a-next', '2030-05-20', '2030-05-21'),
  nights('b-later', '2030-07-01', '2030-07-03', { status: 'awaiting_payment' }),
  nights('b-cancelled', '2030-06-01', '2030-06-02', { status: 'cancelled' }),
  nights('b-other-guest', '2030-05-15', '2030-05-16', { guestId: 'g2' }),
  nights('b-other-host', '2030-05-16', '2030-05-17', { hostId: 'h2', guestId: 'g3' }),
];

const list = (scope: BookingListQuery['scope'], page = 1, pageSize = 10, listingId?: string): BookingListQuery => ({
  scope,
  now,
  page,
  pageSize,
  ...(listingId ? { listingId } : {}),
});
const idsOf = (page: { items: { bookingId: string }[] }) => page.items.map((b) => b.bookingId);

// The request shapes (statements, consistency, paging) recorded on their way to a real Cassandra.
describe.skipIf(Boolean(cassandraSkipped))(`booking history on Cassandra: statements and reads${cassandraSkipped}`, () => {
  const { client, keyspace } = cassandraSuite();
  const cassandra = recording(client);
  const write = async (target: string, docs: BookingHistoryDoc[]) => {
    const cql = bookingHistoryCql(bookingHistoryTables(keyspace, target));
    for (const doc of docs) await cassandra.batch(bookingWrites(cql, doc), { prepare: true, logged: true });
  };
  const reader = (options: { fetchSize?: number; target?: string } = {}) =>
    new CassandraBookingHistoryReader(cassandra, {
      keyspace,
      fetchSize: options.fetchSize ?? 2,
      ...(options.target ? { target: async () => options.target! } : {}),
    });

  beforeAll(async () => {
    await migrateBookingHistory(cassandra, keyspace);
    await write('booking_history', history);
  });
  beforeEach(() => {
    cassandra.executed.length = 0;
  });

  it('migrate creates the keyspace and the three tables, unprepared, and says whether they were there', async () => {
    const other = freshKeyspace();
    try {
      expect(await migrateBookingHistory(cassandra, other, 'booking_history_r2', { class: 'NetworkTopologyStrategy', datacenter1: 1 })).toBe(false);
      expect(cassandra.executed.map((e) => [e.query.split(' (')[0], e.options])).toEqual([
        ['SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', { prepare: true }],
        [`CREATE KEYSPACE IF NOT EXISTS ${other} WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': 1}`, { prepare: false }],
        [`CREATE TABLE IF NOT EXISTS ${other}.bookings_by_id_r2`, { prepare: false }],
        [`CREATE TABLE IF NOT EXISTS ${other}.bookings_by_guest_r2`, { prepare: false }],
        [`CREATE TABLE IF NOT EXISTS ${other}.bookings_by_host_r2`, { prepare: false }],
      ]);
      expect(cassandra.executed[0]!.params).toEqual([other, 'bookings_by_id_r2']);
      expect(await tableExists(cassandra, `${other}.bookings_by_host_r2`)).toBe(true);
      expect(await migrateBookingHistory(cassandra, other, 'booking_history_r2')).toBe(true);
    } finally {
      await client.execute(`DROP KEYSPACE IF EXISTS ${other}`);
    }
  });

  it('gets one booking by id with a prepared LOCAL_QUORUM read, without its revision', async () => {
    const booking = await reader().get('b-next');
    expect(booking).toMatchObject({ bookingId: 'b-next', listingId: 'l2', start: '2030-05-20T15:00:00.000Z' });
    expect(booking).not.toHaveProperty('revision');
    expect(cassandra.executed[0]).toMatchObject({
      query: `SELECT doc FROM ${keyspace}.bookings_by_id WHERE booking_id = ?`,
      params: ['b-next'],
      options: { prepare: true, consistency: LOCAL_QUORUM },
    });
    expect(await reader().get('missing')).toBeUndefined();
  });

  it('lists all of a guest newest first, ties by id, and pages with hasMore', async () => {
    const all = await reader().byGuest('g1', list('all'));
    expect(idsOf(all)).toEqual(['b-later', 'b-cancelled', 'a-next', 'b-next', 'b-ongoing', 'b-old']);
    expect(all.hasMore).toBe(false);
    const second = await reader().byGuest('g1', list('all', 2, 4));
    expect(idsOf(second)).toEqual(['b-ongoing', 'b-old']);
    expect(second).toMatchObject({ page: 2, pageSize: 4, hasMore: false });
    expect(await reader().byGuest('g1', list('all', 1, 5))).toMatchObject({ hasMore: true });
  });

  it('stops reading the partition once the page and one more are found', async () => {
    const page = await reader({ fetchSize: 2 }).byHost('h1', list('all', 1, 2));
    expect(idsOf(page)).toEqual(['b-later', 'b-cancelled']);
    expect(page.hasMore).toBe(true);
    expect(cassandra.executed.map((e) => [e.query, typeof e.options.pageState, e.options.fetchSize])).toEqual([
      [`SELECT doc FROM ${keyspace}.bookings_by_host WHERE host_id = ?`, 'undefined', 2],
      [`SELECT doc FROM ${keyspace}.bookings_by_host WHERE host_id = ?`, 'string', 2],
    ]);
  });

  it('lists past bookings (over, or ended without a stay) newest first', async () => {
    expect(idsOf(await reader().byGuest('g1', list('past')))).toEqual(['b-cancelled', 'b-old']);
  });

  it('lists current bookings soonest first from the window of the longest stay', async () => {
    const current = await reader().byGuest('g1', list('current'));
    expect(idsOf(current)).toEqual(['b-ongoing', 'a-next', 'b-next', 'b-later']);
    expect(cassandra.executed[0]).toMatchObject({
      query: `SELECT doc FROM ${keyspace}.bookings_by_guest WHERE guest_id = ? AND start_at > ?`,
      params: ['g1', new Date('2030-03-09T12:00:00.000Z')],
    });
    expect(idsOf(await reader().byGuest('g1', list('current', 2, 3)))).toEqual(['b-later']);
    expect(await reader().byGuest('g1', list('current', 1, 3))).toMatchObject({ hasMore: true });
  });

  it('lists a host its bookings, optionally of one listing', async () => {
    expect(idsOf(await reader().byHost('h1', list('current')))).toEqual(['b-ongoing', 'b-other-guest', 'a-next', 'b-next', 'b-later']);
    expect(idsOf(await reader().byHost('h1', list('all', 1, 10, 'l2')))).toEqual(['b-next']);
    expect(idsOf(await reader().byHost('h2', list('all')))).toEqual(['b-other-host']);
  });

  it('reads the tables of the live target', async () => {
    await migrateBookingHistory(cassandra, keyspace, 'booking_history_r3');
    await write('booking_history_r3', history.slice(-2));
    cassandra.executed.length = 0;
    expect(idsOf(await reader({ target: 'booking_history_r3' }).byGuest('g2', list('all')))).toEqual(['b-other-guest']);
    expect(cassandra.executed[0]!.query).toBe(`SELECT doc FROM ${keyspace}.bookings_by_guest_r3 WHERE guest_id = ?`);
    expect(idsOf(await reader({ target: 'booking_history_r3' }).byGuest('g1', list('all')))).toEqual([]);
  });
});
