import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.ts';
import { day, publishedListing, register, waitUntil } from './fixtures.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ workflows: 'manual' });
});
afterAll(async () => {
  await stack?.stop();
});

const listingEvents = async (listingId: string) => (await stack.side.deps.eventStore.readStream(`listing-${listingId}`)).events;
const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe('PUT /listings/:id/prices', () => {
  it('prices nights apart from the base price; a booking sums its nights, a change re-prices them', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host);
    // base 120.00; nights +10 and +11 at 180.00
    const set = await stack.command.put(
      `/listings/${listingId}/prices`,
      { unitTypeId: 'flat', from: day(stack, 10), to: day(stack, 12), price: eur(18_000) },
      { token: host.token },
    );
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const [last] = (await listingEvents(listingId)).slice(-1);
    expect(last).toMatchObject({
      type: 'NightlyPricesSet',
      data: { unitTypeId: `${listingId}.flat`, from: day(stack, 10), to: day(stack, 12), price: eur(18_000) },
    });

    const again = await stack.command.put(
      `/listings/${listingId}/prices`,
      { unitTypeId: 'flat', from: day(stack, 10), to: day(stack, 11), price: eur(18_000) },
      { token: host.token },
    );
    expect(again.status).toBe(200);
    expect((await listingEvents(listingId)).length, 'a price already in force records nothing').toBe(3);

    // search's price filter takes the average per night of the asked nights
    const found = async (query: string) => {
      const reply = await waitUntil(
        () => stack.query.get(`/listings/search?${query}&after=${set.body.consistencyToken}`),
        (r) => r.status === 200 && r.body.stale === false,
      );
      return reply.body.items.map((i: { listingId: string }) => i.listingId);
    };
    expect(await found(`checkIn=${day(stack, 10)}&checkOut=${day(stack, 12)}&minPrice=17000`)).toContain(listingId);
    expect(await found(`checkIn=${day(stack, 9)}&checkOut=${day(stack, 11)}&minPrice=15000&maxPrice=15000`)).toContain(listingId);
    expect(await found(`checkIn=${day(stack, 9)}&checkOut=${day(stack, 11)}&minPrice=15001`)).not.toContain(listingId);
    expect(await found(`checkIn=${day(stack, 10)}&checkOut=${day(stack, 12)}&maxPrice=17999`)).not.toContain(listingId);
    expect(await found('minPrice=17000')).not.toContain(listingId);

    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 9), checkOut: day(stack, 12), guests: 2, paymentMethod: 'pm_card_visa' },
      { token: guest.token },
    );
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    expect(booked.body.total).toEqual(eur(12_000 + 18_000 + 18_000));

    // one night more at the base price, one night less at 180.00
    const moved = await stack.command.patch(
      `/bookings/${booked.body.bookingId}`,
      { checkIn: day(stack, 11), checkOut: day(stack, 14) },
      { token: guest.token },
    );
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.total).toEqual(eur(18_000 + 12_000 + 12_000));

    // given back the base price, the nights cost it again
    const reset = await stack.command.put(
      `/listings/${listingId}/prices`,
      { unitTypeId: `${listingId}.flat`, from: day(stack, 10), to: day(stack, 12), price: null },
      { token: host.token },
    );
    expect(reset.status).toBe(200);
    const plain = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 20), checkOut: day(stack, 22), guests: 1, paymentMethod: 'pm_card_visa' },
      { token: guest.token },
    );
    expect(plain.body.total).toEqual(eur(24_000));
  });

  it('refuses bad input, a stranger and another currency with a problem, and appends nothing', async () => {
    const host = await register(stack, 'host');
    const other = await register(stack, 'host');
    const { listingId } = await publishedListing(stack, host);
    const body = { unitTypeId: 'flat', from: day(stack, 10), to: day(stack, 12), price: eur(18_000) };
    const before = (await listingEvents(listingId)).length;
    const refusals: [string, Record<string, unknown>, string, number][] = [
      ['more than 366 nights', { ...body, to: day(stack, 377) }, host.token, 400],
      ['to before from', { ...body, to: day(stack, 9) }, host.token, 400],
      ['a zero price', { ...body, price: eur(0) }, host.token, 400],
      ['a price that is not whole minor units', { ...body, price: eur(10.5) }, host.token, 400],
      ['no currency', { ...body, price: { amount: 100 } }, host.token, 400],
      ['an unknown field', { ...body, note: 'x' }, host.token, 400],
      ['a night in the past', { ...body, from: day(stack, -2) }, host.token, 400],
      ['another currency', { ...body, price: { amount: 100, currency: 'USD' } }, host.token, 422],
      ['an unknown unit type', { ...body, unitTypeId: 'suite' }, host.token, 404],
      ["another host's listing", body, other.token, 403],
    ];
    for (const [name, sent, token, status] of refusals) {
      const reply = await stack.command.put(`/listings/${listingId}/prices`, sent, { token });
      expect(reply.status, `${name}: ${JSON.stringify(reply.body)}`).toBe(status);
      expect(reply.headers.get('content-type'), name).toContain('application/problem+json');
    }
    expect((await stack.command.put(`/listings/${listingId}/prices`, body)).status).toBe(401);
    expect((await stack.command.put('/listings/nope/prices', body, { token: host.token })).status).toBe(404);
    expect((await listingEvents(listingId)).length).toBe(before);
  });
});
