import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.ts';
import { day, publishedListing, register, waitUntil } from './fixtures.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const free = async (listingId: string, from: string, to: string) =>
  (await stack.query.get(`/listings/${listingId}/availability?from=${from}&to=${to}`)).body.days?.map(
    (d: { unitTypes: { free: number }[] }) => d.unitTypes[0]!.free,
  );

describe('read side', () => {
  it('a booking shows in availability, search and history within a second', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId, consistencyToken } = await publishedListing(stack, host, 'hotel', {
      title: 'Visible hotel',
      unitTypes: [{ unitTypeId: 'twin', name: 'Twin', count: 2, capacity: 2, price: { amount: 8_000, currency: 'EUR' } }],
    });
    await stack.query.get(`/listings/${listingId}?after=${consistencyToken}`);
    const started = Date.now();
    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 70), checkOut: day(stack, 71), guests: 2, units: 2, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(booked.status).toBe(201);
    await waitUntil(
      () => free(listingId, day(stack, 70), day(stack, 71)),
      (f) => f?.[0] === 0,
      1000,
    );
    const search = await stack.query.get(`/listings/search?q=visible&checkIn=${day(stack, 70)}&checkOut=${day(stack, 71)}`);
    expect(search.body.items).toEqual([]);
    const history = await waitUntil(
      () => stack.query.get('/me/bookings', { token: guest.token }),
      (r) => r.body.items?.length === 1,
      1000,
    );
    expect(history.body.items[0].bookingId).toBe(booked.body.bookingId);
    expect(Date.now() - started).toBeLessThan(1000 + 500);
  });

  it('read-your-writes: a query given the consistency token waits for it, and says so when it cannot', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Token flat' });
    await stack.stopProjectors();
    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 80), checkOut: day(stack, 81), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    const behind = await stack.query.get(`/bookings/${booked.body.bookingId}`, {
      token: guest.token,
      headers: { 'X-Consistency-Token': booked.body.consistencyToken },
    });
    expect(behind.status).toBe(503);
    expect(behind.headers.get('retry-after')).toBe('1');
    const list = await stack.query.get(`/me/bookings?after=${booked.body.consistencyToken}`, { token: guest.token });
    expect(list.body.stale).toBe(true);
    expect(list.headers.get('x-read-model-stale')).toBe('true');

    stack.startProjectors();
    const caughtUp = await stack.query.get(`/bookings/${booked.body.bookingId}?after=${booked.body.consistencyToken}`, { token: guest.token });
    expect(caughtUp.status).toBe(200);
    expect(caughtUp.body.stale).toBe(false);
  });

  it('booking keeps working with the projectors and the query API down', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Resilient flat' });
    await stack.stopProjectors();
    await stack.stopQueryApi();

    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 90), checkOut: day(stack, 92), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(booked.status).toBe(201);
    const approved = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 90), checkOut: day(stack, 91), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(approved.status).toBe(409);

    await stack.startQueryApi();
    stack.startProjectors();
    const seen = await stack.query.get(`/bookings/${booked.body.bookingId}?after=${booked.body.consistencyToken}`, { token: guest.token });
    expect(seen.status).toBe(200);
  });

  it('a restart of the projectors neither loses nor doubles anything', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'hotel', {
      title: 'Restart hotel',
      unitTypes: [{ unitTypeId: 'room', name: 'Room', count: 50, capacity: 2, price: { amount: 5_000, currency: 'EUR' } }],
    });
    const book = (i: number) =>
      stack.command.post(
        '/bookings',
        { listingId, checkIn: day(stack, 100 + (i % 3)), checkOut: day(stack, 101 + (i % 3)), guests: 1, paymentMethod: 'tok_visa' },
        { token: guest.token },
      );
    const first = await Promise.all(Array.from({ length: 15 }, (_, i) => book(i)));
    await stack.stopProjectors();
    const second = await Promise.all(Array.from({ length: 15 }, (_, i) => book(i)));
    stack.startProjectors();
    await stack.stopProjectors();
    stack.startProjectors();
    expect([...first, ...second].every((r) => r.status === 201)).toBe(true);

    const last = second.at(-1)!.body.consistencyToken;
    const history = await stack.query.get(`/me/bookings?pageSize=100&after=${last}`, { token: guest.token });
    expect(history.body.items).toHaveLength(30);
    expect(await free(listingId, day(stack, 100), day(stack, 103))).toEqual([40, 40, 40]);
    const { rows } = await stack.pool.query('SELECT count(*)::int AS n, count(DISTINCT booking_id)::int AS d FROM booking_history WHERE guest_id = $1', [
      guest.userId,
    ]);
    expect(rows[0]).toEqual({ n: 30, d: 30 });
  });
});
