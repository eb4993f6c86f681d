import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { checkpointSchema } from '../checkpoints.ts';
import { bookingHistoryProjection } from './pg-projection.ts';
import { PgBookingHistoryReader } from './postgres.ts';

const doc = (bookingId: string, status: string) => ({
  bookingId,
  guestId: 'guest-1',
  hostId: 'host-1',
  listingId: 'l-1',
  unitTypeId: 'l-1.flat',
  kind: 'rental',
  stay: { kind: 'nights', checkIn: '2030-04-10', checkOut: '2030-04-12' },
  start: '2030-04-10T15:00:00.000Z',
  end: '2030-04-12T11:00:00.000Z',
  timeZone: 'UTC',
  guests: 2,
  units: 1,
  total: { amount: 20_000, currency: 'EUR' },
  paid: { amount: 0, currency: 'EUR' },
  refunded: { amount: 0, currency: 'EUR' },
  status,
  timeline: [],
  revision: 0,
  createdAt: '2030-03-01T09:00:00.000Z',
  updatedAt: '2030-03-01T09:00:00.000Z',
});

describe('booking history reader (PostgreSQL) across a replay swap', () => {
  let pool: Pool;
  let reader: PgBookingHistoryReader;
  const put = (target: string, status: string) =>
    pool.query(
      `INSERT INTO ${target} (booking_id, guest_id, host_id, listing_id, status, start_at, end_at, doc, updated_at)
       VALUES ('b-1', 'guest-1', 'host-1', 'l-1', $1, '2030-04-10T15:00:00Z', '2030-04-12T11:00:00Z', $2, now())`,
      [status, JSON.stringify(doc('b-1', status))],
    );
  const swapTo = (target: string) => pool.query("UPDATE projection_targets SET target = $1 WHERE projection = 'booking_history'", [target]);

  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 4);
    await pool.query(checkpointSchema);
    const client = await pool.connect();
    try {
      for (const target of ['booking_history', 'booking_history_r2', 'booking_history_r3']) await bookingHistoryProjection.migrate(client, target);
    } finally {
      client.release();
    }
    await pool.query("INSERT INTO projection_targets (projection, target) VALUES ('booking_history', 'booking_history')");
    await put('booking_history', 'confirmed');
    await put('booking_history_r2', 'cancelled');
    await put('booking_history_r3', 'completed');
    reader = new PgBookingHistoryReader(pool);
  });
  afterAll(() => pool?.end());

  it('reads the live target, without the revision the projection keeps', async () => {
    const found = await reader.get('b-1');
    expect(found).toMatchObject({ bookingId: 'b-1', status: 'confirmed', timeZone: 'UTC' });
    expect(found).not.toHaveProperty('revision');
    expect(await reader.get('b-unknown')).toBeUndefined();
  });

  it('follows a swap at once for a read that must see a given write (fresh)', async () => {
    await swapTo('booking_history_r2');
    expect(await reader.get('b-1', { fresh: true })).toMatchObject({ status: 'cancelled' });
  });

  it('asks again when the target it knew was dropped after a swap', async () => {
    await reader.get('b-1');
    await swapTo('booking_history_r3');
    await pool.query('DROP TABLE booking_history_r2');
    expect(await reader.get('b-1')).toMatchObject({ status: 'completed' });
  });
});
