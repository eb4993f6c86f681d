import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.ts';
import { day, publishedListing, register } from './fixtures.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ workflows: 'manual' });
});
afterAll(async () => {
  await stack?.stop();
});

const evenings = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((weekday) => [weekday, [{ open: '18:00', close: '22:00' }]]));

/** A restaurant of two tables, seating at 18:00 and 20:00 in its own time zone. */
const restaurant = async (host: { token: string }, timeZone: string) =>
  publishedListing(stack, host, 'restaurant', {
    title: `Izakaya in ${timeZone}`,
    location: { lat: 35.68, lon: 139.76, city: 'Tokyo', country: 'JP', timeZone },
    currency: 'JPY',
    unitTypes: [{ unitTypeId: 'table', name: 'Table for four', count: 2, capacity: 4, price: { amount: 1_500, currency: 'JPY' } }],
    slots: { minutes: 120, openingHours: evenings },
  });

type Day = { key: string; local: string; timeZone: string; open: boolean; unitTypes: { free: number }[] };

describe("restaurant slots in the listing's time zone", () => {
  it('availability takes wall-clock times or instants, says when each is there, and never offers a slot the restaurant does not serve', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId, consistencyToken } = await restaurant(host, 'Asia/Tokyo');
    const d = day(stack, 7);
    const asked = [`${d}T20:00`, `${d}T11:00:00Z`, `${d}T20:00:00+09:00`, `${d}T13:00`, `${d}T19:00`, `${d}T18:00:00Z`];
    const seen = await stack.query.get(`/listings/${listingId}/availability?slots=${asked.map(encodeURIComponent).join(',')}&after=${consistencyToken}`);
    expect(seen.status, JSON.stringify(seen.body)).toBe(200);
    expect((seen.body.days as Day[]).map(({ key, local, timeZone, open, unitTypes }) => [key, local, timeZone, open, unitTypes[0]!.free])).toEqual([
      [`${d}T11:00:00.000Z`, `${d}T20:00`, 'Asia/Tokyo', true, 2],
      [`${d}T11:00:00.000Z`, `${d}T20:00`, 'Asia/Tokyo', true, 2],
      [`${d}T11:00:00.000Z`, `${d}T20:00`, 'Asia/Tokyo', true, 2],
      // lunch time, off the grid, and 18:00 UTC (03:00 the next morning in Tokyo): closed, nothing free
      [`${d}T04:00:00.000Z`, `${d}T13:00`, 'Asia/Tokyo', false, 0],
      [`${d}T10:00:00.000Z`, `${d}T19:00`, 'Asia/Tokyo', false, 0],
      [`${d}T18:00:00.000Z`, `${day(stack, 8)}T03:00`, 'Asia/Tokyo', false, 0],
    ]);

    // a table booked by its wall-clock time is the same slot
    const booked = await stack.command.post('/bookings', { listingId, slot: `${d}T20:00`, guests: 2, paymentMethod: 'tok_visa' }, { token: guest.token });
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    expect(booked.body.stay).toEqual({ kind: 'slot', start: `${d}T11:00:00.000Z`, minutes: 120 });
    const after = await stack.query.get(`/listings/${listingId}/availability?slots=${d}T20:00&after=${booked.body.consistencyToken}`);
    expect(after.body.days.map((day: Day) => day.unitTypes[0]!.free)).toEqual([1]);
    // and every view of the booking shows it on the restaurant's wall clocks
    const local = { timeZone: 'Asia/Tokyo', start: `${d}T20:00`, end: `${d}T22:00` };
    const view = await stack.query.get(`/bookings/${booked.body.bookingId}?after=${booked.body.consistencyToken}`, { token: guest.token });
    expect(view.body).toMatchObject({ start: `${d}T11:00:00.000Z`, local });
    // each list is a read model of its own that may trail the booking's view: read with the token too
    const token = booked.body.consistencyToken;
    expect((await stack.query.get(`/me/bookings?after=${token}`, { token: guest.token })).body.items[0].local).toEqual(local);
    expect((await stack.query.get(`/host/bookings?after=${token}`, { token: host.token })).body.items[0].local).toEqual(local);
    const closed = await stack.command.post('/bookings', { listingId, slot: `${d}T13:00`, guests: 2, paymentMethod: 'tok_visa' }, { token: guest.token });
    expect(closed.status).toBe(400);
    expect(closed.body.code).toBe('STAY_INVALID');
    // a start between whole minutes would be another calendar key for the same table
    for (const slot of [`${d}T11:00:30Z`, `${d}T20:00:30`]) {
      const between = await stack.command.post('/bookings', { listingId, slot, guests: 2, paymentMethod: 'tok_visa' }, { token: guest.token });
      expect(between.status, slot).toBe(400);
      expect(between.body.code).toBe('STAY_INVALID');
    }
  });

  it('a wall-clock time the clocks skip is a 400 problem, for availability and for a booking', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId, consistencyToken } = await restaurant(host, 'Europe/Lisbon');
    // Lisbon springs forward from 01:00 to 02:00 on the last Sunday of March
    const skipped = await stack.query.get(`/listings/${listingId}/availability?slots=2030-03-31T01:30&after=${consistencyToken}`);
    expect(skipped.status).toBe(400);
    expect(skipped.headers.get('content-type')).toContain('application/problem+json');
    expect(skipped.body.detail).toContain('2030-03-31T01:30');
    const march = `${new Date(stack.clock.now()).getUTCFullYear() + 1}-03-`;
    const lastSunday = [31, 30, 29, 28, 27, 26, 25].map((n) => `${march}${n}`).find((date) => new Date(`${date}T12:00:00Z`).getUTCDay() === 0)!;
    const booking = await stack.command.post(
      '/bookings',
      { listingId, slot: `${lastSunday}T01:30`, guests: 2, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(booking.status, JSON.stringify(booking.body)).toBe(400);
    expect(booking.body.code).toBe('STAY_INVALID');
  });

  it("a stay's check-in is 15:00 and its check-out 11:00 on the listing's wall clock, in every booking view", async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const [checkIn, checkOut] = [day(stack, 20), day(stack, 22)];
    for (const [timeZone, start, end] of [
      ['Asia/Tokyo', `${checkIn}T06:00:00.000Z`, `${checkOut}T02:00:00.000Z`],
      ['Europe/Lisbon', undefined, undefined],
    ] as const) {
      const { listingId } = await publishedListing(stack, host, 'rental', {
        location: { lat: 35.68, lon: 139.76, city: 'Somewhere', country: 'JP', timeZone },
      });
      const booked = await stack.command.post('/bookings', { listingId, checkIn, checkOut, guests: 2, paymentMethod: 'tok_visa' }, { token: guest.token });
      expect(booked.status, JSON.stringify(booked.body)).toBe(201);
      const local = { timeZone, start: `${checkIn}T15:00`, end: `${checkOut}T11:00` };
      const view = await stack.query.get(`/bookings/${booked.body.bookingId}?after=${booked.body.consistencyToken}`, { token: guest.token });
      expect(view.body, JSON.stringify(view.body)).toMatchObject({ local, ...(start ? { start, end } : {}) });
      const mine = (await stack.query.get(`/me/bookings?after=${booked.body.consistencyToken}`, { token: guest.token })).body.items.find(
        (b: { bookingId: string }) => b.bookingId === booked.body.bookingId,
      );
      expect(mine.local).toEqual(local);
      // Host bookings is a read model of its own: it may trail booking history, so it is read with the token too.
      const hosted = (await stack.query.get(`/host/bookings?after=${booked.body.consistencyToken}`, { token: host.token })).body.items.find(
        (b: { bookingId: string }) => b.bookingId === booked.body.bookingId,
      );
      expect(hosted.local).toEqual(local);
    }
  });

  it('search takes a slot as a wall-clock time that each restaurant reads on its own clock, or as an instant; a malformed one is a 400 naming it', async () => {
    const host = await register(stack, 'host');
    const place = (timeZone: string) =>
      publishedListing(stack, host, 'restaurant', {
        title: `Kappabashi ${timeZone}`,
        location: { lat: 35.68, lon: 139.76, city: 'Kappabashi', country: 'JP', timeZone },
        currency: 'JPY',
        unitTypes: [{ unitTypeId: 'table', name: 'Table for four', count: 2, capacity: 4, price: { amount: 1_500, currency: 'JPY' } }],
        slots: { minutes: 120, openingHours: evenings },
      });
    const tokyo = await place('Asia/Tokyo');
    const lisbon = await place('Europe/Lisbon');
    const d = day(stack, 9);
    const search = (slot: string) => stack.query.get(`/listings/search?city=Kappabashi&slot=${encodeURIComponent(slot)}&after=${lisbon.consistencyToken}`);
    const ids = (reply: { body: { items: { listingId: string }[] } }) => reply.body.items.map((i) => i.listingId).sort();
    const local = await search(`${d}T20:00`);
    expect(local.status, JSON.stringify(local.body)).toBe(200);
    expect(ids(local)).toEqual([tokyo.listingId, lisbon.listingId].sort());
    // 20:00 in Tokyo is 11:00 UTC: lunch time in Lisbon, where nothing is served
    const instant = await search(`${d}T11:00:00Z`);
    expect(ids(instant)).toEqual([tokyo.listingId]);
    for (const bad of ['tomorrow', `${d}T25:00`, `${d}`]) {
      const refused = await search(bad);
      expect(refused.status, bad).toBe(400);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.errors, JSON.stringify(refused.body)).toContainEqual(expect.objectContaining({ path: 'slot' }));
    }
  });
});
