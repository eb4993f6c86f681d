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

const everyDay = Object.fromEntries(
  ['0', '1', '2', '3', '4', '5', '6'].map((d) => [
    d,
    [
      { open: '12:00', close: '15:00' },
      { open: '19:00', close: '23:00' },
    ],
  ]),
);

describe('restaurants and host blocks', () => {
  it('books tables of a restaurant by slot, within opening hours, up to the number of tables', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'restaurant', {
      title: 'Tasca do Mar',
      cuisine: ['portuguese', 'seafood'],
      location: { lat: 38.71, lon: -9.14, city: 'Lisbon', country: 'PT', timeZone: 'UTC' },
      unitTypes: [{ unitTypeId: 'table4', name: 'Table for four', count: 2, capacity: 4, price: { amount: 1_000, currency: 'EUR' } }],
      slots: { minutes: 120, openingHours: everyDay },
    });
    const slot = `${day(stack, 7)}T19:00:00Z`;
    const book = (guests: number, at = slot) =>
      stack.command.post('/bookings', { listingId, slot: at, guests, paymentMethod: 'tok_visa' }, { token: guest.token });

    const first = await book(4);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.stay).toEqual({ kind: 'slot', start: `${day(stack, 7)}T19:00:00.000Z`, minutes: 120 });
    expect(first.body.total).toEqual({ amount: 1_000, currency: 'EUR' });
    const second = await book(2);
    expect(second.status).toBe(201);
    expect((await book(2)).status).toBe(409);
    expect((await book(2, `${day(stack, 7)}T21:00:00Z`)).status).toBe(201);

    const closed = await book(2, `${day(stack, 7)}T16:00:00Z`);
    expect(closed.status).toBe(400);
    expect(closed.body.code).toBe('STAY_INVALID');
    const offGrid = await book(2, `${day(stack, 7)}T19:30:00Z`);
    expect(offGrid.status).toBe(400);
    expect(offGrid.body.code).toBe('STAY_INVALID');
    // nine guests need three tables of four; the restaurant has two
    const tooMany = await book(9, `${day(stack, 7)}T21:00:00Z`);
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toMatchObject({ code: 'PARTY_TOO_LARGE', details: { units: 3, available: 2 } });

    const search = await stack.query.get(`/listings/search?q=seafood&slot=${encodeURIComponent(slot)}&guests=2&after=${second.body.consistencyToken}`);
    expect(search.body.items.map((i: { listingId: string }) => i.listingId)).not.toContain(listingId);
    const later = await stack.query.get(`/listings/search?q=seafood&slot=${encodeURIComponent(`${day(stack, 8)}T19:00:00Z`)}&guests=2`);
    expect(later.body.items.map((i: { listingId: string }) => i.listingId)).toContain(listingId);
  });

  it('a host blocks nights; they cannot be booked and disappear from search for those dates', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Blocked barn' });
    const other = await register(stack, 'host', 'other');
    expect(
      (await stack.command.post(`/listings/${listingId}/blocks`, { unitTypeId: 'flat', from: day(stack, 10), to: day(stack, 12) }, { token: other.token }))
        .status,
    ).toBe(403);
    const blocked = await stack.command.post(
      `/listings/${listingId}/blocks`,
      { unitTypeId: 'flat', from: day(stack, 10), to: day(stack, 12) },
      { token: host.token },
    );
    expect(blocked.status, JSON.stringify(blocked.body)).toBe(201);

    const refused = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 11), checkOut: day(stack, 13), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(refused.status).toBe(409);
    expect(refused.body.details.unavailable).toEqual([day(stack, 11)]);
    const search = await stack.query.get(`/listings/search?q=barn&checkIn=${day(stack, 10)}&checkOut=${day(stack, 11)}&after=${blocked.body.consistencyToken}`);
    expect(search.body.total).toBe(0);
    expect((await stack.query.get(`/listings/search?q=barn&checkIn=${day(stack, 12)}&checkOut=${day(stack, 13)}`)).body.total).toBe(1);
  });

  it('a host sees the blocks in force and lifts one: its nights can be booked again, and lifting twice finds nothing', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const other = await register(stack, 'host', 'other');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Lifted loft' });
    const range = { unitTypeId: 'flat', from: day(stack, 20), to: day(stack, 23) };
    const blocked = await stack.command.post(`/listings/${listingId}/blocks`, range, { token: host.token });
    expect(blocked.status, JSON.stringify(blocked.body)).toBe(201);
    const kept = await stack.command.post(
      `/listings/${listingId}/blocks`,
      { unitTypeId: 'flat', from: day(stack, 30), to: day(stack, 31) },
      { token: host.token },
    );

    const listed = await stack.query.get(`/listings/${listingId}/blocks?after=${kept.body.consistencyToken}`, { token: host.token });
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        blockId: blocked.body.blockId,
        unitTypeId: `${listingId}.flat`,
        from: day(stack, 20),
        to: day(stack, 23),
        keys: [day(stack, 20), day(stack, 21), day(stack, 22)],
        units: 1,
        blockedBy: host.userId,
      }),
      expect.objectContaining({ blockId: kept.body.blockId, from: day(stack, 30), to: day(stack, 31) }),
    ]);
    expect((await stack.query.get(`/listings/${listingId}/blocks`, { token: other.token })).status).toBe(404);

    const lift = (token: string, body: unknown = range) => stack.command.post(`/listings/${listingId}/blocks/${blocked.body.blockId}/lift`, body, { token });
    const refused = await lift(other.token);
    expect(refused.status).toBe(403);
    const bad = await lift(host.token, { unitTypeId: 'flat', from: day(stack, 23), to: day(stack, 20) });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const before = (await stack.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM es_events WHERE type = 'NightsUnblocked'")).rows[0]!.n;
    expect(before).toBe(0);

    const done = await lift(host.token);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ blockId: blocked.body.blockId, keys: [day(stack, 20), day(stack, 21), day(stack, 22)] });
    const again = await lift(host.token);
    expect(again.status).toBe(404);
    expect(again.body.detail).toContain(blocked.body.blockId);
    expect((await stack.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM es_events WHERE type = 'NightsUnblocked'")).rows[0]!.n).toBe(1);

    const after = await stack.query.get(`/listings/${listingId}/blocks?after=${done.body.consistencyToken}`, { token: host.token });
    expect(after.body.items.map((b: { blockId: string }) => b.blockId)).toEqual([kept.body.blockId]);
    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 21), checkOut: day(stack, 22), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
  });
});
