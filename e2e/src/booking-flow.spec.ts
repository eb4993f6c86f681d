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

describe('booking end to end', () => {
  it('a guest finds a published listing, books it instantly, pays, and sees it confirmed', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId, consistencyToken } = await publishedListing(stack, host);

    const search = await stack.query.get(
      `/listings/search?q=sunny%20flat&checkIn=${day(stack, 10)}&checkOut=${day(stack, 13)}&guests=2&after=${consistencyToken}`,
    );
    expect(search.status).toBe(200);
    expect(search.body.items.map((i: { listingId: string }) => i.listingId)).toContain(listingId);

    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 10), checkOut: day(stack, 13), guests: 2, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    expect(booked.body).toMatchObject({ status: 'awaiting_payment', total: { amount: 36_000, currency: 'EUR' } });
    expect(booked.headers.get('x-consistency-token')).toBe(booked.body.consistencyToken);

    const mine = await stack.query.get(`/bookings/${booked.body.bookingId}?after=${booked.body.consistencyToken}`, { token: guest.token });
    expect(mine.status).toBe(200);
    expect(mine.body.bookingId).toBe(booked.body.bookingId);

    const confirmed = await waitUntil(
      () => stack.query.get(`/bookings/${booked.body.bookingId}`, { token: guest.token }),
      (r) => r.body?.status === 'confirmed',
    );
    expect(confirmed.body.paid).toEqual({ amount: 36_000, currency: 'EUR' });

    const hostView = await stack.query.get('/host/bookings?scope=current', { token: host.token });
    expect(hostView.body.items.map((b: { bookingId: string }) => b.bookingId)).toContain(booked.body.bookingId);

    const taken = await stack.query.get(`/listings/search?q=sunny&checkIn=${day(stack, 11)}&checkOut=${day(stack, 12)}`);
    expect(taken.body.items.map((i: { listingId: string }) => i.listingId)).not.toContain(listingId);
    const availability = await stack.query.get(`/listings/${listingId}/availability?from=${day(stack, 9)}&to=${day(stack, 14)}`);
    expect(availability.body.days.map((d: { unitTypes: { free: number }[] }) => d.unitTypes[0]!.free)).toEqual([1, 0, 0, 0, 1]);
  });

  it('a request waits for the host, who approves it; the guest is then charged', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { instantBook: false, title: 'Quiet cabin' });
    const requested = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 20), checkOut: day(stack, 22), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(requested.body.status).toBe('awaiting_approval');

    const otherHost = await register(stack, 'host', 'intruder');
    const stolen = await stack.command.post(`/bookings/${requested.body.bookingId}/approve`, {}, { token: otherHost.token });
    expect(stolen.status).toBe(404);
    expect(stolen.headers.get('content-type')).toContain('application/problem+json');

    const approved = await stack.command.post(`/bookings/${requested.body.bookingId}/approve`, {}, { token: host.token });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('awaiting_payment');
    await waitUntil(
      () => stack.query.get(`/bookings/${requested.body.bookingId}`, { token: guest.token }),
      (r) => r.body?.status === 'confirmed',
    );
  });

  it('a declined card fails the booking and gives its nights back', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Loft' });
    const stay = { listingId, checkIn: day(stack, 30), checkOut: day(stack, 31), guests: 1 };
    const declined = await stack.command.post('/bookings', { ...stay, paymentMethod: 'tok_declined' }, { token: guest.token });
    expect(declined.status).toBe(201);
    await waitUntil(
      () => stack.query.get(`/bookings/${declined.body.bookingId}`, { token: guest.token }),
      (r) => r.body?.status === 'payment_failed',
    );
    const again = await waitUntil(
      () => stack.command.post('/bookings', { ...stay, paymentMethod: 'tok_visa' }, { token: guest.token }),
      (r) => r.status === 201,
    );
    expect(again.status).toBe(201);
  });
});
