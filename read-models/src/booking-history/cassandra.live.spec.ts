import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import type { BookingListQuery } from './port.ts';
import { CassandraBookingHistoryReader } from './cassandra.ts';
import { bookingHistoryCql, bookingHistoryTables, bookingWrites, type BookingHistoryDoc } from './cassandra-statements.ts';
import type { Park } from '../projection.ts';
import { cassandraSkipped, cassandraSuite } from '../testing/cassandra.ts';
import { bookingHistoryCassandra } from './cassandra-projection.ts';

const park: Park = async (_event, error) => {
  throw error;
};

let position = 0;
const streamOf = (bookingId: string) => {
  let revision = -1;
  return (type: string, data: Record<string, unknown>): RecordedEvent => ({
    eventId: randomUUID(),
    type,
    schemaVersion: 1,
    streamId: `booking-${bookingId}`,
    streamRevision: ++revision,
    globalPosition: String(++position).padStart(10, '0'),
    occurredAt: '2030-04-01T10:00:00.000Z',
    data: { bookingId, ...data },
    metadata: {},
  });
};

const requestedBy = (bookingId: string, guestId: string, hostId: string, listingId: string, checkIn: string, checkOut: string) => {
  const next = streamOf(bookingId);
  const requested = next('BookingRequested', {
    guestId,
    hostId,
    listingId,
    unitTypeId: `${listingId}-unit`,
    kind: 'rental',
    stay: { kind: 'nights', checkIn, checkOut },
    guests: 2,
    units: 1,
    total: { amount: 20_000, currency: 'EUR' },
    instantBook: true,
    at: '2030-04-01T10:00:00.000Z',
  });
  return { next, requested };
};

// Runs against the Cassandra the test setup starts, or the cluster CASSANDRA_CONTACT_POINTS names.
describe.skipIf(Boolean(cassandraSkipped))(`Cassandra booking history${cassandraSkipped}`, () => {
  const { client, keyspace } = cassandraSuite();
  const projection = bookingHistoryCassandra(client, keyspace);
  const reader = new CassandraBookingHistoryReader(client, { keyspace, fetchSize: 2 });
  const now = new Date('2030-05-10T12:00:00.000Z');
  const list = (scope: BookingListQuery['scope'], page = 1, pageSize = 10, listingId?: string): BookingListQuery => ({
    scope,
    now,
    page,
    pageSize,
    ...(listingId ? { listingId } : {}),
  });
  const ids = (page: { items: { bookingId: string }[] }) => page.items.map((b) => b.bookingId);

  const old = requestedBy('b-old', 'g1', 'h1', 'l1', '2030-03-01', '2030-03-05');
  const ongoing = requestedBy('b-ongoing', 'g1', 'h1', 'l1', '2030-05-08', '2030-05-12');
  const next = requestedBy('b-next', 'g1', 'h1', 'l2', '2030-05-20', '2030-05-22');
  const tie = requestedBy('a-next', 'g1', 'h1', 'l1', '2030-05-20', '2030-05-21');
  const cancelled = requestedBy('b-cancelled', 'g1', 'h1', 'l1', '2030-06-01', '2030-06-02');
  const moved = requestedBy('b-moved', 'g2', 'h1', 'l1', '2030-05-25', '2030-05-26');
  const cancel = cancelled.next('BookingCancelled', {
    by: 'g1',
    byRole: 'guest',
    refund: { amount: 0, currency: 'EUR' },
    reason: '',
    at: '2030-04-02T00:00:00.000Z',
  });
  const move = moved.next('BookingModified', {
    stay: { kind: 'nights', checkIn: '2030-07-01', checkOut: '2030-07-03' },
    guests: 2,
    units: 1,
    total: { amount: 40_000, currency: 'EUR' },
    at: '2030-04-03T00:00:00.000Z',
  });

  beforeAll(async () => {
    expect(await projection.prepare('booking_history')).toBe(false);
    expect(await projection.prepare('booking_history')).toBe(true);
    await projection.applyBatch(
      [old, ongoing, next, tie, cancelled].map((b) => b.requested),
      'booking_history',
      park,
    );
    await projection.applyBatch([moved.requested, cancel, move], 'booking_history', park);
  });

  it('gets a booking by id', async () => {
    expect(await reader.get('b-cancelled')).toMatchObject({ bookingId: 'b-cancelled', status: 'cancelled', guestId: 'g1', hostId: 'h1' });
    expect(await reader.get('nope')).toBeUndefined();
  });

  it('lists a guest by scope and order like the PostgreSQL reader', async () => {
    expect(ids(await reader.byGuest('g1', list('all')))).toEqual(['b-cancelled', 'a-next', 'b-next', 'b-ongoing', 'b-old']);
    expect(ids(await reader.byGuest('g1', list('current')))).toEqual(['b-ongoing', 'a-next', 'b-next']);
    expect(ids(await reader.byGuest('g1', list('past')))).toEqual(['b-cancelled', 'b-old']);
    expect(ids(await reader.byGuest('g1', list('all', 1, 10, 'l2')))).toEqual(['b-next']);
  });

  it('pages through the partition with hasMore', async () => {
    const first = await reader.byHost('h1', list('all', 1, 2));
    const second = await reader.byHost('h1', list('all', 2, 2));
    const third = await reader.byHost('h1', list('all', 3, 2));
    expect([first.hasMore, second.hasMore, third.hasMore]).toEqual([true, true, false]);
    expect([...ids(first), ...ids(second), ...ids(third)]).toEqual(['b-moved', 'b-cancelled', 'a-next', 'b-next', 'b-ongoing', 'b-old']);
  });

  it('lists a moved booking once, at its new start', async () => {
    const host = await reader.byHost('h1', list('current'));
    expect(host.items.filter((b) => b.bookingId === 'b-moved').map((b) => b.start)).toEqual(['2030-07-01T15:00:00.000Z']);
    expect(ids(await reader.byGuest('g2', list('all')))).toEqual(['b-moved']);
  });

  it('ignores redelivered events and an older state written late', async () => {
    const before = await reader.get('b-moved');
    await projection.applyBatch([moved.requested, cancel, move], 'booking_history', park);
    expect(await reader.get('b-moved')).toEqual(before);

    const cql = bookingHistoryCql(bookingHistoryTables(keyspace));
    const stale = {
      ...(before as BookingHistoryDoc),
      revision: 0,
      start: '2030-05-25T15:00:00.000Z',
      end: '2030-05-26T11:00:00.000Z',
      status: 'awaiting_payment',
    };
    await client.batch(bookingWrites(cql, stale), { prepare: true, logged: true });
    expect(await reader.get('b-moved')).toEqual(before);
    expect(ids(await reader.byGuest('g2', list('all')))).toEqual(['b-moved']);
  });
});
