import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '@stayhub/event-sourcing';
import { startStack, type Stack } from './harness.ts';
import { day, login, publishedListing, register, waitUntil } from './fixtures.ts';

const FEE_BASIS_POINTS = 1_000;
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ workflows: 'manual', settings: { PLATFORM_FEE_BASIS_POINTS: FEE_BASIS_POINTS, PAYOUT_DELAY_HOURS: 24 } });
});
afterAll(async () => {
  await stack?.stop();
});

const settle = async () => {
  for (let i = 0; i < 10 && (await stack.runDueTasks()) > 0; i++);
};
const eur = (amount: number) => ({ amount, currency: 'EUR' });
type Row = { bookingId: string; status: string; listingId: string; payout: { status: string; net: { amount: number } } | null };

describe('GET /host/bookings', () => {
  it("shows each booking with the guest's first name, listing and unit type, stay, status, money and payout; filters and pages", async () => {
    const host = await register(stack, 'host');
    const ana = await register(stack, 'guest', 'Ana');
    const rui = await register(stack, 'guest', 'Rui');
    const { listingId: flat } = await publishedListing(stack, host, 'rental', { title: 'Canal flat' });
    const rooms = [
      { unitTypeId: 'double', name: 'Double room', count: 3, capacity: 2, price: eur(9_000) },
      { unitTypeId: 'suite', name: 'Suite', count: 1, capacity: 4, price: eur(20_000) },
    ];
    const { listingId: hotel } = await publishedListing(stack, host, 'hotel', { title: 'Harbour hotel', unitTypes: rooms, instantBook: false });
    const priced = await stack.command.put(
      `/listings/${flat}/prices`,
      { unitTypeId: 'flat', from: day(stack, 3), to: day(stack, 4), price: eur(15_000) },
      { token: host.token },
    );
    expect(priced.status).toBe(200);

    const stay = await stack.command.post(
      '/bookings',
      { listingId: flat, checkIn: day(stack, 2), checkOut: day(stack, 4), guests: 2, paymentMethod: 'tok_visa' },
      { token: ana.token },
    );
    expect(stay.status, JSON.stringify(stay.body)).toBe(201);
    const request = await stack.command.post(
      '/bookings',
      { listingId: hotel, unitTypeId: 'suite', checkIn: day(stack, 30), checkOut: day(stack, 31), guests: 3, paymentMethod: 'tok_visa' },
      { token: rui.token },
    );
    expect(request.status, JSON.stringify(request.body)).toBe(201);
    await settle();

    const all = await waitUntil(
      () => stack.query.get(`/host/bookings?after=${request.body.consistencyToken}`, { token: host.token }),
      (r) => r.body?.items?.length === 2 && r.body.items.some((b: Row) => b.status === 'confirmed'),
    );
    expect(all.status).toBe(200);
    const byId = new Map<string, Record<string, unknown>>(all.body.items.map((b: Row) => [b.bookingId, b]));
    expect(byId.get(stay.body.bookingId)).toMatchObject({
      listingId: flat,
      listingTitle: 'Canal flat',
      unitTypeId: `${flat}.flat`,
      unitTypeName: 'Whole flat',
      guestId: ana.userId,
      guestFirstName: 'Ana',
      stay: { kind: 'nights', checkIn: day(stack, 2), checkOut: day(stack, 4) },
      status: 'confirmed',
      total: eur(12_000 + 15_000),
      paid: eur(27_000),
      refunded: eur(0),
      payout: null,
      paymentIssue: null,
    });
    expect(byId.get(request.body.bookingId)).toMatchObject({
      listingTitle: 'Harbour hotel',
      unitTypeName: 'Suite',
      guestFirstName: 'Rui',
      status: 'awaiting_approval',
      total: eur(20_000),
      paid: eur(0),
    });

    const waiting = await stack.query.get('/host/bookings?status=awaiting_approval', { token: host.token });
    expect(waiting.body.items.map((b: Row) => b.bookingId)).toEqual([request.body.bookingId]);
    const either = await stack.query.get('/host/bookings?status=awaiting_approval,confirmed', { token: host.token });
    expect(either.body.items).toHaveLength(2);
    const ofFlat = await stack.query.get(`/host/bookings?listingId=${flat}`, { token: host.token });
    expect(ofFlat.body.items.map((b: Row) => b.bookingId)).toEqual([stay.body.bookingId]);
    const first = await stack.query.get('/host/bookings?pageSize=1', { token: host.token });
    expect(first.body).toMatchObject({ page: 1, pageSize: 1, hasMore: true });
    const second = await stack.query.get('/host/bookings?pageSize=1&page=2', { token: host.token });
    expect(second.body).toMatchObject({ page: 2, hasMore: false });
    expect([first.body.items[0].bookingId, second.body.items[0].bookingId].sort()).toEqual([stay.body.bookingId, request.body.bookingId].sort());

    // after the stay and the payout delay, the row carries the host's share, then its payout
    stack.clock.advance(6 * DAY);
    await settle();
    const token = await login(stack, host);
    const paidOut = await waitUntil(
      () => stack.query.get(`/host/bookings?listingId=${flat}`, { token }),
      (r) => r.body?.items?.[0]?.payout?.status === 'paid',
    );
    expect(paidOut.body.items[0]).toMatchObject({ status: 'completed', payout: { gross: eur(27_000), fee: eur(2_700), net: eur(24_300), status: 'paid' } });
    expect(paidOut.body.items[0].payout.paidAt).toEqual(expect.any(String));
  });

  it('answers only hosts, only with their own bookings; a bad filter or an unknown parameter is a 400 problem', async () => {
    const guest = await register(stack, 'guest');
    const host = await register(stack, 'host');
    expect((await stack.query.get('/host/bookings', { token: guest.token })).status).toBe(403);
    expect((await stack.query.get('/host/bookings')).status).toBe(401);
    for (const path of [
      '/host/bookings?status=lost',
      '/host/bookings?status=confirmed,',
      '/host/bookings?pageSize=0',
      '/host/bookings?guestId=x',
      '/host/bookings?scope=soon',
    ]) {
      const bad = await stack.query.get(path, { token: host.token });
      expect(bad.status, path).toBe(400);
      expect(bad.headers.get('content-type'), path).toContain('application/problem+json');
    }
    expect((await stack.query.get('/host/bookings', { token: host.token })).body).toMatchObject({ items: [], hasMore: false });
  });
});
