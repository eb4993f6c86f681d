import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedGateway } from '@stayhub/payments';
import { startStack, type Stack } from './harness.ts';
import { day, login, publishedListing, register, waitUntil } from './fixtures.ts';

const gateway = new SimulatedGateway();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateway, workflows: 'manual', settings: { DEPOSIT_REFUND_HOURS: 6, PAYOUT_DELAY_HOURS: 24, PLATFORM_FEE_BASIS_POINTS: 1_000 } });
});
afterAll(async () => {
  await stack?.stop();
});

const HOUR = 3_600_000;
const everyDay = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, [{ open: '19:00', close: '23:00' }]]));
const settle = async () => {
  for (let i = 0; i < 10 && (await stack.runDueTasks()) > 0; i++);
};
const typesOf = async (bookingId: string) => (await stack.side.deps.eventStore.readStream(`booking-${bookingId}`)).events.map((e) => e.type);

describe('restaurant table deposits', () => {
  it('charged at booking; refunded when the vendor settles, kept on a no-show, refunded by itself when unmarked; the vendor is paid what was kept', async () => {
    const vendor = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, vendor, 'restaurant', {
      title: 'Deposit bistro',
      location: { lat: 38.71, lon: -9.14, city: 'Lisbon', country: 'PT', timeZone: 'UTC' },
      unitTypes: [{ unitTypeId: 'table2', name: 'Table for two', count: 3, capacity: 2, price: { amount: 1_000, currency: 'EUR' } }],
      slots: { minutes: 120, openingHours: everyDay },
    });
    const slot = `${day(stack, 2)}T19:00:00.000Z`;
    const book = async () => {
      const booked = await stack.command.post('/bookings', { listingId, slot, guests: 2, paymentMethod: 'tok_visa' }, { token: guest.token });
      expect(booked.status, JSON.stringify(booked.body)).toBe(201);
      return booked.body.bookingId as string;
    };
    const [settled, noShow, unmarked] = [await book(), await book(), await book()];
    await settle();
    const charged = (id: string) =>
      gateway
        .charges()
        .filter((c) => c.reference === id)
        .map((c) => c.amount.amount);
    expect([charged(settled), charged(noShow), charged(unmarked)]).toEqual([[1_000], [1_000], [1_000]]);

    const early = await stack.command.post(`/bookings/${settled}/settle`, {}, { token: vendor.token });
    expect(early.status).toBe(422);
    expect(early.body.code).toBe('DEPOSIT_NOT_ALLOWED');

    stack.clock.advance(Date.parse(slot) - stack.clock.now().getTime() + HOUR);
    const token = await login(stack, vendor);
    const before = (await typesOf(settled)).length;
    const marked = await stack.command.post(`/bookings/${settled}/settle`, {}, { token });
    expect(marked.status, JSON.stringify(marked.body)).toBe(200);
    expect((await typesOf(settled)).slice(before)).toEqual(['BookingDepositSettled']);
    const again = await stack.command.post(`/bookings/${settled}/settle`, {}, { token });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect((await stack.command.post(`/bookings/${noShow}/no-show`, {}, { token: await login(stack, guest) })).status).toBe(403);
    const stranger = await register(stack, 'host');
    expect((await stack.command.post(`/bookings/${noShow}/no-show`, {}, { token: stranger.token })).status).toBe(404);
    expect((await stack.command.post(`/bookings/${noShow}/no-show`, {}, { token })).status).toBe(200);
    await settle();
    const refunded = (id: string) =>
      gateway
        .refunds()
        .filter((r) => r.reference === id)
        .map((r) => r.amount.amount);
    expect([refunded(settled), refunded(noShow), refunded(unmarked)]).toEqual([[1_000], [], []]);

    // two hours of slot, then six: the unmarked table's deposit goes back by itself
    stack.clock.advance(8 * HOUR);
    await settle();
    expect(await typesOf(unmarked)).toContain('BookingDepositSettled');
    expect([refunded(settled), refunded(noShow), refunded(unmarked)]).toEqual([[1_000], [], [1_000]]);

    // the vendor is paid the kept deposit, less the fee, a day after the slot
    stack.clock.advance(24 * HOUR);
    await settle();
    expect(
      gateway
        .payouts()
        .filter((p) => p.type === 'paid_out' && p.destination === vendor.userId)
        .map((p) => p.amount.amount),
    ).toEqual([900]);
    const guestToken = await login(stack, guest);
    const view = await waitUntil(
      () => stack.query.get(`/bookings/${settled}`, { token: guestToken }),
      (r) => r.body?.refunded?.amount === 1_000,
    );
    expect(view.body).toMatchObject({ status: 'completed', total: { amount: 1_000 }, refunded: { amount: 1_000 } });
  });
});
