import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { tableExists } from '../cassandra.ts';
import { CassandraBookingHistoryReader } from './cassandra.ts';
import { cassandraSkipped, cassandraSuite, recording } from '../testing/cassandra.ts';
import type { Park } from '../projection.ts';
import { applyToCassandra, bookingHistoryCassandra } from './cassandra-projection.ts';

const park: Park = async (_event, error) => {
  throw error;
};

const stream = (bookingId: string) => {
  let revision = -1;
  return (type: string, data: Record<string, unknown>): RecordedEvent => {
    revision += 1;
    return {
      eventId: `${bookingId}-${revision}`,
      type,
      schemaVersion: 1,
      streamId: `booking-${bookingId}`,
      streamRevision: revision,
      globalPosition: `${bookingId}-${String(revision).padStart(4, '0')}`,
      occurredAt: '2030-04-01T10:00:00.000Z',
      data: { bookingId, ...data },
      metadata: {},
    };
  };
};

const stayOf = (checkIn: string, checkOut: string) => ({ kind: 'nights', checkIn, checkOut });
const euros = (amount: number) => ({ amount, currency: 'EUR' });

const b1 = stream('b1');
const requested = b1('BookingRequested', {
  guestId: 'g1',
  hostId: 'h1',
  listingId: 'l1',
  unitTypeId: 'u1',
  kind: 'rental',
  stay: stayOf('2030-05-01', '2030-05-04'),
  guests: 2,
  units: 1,
  total: euros(30_000),
  instantBook: false,
  at: '2030-04-01T10:00:00.000Z',
});
const approved = b1('BookingApproved', { by: 'h1', at: '2030-04-01T11:00:00.000Z' });
const movedOnce = b1('BookingModified', {
  stay: stayOf('2030-05-10', '2030-05-12'),
  guests: 2,
  units: 1,
  total: euros(20_000),
  at: '2030-04-02T10:00:00.000Z',
});
const movedTwice = b1('BookingModified', {
  stay: stayOf('2030-06-01', '2030-06-03'),
  guests: 2,
  units: 1,
  total: euros(20_000),
  at: '2030-04-03T10:00:00.000Z',
});

// Each test writes to a target (tables) of its own in one keyspace on the real Cassandra.
describe.skipIf(Boolean(cassandraSkipped))(`applyToCassandra${cassandraSkipped}`, () => {
  const { client, keyspace } = cassandraSuite();
  let targets = 0;

  const setup = async () => {
    const cassandra = recording(client);
    const n = ++targets;
    const target = `booking_history_t${n}`;
    const projection = bookingHistoryCassandra(cassandra, keyspace);
    await projection.prepare(target);
    const reader = new CassandraBookingHistoryReader(cassandra, { keyspace, target: async () => target });
    const guestList = async () =>
      (await reader.byGuest('g1', { scope: 'all', now: new Date('2030-04-05T00:00:00.000Z'), page: 1, pageSize: 10 })).items.map((b) => [
        b.bookingId,
        b.start,
        b.status,
      ]);
    const table = (name: 'id' | 'guest' | 'host') => `${keyspace}.bookings_by_${name}_t${n}`;
    return { cassandra, projection, reader, guestList, target, table };
  };

  it('writes a booking to the three tables in one logged batch at its revision timestamp', async () => {
    const { cassandra, projection, reader, guestList, target, table } = await setup();
    await projection.applyBatch([requested, approved], target, park);
    expect(cassandra.batches).toHaveLength(1);
    expect(cassandra.batches[0]!.options).toMatchObject({ prepare: true, logged: true });
    expect(cassandra.batches[0]!.queries.every((q) => q.params.includes(2))).toBe(true);
    expect(await reader.get('b1')).toMatchObject({ status: 'awaiting_payment', timeline: [{ type: 'BookingRequested' }, { type: 'BookingApproved' }] });
    expect(await guestList()).toEqual([['b1', '2030-05-01T15:00:00.000Z', 'awaiting_payment']]);
    expect(await cassandra.rows(table('host'))).toHaveLength(1);
  });

  it('writes nothing when the same events come again', async () => {
    const { cassandra, projection, reader, target } = await setup();
    await projection.applyBatch([requested, approved], target, park);
    const before = await reader.get('b1');
    await projection.applyBatch([requested, approved], target, park);
    await projection.applyBatch([approved], target, park);
    expect(cassandra.batches).toHaveLength(1);
    expect(await reader.get('b1')).toEqual(before);
  });

  it('moves the list rows when the stay moves, so the booking is listed once', async () => {
    const { cassandra, projection, guestList, target, table } = await setup();
    await projection.applyBatch([requested], target, park);
    await projection.applyBatch([approved, movedOnce], target, park);
    expect(await guestList()).toEqual([['b1', '2030-05-10T15:00:00.000Z', 'awaiting_payment']]);
    expect((await cassandra.rows(table('host'))).map((row) => (row.start_at as Date).toISOString())).toEqual(['2030-05-10T15:00:00.000Z']);
  });

  it('lets a stale writer neither bring back an older state nor leave a row behind', async () => {
    const { cassandra, projection, reader, guestList, target, table } = await setup();
    await projection.applyBatch([requested], target, park);
    const snapshot = (await cassandra.rows(table('id'))).map((row) => ({ doc: row.doc }));
    await projection.applyBatch([approved, movedOnce], target, park);

    // A consumer that lost its partition still read the booking at revision 0 and now writes.
    cassandra.readById = () => snapshot;
    await applyToCassandra(cassandra, keyspace, target, [approved]);
    cassandra.readById = undefined;
    expect(await reader.get('b1')).toMatchObject({ start: '2030-05-10T15:00:00.000Z', timeline: { length: 3 } });
    expect(await guestList()).toEqual([['b1', '2030-05-10T15:00:00.000Z', 'awaiting_payment']]);

    // Same stale read, but it goes further: the stay it passes through is cleaned up too.
    cassandra.readById = () => snapshot;
    await applyToCassandra(cassandra, keyspace, target, [approved, movedOnce, movedTwice]);
    cassandra.readById = undefined;
    expect(await guestList()).toEqual([['b1', '2030-06-01T15:00:00.000Z', 'awaiting_payment']]);
    expect(await cassandra.rows(table('host'))).toHaveLength(1);
  });

  it('keeps bookings apart and ignores events it does not handle', async () => {
    const { cassandra, projection, target, table } = await setup();
    const b2 = stream('b2');
    const other = b2('BookingRequested', { ...(requested.data as Record<string, unknown>), bookingId: 'b2', guestId: 'g2' });
    await projection.applyBatch([requested, other, b2('ListingCreated', {})], target, park);
    expect((await cassandra.rows(table('id'))).map((row) => row.booking_id).sort()).toEqual(['b1', 'b2']);
    expect(cassandra.batches).toHaveLength(2);
  });

  it('parks an event it cannot evolve and applies the rest of the booking', async () => {
    const { projection, reader, target } = await setup();
    const b3 = stream('b3');
    const start = b3('BookingRequested', { ...(requested.data as Record<string, unknown>), bookingId: 'b3' });
    const broken = b3('BookingPaid', { paymentId: 'p1', at: '2030-04-01T12:00:00.000Z' });
    const approve = b3('BookingApproved', { by: 'h1', at: '2030-04-01T13:00:00.000Z' });
    const parked: string[] = [];
    await projection.applyBatch([start, broken, approve], target, async (event) => void parked.push(event.eventId));
    expect(parked).toEqual([broken.eventId]);
    expect(await reader.get('b3')).toMatchObject({ status: 'awaiting_payment', paid: euros(0), timeline: { length: 2 } });
    await expect(projection.applyBatch([stream('b4')('BookingRequested', { guestId: 'g' })], target, park)).rejects.toThrow(TypeError);
  });

  it('prepares a target: false while it holds nothing, true once its tables exist', async () => {
    const projection = bookingHistoryCassandra(recording(client), keyspace);
    const target = `booking_history_t${++targets}`;
    expect(await projection.prepare(target)).toBe(false);
    expect(await projection.prepare(target)).toBe(true);
  });

  it('creates and drops the tables of a rebuild target', async () => {
    const { cassandra, projection, target, table } = await setup();
    const rebuild = `${target}_r2`;
    await projection.prepare(rebuild);
    await projection.applyBatch([requested], rebuild, park);
    expect(await cassandra.rows(`${table('guest')}_r2`)).toHaveLength(1);
    expect(await cassandra.rows(table('guest'))).toHaveLength(0);
    await projection.drop(rebuild);
    expect(await tableExists(cassandra, `${table('guest')}_r2`)).toBe(false);
    expect(await tableExists(cassandra, table('guest'))).toBe(true);
  });
});
