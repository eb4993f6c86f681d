import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookings, calendar, listings, money } from '@stayhub/domain';
import { commandApiSpec, problemOf, type CommandApiSpec } from '../testing/http-spec.ts';

const at = '2030-03-01T09:00:00.000Z';
const host = 'host-1';
const details = (instantBook: boolean): listings.ListingDetails => ({
  title: 'Sunny flat by the river',
  description: 'Two rooms, balcony over the Tagus.',
  photos: ['https://img.example.com/flat-1.jpg'],
  location: { lat: 38.72, lon: -9.14, city: 'Lisbon', country: 'PT', timeZone: 'Europe/Lisbon' },
  currency: 'EUR',
  instantBook,
  cancellationPolicy: 'flexible',
  unitTypes: [{ unitTypeId: 'flat', name: 'Whole flat', count: 1, capacity: 4, price: money(10_000, 'EUR') }],
});

describe('booking routes', () => {
  let api: CommandApiSpec;
  let guest: string;
  let otherGuest: string;
  let hostToken: string;
  let otherHost: string;
  beforeAll(async () => {
    api = await commandApiSpec();
    guest = await api.tokenFor('guest', 'guest-1');
    otherGuest = await api.tokenFor('guest', 'guest-2');
    hostToken = await api.tokenFor('host', host);
    otherHost = await api.tokenFor('host', 'host-2');
  });
  afterAll(() => api?.close());

  /** A published rental of `host`, as events on its listing stream. */
  const givenListing = async (listingId: string, instantBook = false) => {
    const d = details(instantBook);
    const scoped = { ...d, unitTypes: d.unitTypes!.map((u) => ({ ...u, unitTypeId: `${listingId}.${u.unitTypeId}` })) };
    const data = { listingId, actorId: host, now: at };
    await api.givenDecided(listings.listingStreamId(listingId), listings.listingDecider, [
      { type: 'CreateListing', data: { ...data, kind: 'rental', details: scoped } },
      { type: 'PublishListing', data },
    ]);
  };
  const stay = { checkIn: '2030-04-10', checkOut: '2030-04-12' };
  const request = (listingId: string, extra: Record<string, unknown> = {}, token = guest, headers?: Record<string, string>) =>
    api.request('POST', '/bookings', { token, body: { listingId, ...stay, guests: 2, paymentMethod: 'tok_visa', ...extra }, ...(headers ? { headers } : {}) });
  /** A booking requested through the route (its events then stand as the given of the next request). */
  let night = 1;
  const requested = async (listingId: string) => {
    const day = String(night++).padStart(2, '0');
    const reply = await request(listingId, { checkIn: `2030-07-${day}`, checkOut: `2030-07-${String(night++).padStart(2, '0')}` });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    return reply.body.bookingId as string;
  };

  beforeAll(async () => {
    await givenListing('l-request');
    await givenListing('l-instant', true);
  });

  it('requests a stay: the booking opens and its nights are held in one append; 201 with Location and a consistency token', async () => {
    const reply = await request('l-request');
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const { bookingId } = reply.body;
    expect(reply.body).toMatchObject({ status: 'awaiting_approval', total: { amount: 20_000, currency: 'EUR' }, consistencyToken: expect.any(String) });
    expect(reply.headers.get('location')).toBe(`/bookings/${bookingId}`);
    const appended = await api.appended();
    expect(appended.map((e) => [e.streamId, e.type])).toEqual([
      [bookings.bookingStreamId(bookingId), 'BookingRequested'],
      [calendar.calendarStreamId('l-request.flat', '2030-04'), 'HoldPlaced'],
    ]);
    expect(appended[1]!.data).toMatchObject({ bookingId, keys: ['2030-04-10', '2030-04-11'], units: 1 });
    expect(JSON.stringify(appended)).not.toContain('tok_visa');
  });

  it('books an instant listing at once: it awaits the payment, no host answer', async () => {
    const reply = await request('l-instant', { checkIn: '2030-05-10', checkOut: '2030-05-11' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.status).toBe('awaiting_payment');
  });

  it('answers a retry with the same Idempotency-Key as the first time and appends nothing; another body with it is 422', async () => {
    const key = { 'idempotency-key': 'book-once-1' };
    const first = await request('l-request', { checkIn: '2030-06-01', checkOut: '2030-06-02' }, guest, key);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const again = await request('l-request', { checkIn: '2030-06-01', checkOut: '2030-06-02' }, guest, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await api.appended()).toEqual([]);
    const other = await request('l-request', { checkIn: '2030-06-03', checkOut: '2030-06-04' }, guest, key);
    expect(problemOf(other)).toMatchObject({ status: 422, type: 'application/problem+json' });
    expect(await api.appended()).toEqual([]);
  });

  it('lets the host approve a request, once', async () => {
    const bookingId = await requested('l-request');
    const reply = await api.request('POST', `/bookings/${bookingId}/approve`, { token: hostToken });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ bookingId, status: 'awaiting_payment' });
    expect((await api.appended()).map((e) => [e.streamId, e.type])).toEqual([[bookings.bookingStreamId(bookingId), 'BookingApproved']]);
    const twice = await api.request('POST', `/bookings/${bookingId}/approve`, { token: hostToken });
    expect(problemOf(twice)).toMatchObject({ status: 409, code: 'BOOKING_STATE' });
  });

  it('lets the guest cancel: the booking is cancelled and its nights released', async () => {
    const bookingId = await requested('l-request');
    const reply = await api.request('POST', `/bookings/${bookingId}/cancel`, { token: guest, body: { reason: 'plans changed' } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.status).toBe('cancelled');
    const appended = await api.appended();
    expect(appended.find((e) => e.streamId === bookings.bookingStreamId(bookingId))?.type).toBe('BookingCancelled');
  });

  describe('refusals change nothing', () => {
    let pending: string;
    beforeAll(async () => {
      await givenListing('l-taken');
      await api.givenDecided(calendar.calendarStreamId('l-taken.flat', '2030-04'), calendar.calendarDecider, [
        {
          type: 'PlaceHold',
          data: { holdId: 'h1', bookingId: 'b-other', keys: ['2030-04-11'], units: 1, capacity: 1, expiresAt: '2030-05-01T00:00:00.000Z', now: at },
        },
      ]);
      pending = await requested('l-request');
    });
    type Case = {
      name: string;
      method?: 'POST' | 'PATCH';
      path?: () => string;
      token?: () => string | undefined;
      body?: Record<string, unknown>;
      status: number;
      fields?: string[];
      code?: string;
    };
    const booking = { listingId: 'l-request', ...stay, guests: 2, paymentMethod: 'tok_visa' };
    const cases: Case[] = [
      { name: 'no token', token: () => undefined, body: booking, status: 401 },
      { name: 'checkOut before checkIn', body: { ...booking, checkIn: '2030-04-12', checkOut: '2030-04-10' }, status: 400, fields: ['checkOut'] },
      { name: 'nights and a slot at once', body: { ...booking, slot: '2030-04-10T19:00:00Z' }, status: 400 },
      { name: 'no payment method', body: { ...booking, paymentMethod: undefined }, status: 400, fields: ['paymentMethod'] },
      { name: 'no guests', body: { ...booking, guests: 0 }, status: 400, fields: ['guests'] },
      { name: 'an unknown field', body: { ...booking, coupon: 'FREE' }, status: 400, fields: ['coupon'] },
      { name: 'a listing that does not exist', body: { ...booking, listingId: 'l-none' }, status: 404, code: 'LISTING_NOT_FOUND' },
      { name: 'a party the unit type cannot take', body: { ...booking, guests: 9 }, status: 422, code: 'PARTY_TOO_LARGE' },
      { name: 'nights held by another booking', body: { ...booking, listingId: 'l-taken' }, status: 409, code: 'NIGHTS_UNAVAILABLE' },
      { name: 'a stay in the past', body: { ...booking, checkIn: '2030-02-01', checkOut: '2030-02-03' }, status: 422, code: 'STAY_IN_PAST' },
      { name: 'the host booking their own listing', token: () => hostToken, body: booking, status: 422, code: 'CANNOT_BOOK_OWN_LISTING' },
      { name: 'a guest approving', path: () => `/bookings/${pending}/approve`, body: {}, status: 403 },
      {
        name: "another host approving (someone else's booking looks missing)",
        path: () => `/bookings/${pending}/approve`,
        token: () => otherHost,
        body: {},
        status: 404,
        code: 'BOOKING_NOT_FOUND',
      },
      {
        name: 'another guest cancelling',
        path: () => `/bookings/${pending}/cancel`,
        token: () => otherGuest,
        body: {},
        status: 404,
        code: 'BOOKING_NOT_FOUND',
      },
      { name: 'a change of nothing', method: 'PATCH', path: () => `/bookings/${pending}`, body: {}, status: 400 },
      { name: 'a review before the stay', path: () => `/bookings/${pending}/reviews`, body: { rating: 5 }, status: 422, code: 'REVIEW_NOT_ALLOWED' },
      { name: 'a rating of six', path: () => `/bookings/${pending}/reviews`, body: { rating: 6 }, status: 400, fields: ['rating'] },
      { name: 'a refund of nothing', path: () => `/bookings/${pending}/refunds`, token: () => hostToken, body: { amount: 0 }, status: 400, fields: ['amount'] },
      { name: 'a bad booking id', path: () => '/bookings/a.b/cancel', body: {}, status: 400, fields: ['id'] },
    ];
    it.each(cases)('$name: $status', async ({ method = 'POST', path = () => '/bookings', token = () => guest, body, status, fields, code }) => {
      const bearer = token();
      const reply = await api.request(method, path(), { ...(bearer ? { token: bearer } : {}), ...(body ? { body } : {}) });
      const problem = problemOf(reply);
      expect(problem.status, JSON.stringify(reply.body)).toBe(status);
      expect(problem.type).toBe('application/problem+json');
      for (const field of fields ?? []) expect(problem.fields).toContain(field);
      if (code) expect(problem.code).toBe(code);
      expect(await api.appended()).toEqual([]);
    });
  });
});
