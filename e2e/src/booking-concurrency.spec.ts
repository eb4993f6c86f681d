import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.ts';
import { day, publishedListing, register } from './fixtures.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const storm = async (listingId: string, token: string, n: number, stay: { checkIn: string; checkOut: string }) =>
  Promise.all(Array.from({ length: n }, () => stack.command.post('/bookings', { listingId, ...stay, guests: 1, paymentMethod: 'tok_visa' }, { token })));

describe('no double booking under concurrency', () => {
  it('100 concurrent requests for the same nights of a 1-unit rental: exactly 1 wins', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'The only cottage' });
    const replies = await storm(listingId, guest.token, 100, { checkIn: day(stack, 40), checkOut: day(stack, 43) });

    const won = replies.filter((r) => r.status === 201);
    const lost = replies.filter((r) => r.status === 409);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(99);
    for (const reply of lost) {
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body).toMatchObject({ status: 409, code: 'NIGHTS_UNAVAILABLE' });
    }
    const { rows } = await stack.pool.query("SELECT count(*)::int AS n FROM es_events WHERE type = 'BookingRequested' AND data->>'listingId' = $1", [
      listingId,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('100 concurrent requests at a hotel room type with 5 rooms: exactly 5 win, also across a month boundary', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'hotel', {
      title: 'Harbour hotel',
      unitTypes: [{ unitTypeId: 'double', name: 'Double room', count: 5, capacity: 2, price: { amount: 9_000, currency: 'EUR' } }],
    });
    // Stays that cross from one month into the next touch two calendar streams.
    const start = new Date(stack.clock.now());
    start.setUTCMonth(start.getUTCMonth() + 2, 0);
    const checkIn = new Date(start.getTime() - 86_400_000).toISOString().slice(0, 10);
    const checkOut = new Date(start.getTime() + 2 * 86_400_000).toISOString().slice(0, 10);
    const replies = await storm(listingId, guest.token, 100, { checkIn, checkOut });

    expect(replies.filter((r) => r.status === 201)).toHaveLength(5);
    expect(replies.filter((r) => r.status === 409)).toHaveLength(95);
    expect(replies.filter((r) => r.status !== 201 && r.status !== 409)).toEqual([]);

    // Nothing is left half-held: every calendar stream holds exactly the 5 winners.
    const { rows } = await stack.pool.query(
      `SELECT stream_id, count(*) FILTER (WHERE type = 'HoldPlaced')::int - count(*) FILTER (WHERE type = 'HoldReleased')::int AS held
         FROM es_events WHERE stream_id LIKE $1 GROUP BY stream_id ORDER BY stream_id`,
      [`calendar-${listingId}.double-%`],
    );
    expect(rows.map((r) => r.held)).toEqual([5, 5]);
  });
});
