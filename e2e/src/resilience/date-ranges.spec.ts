import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../harness.ts';
import { day, publishedListing, register, waitUntil } from '../fixtures.ts';

/*
 * Dates in requests lie within a window around today and ranges are measured, never listed: a range
 * from year 1 to 9999 once cost seconds of the event loop before its 400.
 */
let stack: Stack;
let listingId: string;
let published: string;
let host: { token: string };
let guest: { token: string; userId: string };
beforeAll(async () => {
  stack = await startStack({ workflows: 'manual' });
  host = await register(stack, 'host');
  guest = await register(stack, 'guest');
  ({ listingId, consistencyToken: published } = await publishedListing(stack, host));
});
afterAll(async () => {
  await stack?.stop();
});

const eventCount = async () => (await stack.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM es_events')).rows[0]!.n;
const refused = (reply: { status: number; headers: Headers; body: any }, field: string) => {
  expect(reply.status, JSON.stringify(reply.body)).toBe(400);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  expect(JSON.stringify(reply.body.errors ?? reply.body)).toContain(field);
};

const ranges: [name: string, from: string, to: string][] = [
  ['year 1 to 9999', '0001-01-01', '9999-12-31'],
  ['a short range in year 1', '0001-01-01', '0001-01-31'],
  ['a short range in year 9999', '9999-12-01', '9999-12-05'],
];

describe('date ranges', () => {
  it.each(ranges)('availability for %s is 400', async (_name, from, to) => {
    refused(await stack.query.get(`/listings/${listingId}/availability?from=${from}&to=${to}`), from === '0001-01-01' ? 'from' : 'to');
  });

  it.each(ranges)('search for %s is 400', async (_name, from, to) => {
    refused(await stack.query.get(`/listings/search?checkIn=${from}&checkOut=${to}`), from === '0001-01-01' ? 'checkIn' : 'checkOut');
  });

  it('a window around today still answers: availability for the next year, a search for next month', async () => {
    // A listing not projected yet is no listing (404), so the read waits for the publish.
    expect((await stack.query.get(`/listings/${listingId}/availability?from=${day(stack, 0)}&to=${day(stack, 365)}&after=${published}`)).status).toBe(200);
    expect((await stack.query.get(`/listings/search?checkIn=${day(stack, 30)}&checkOut=${day(stack, 32)}`)).status).toBe(200);
  });

  it('POST /bookings, PATCH /bookings/:id and blocks refuse dates outside the window and store nothing', async () => {
    const before = await eventCount();
    const book = (checkIn: string, checkOut: string) =>
      stack.command.post('/bookings', { listingId, checkIn, checkOut, guests: 1, paymentMethod: 'tok_visa' }, { token: guest.token });
    refused(await book(day(stack, 1), '9999-12-31'), 'checkOut');
    refused(await book('9999-12-01', '9999-12-03'), 'checkIn');
    const block = (from: string, to: string) => stack.command.post(`/listings/${listingId}/blocks`, { unitTypeId: 'flat', from, to }, { token: host.token });
    refused(await block('9999-01-01', '9999-01-05'), 'from');
    refused(await block(day(stack, 1), '9999-12-31'), 'to');
    expect(await eventCount()).toBe(before);

    const booked = await book(day(stack, 20), day(stack, 22));
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    const afterBooking = await eventCount();
    refused(
      await stack.command.patch(`/bookings/${booked.body.bookingId}`, { checkIn: '9999-12-01', checkOut: '9999-12-03' }, { token: guest.token }),
      'checkIn',
    );
    expect(await eventCount()).toBe(afterBooking);
  });
});

describe('query API rate limit', () => {
  it('reads beyond the per-address limit are 429 problem+json with Retry-After; health is not counted', async () => {
    const tight = await startStack({ workflows: 'manual', settings: { RATE_LIMIT_QUERIES_PER_IP: 5 } });
    try {
      // The projectors make the read tables as they start.
      await waitUntil(async () => (await tight.pool.query("SELECT to_regclass('listings') IS NOT NULL AS ready")).rows[0].ready, Boolean);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await tight.query.get('/listings/search?q=flat')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      const limited = await tight.query.get(`/listings/${listingId}/availability?from=${day(tight, 0)}&to=${day(tight, 3)}`);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('content-type')).toContain('application/problem+json');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.body.detail).toContain('queries-per-address');
      expect((await tight.query.get('/health')).status).toBe(200);
    } finally {
      await tight.stop();
    }
  });
});
