import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '@stayhub/event-sourcing';
import { PaymentGatewayUnavailable, type PayoutRequest, type PayoutResult, SimulatedGateway } from '@stayhub/payments';
import { startStack, type Stack } from './harness.ts';
import { day, login, publishedListing, register, waitUntil } from './fixtures.ts';

/** The simulated gateway, whose next payout answer can be lost after the money moved (a timeout). */
class LossyGateway extends SimulatedGateway {
  loseNextPayoutAnswer = false;
  override async payout(r: PayoutRequest): Promise<PayoutResult> {
    const result = await super.payout(r);
    if (!this.loseNextPayoutAnswer) return result;
    this.loseNextPayoutAnswer = false;
    throw new PaymentGatewayUnavailable('the answer was lost on the way back');
  }
}

const gateway = new LossyGateway();
const FEE_BASIS_POINTS = 1_500;
const DELAY_HOURS = 72;
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateway, workflows: 'manual', settings: { PLATFORM_FEE_BASIS_POINTS: FEE_BASIS_POINTS, PAYOUT_DELAY_HOURS: DELAY_HOURS } });
});
afterAll(async () => {
  await stack?.stop();
});

/** Runs due tasks until none is left (each run may append events whose reactions fall due at once). */
const settle = async () => {
  for (let i = 0; i < 10 && (await stack.runDueTasks()) > 0; i++);
};
const ledgerEvents = async (hostId: string) => (await stack.side.deps.eventStore.readStream(`payouts-${hostId}`)).events.map((e) => e.type);

describe('host payouts', () => {
  it('after check-out plus the delay, the host share is paid out once, even when the first answer is lost; earnings and payouts show it', async () => {
    const host = await register(stack, 'host', 'Hana');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Paid flat' });
    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 2), checkOut: day(stack, 4), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    await settle();
    const checkOut = day(stack, 4);

    stack.clock.advance(5 * DAY);
    await settle();
    const gross = 2 * 12_000;
    const fee = (gross * FEE_BASIS_POINTS) / 10_000;
    const month = checkOut.slice(0, 7);
    let token = await login(stack, host);
    const pending = await waitUntil(
      () => stack.query.get('/host/earnings', { token }),
      (r) => r.body?.rows?.length === 1,
    );
    expect(pending.body.rows).toEqual([{ listingId, month, currency: 'EUR', gross, fee, net: gross - fee, pending: gross - fee, paid: 0 }]);
    expect(gateway.payouts()).toHaveLength(0);

    // due 72 h after check-out (11:00 UTC): the first answer is lost, the retry asks with the same key
    stack.clock.advance(3 * DAY);
    gateway.loseNextPayoutAnswer = true;
    await settle();
    stack.clock.advance(5 * 60_000);
    await settle();
    const paid = gateway.payouts().filter((p) => p.type === 'paid_out' && p.destination === host.userId);
    expect(paid.map((p) => p.amount)).toEqual([{ amount: gross - fee, currency: 'EUR' }]);
    expect(await ledgerEvents(host.userId)).toEqual(['HostEarningAccrued', 'HostPayoutStarted', 'HostPayoutSent']);

    token = await login(stack, host);
    const payouts = await waitUntil(
      () => stack.query.get('/host/payouts', { token }),
      (r) => r.body?.items?.[0]?.status === 'sent',
    );
    expect(payouts.status).toBe(200);
    expect(payouts.body).toMatchObject({
      items: [{ amount: { amount: gross - fee, currency: 'EUR' }, status: 'sent', entries: 1, issue: null }],
      pending: [],
      hasMore: false,
    });
    const earnings = await stack.query.get(`/host/earnings?from=${month}&to=${month}`, { token });
    expect(earnings.body.rows).toEqual([{ listingId, month, currency: 'EUR', gross, fee, net: gross - fee, pending: 0, paid: gross - fee }]);
    expect(earnings.body.totals).toEqual([{ currency: 'EUR', gross, fee, net: gross - fee, pending: 0, paid: gross - fee }]);
    expect((await stack.query.get('/host/earnings?from=2000-01&to=2000-02', { token })).body.rows).toEqual([]);

    // nothing more is ever paid for it
    stack.clock.advance(DAY);
    await settle();
    expect(gateway.payouts().filter((p) => p.type === 'paid_out' && p.destination === host.userId)).toHaveLength(1);
  });

  it('a refund the host grants after the payout is netted against the next payout; the money sums hold', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Disputed flat' });
    const book = async (from: number) => {
      const booked = await stack.command.post(
        '/bookings',
        { listingId, checkIn: day(stack, from), checkOut: day(stack, from + 2), guests: 1, paymentMethod: 'tok_visa' },
        { token: guest.token },
      );
      expect(booked.status, JSON.stringify(booked.body)).toBe(201);
      return booked.body.bookingId as string;
    };
    const first = await book(2);
    const second = await book(10);
    await settle();
    stack.clock.advance(8 * DAY);
    await settle();
    const paidOut = () =>
      gateway
        .payouts()
        .filter((p) => p.type === 'paid_out' && p.destination === host.userId)
        .map((p) => p.amount.amount);
    const net = 24_000 - 3_600;
    expect(paidOut()).toEqual([net]);

    let token = await login(stack, host);
    const path = `/bookings/${first}/refunds`;
    const tooMuch = await stack.command.post(path, { amount: 24_001 }, { token });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.code).toBe('REFUND_INVALID');
    expect((await stack.command.post(path, { amount: 100, currency: 'EUR' }, { token })).status).toBe(400);
    expect((await stack.command.post(path, { amount: 100 }, { token: await login(stack, guest) })).status).toBe(403);
    const stranger = await register(stack, 'host');
    expect((await stack.command.post(path, { amount: 100 }, { token: stranger.token })).status).toBe(404);
    const before = (await stack.side.deps.eventStore.readStream(`booking-${first}`)).events.length;
    const granted = await stack.command.post(path, { amount: 6_000, reason: 'the heating was broken' }, { token });
    expect(granted.status, JSON.stringify(granted.body)).toBe(201);
    expect(granted.body).toMatchObject({ bookingId: first, status: 'completed', refund: { amount: 6_000, currency: 'EUR' } });
    const appended = (await stack.side.deps.eventStore.readStream(`booking-${first}`)).events.slice(before);
    expect(appended.map((e) => e.type)).toEqual(['BookingRefundGranted']);
    await settle();
    expect(
      gateway
        .refunds()
        .filter((r) => r.reference === first)
        .map((r) => r.amount.amount),
    ).toEqual([6_000]);
    // the host owes 6 000 less the fee on it: nothing is paid until an earning covers it
    expect(paidOut()).toEqual([net]);

    stack.clock.advance(8 * DAY);
    await settle();
    const owed = 6_000 - 900;
    expect(paidOut()).toEqual([net, net - owed]);
    expect(await ledgerEvents(host.userId)).toEqual([
      'HostEarningAccrued',
      'HostPayoutStarted',
      'HostPayoutSent',
      'HostEarningAdjusted',
      'HostEarningAccrued',
      'HostPayoutStarted',
      'HostPayoutSent',
    ]);
    // what the guest paid = what went back + the platform's fees + what the host was paid
    const captured = gateway
      .charges()
      .filter((c) => [first, second].includes(c.reference))
      .reduce((sum, c) => sum + c.amount.amount, 0);
    expect(captured).toBe(48_000);
    expect(6_000 + (3_600 - 900 + 3_600) + net + (net - owed)).toBe(captured);

    token = await login(stack, host);
    const earnings = await waitUntil(
      () => stack.query.get('/host/earnings', { token }),
      (r) => r.body?.totals?.[0]?.pending === 0 && r.body.totals[0].net === net * 2 - owed,
    );
    expect(earnings.body.totals).toEqual([{ currency: 'EUR', gross: 42_000, fee: 6_300, net: 35_700, pending: 0, paid: 35_700 }]);
  });

  it('answers only hosts, and refuses bad or unknown query parameters with problem+json', async () => {
    const guest = await register(stack, 'guest');
    const host = await register(stack, 'host');
    const forbidden = await stack.query.get('/host/payouts', { token: guest.token });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toContain('application/problem+json');
    expect((await stack.query.get('/host/earnings')).status).toBe(401);
    for (const path of [
      '/host/earnings?from=2026-13',
      '/host/earnings?from=2026-05&to=2026-04',
      '/host/earnings?month=2026-05',
      '/host/payouts?pageSize=0',
      '/host/payouts?sort=amount',
    ]) {
      const bad = await stack.query.get(path, { token: host.token });
      expect(bad.status, path).toBe(400);
      expect(bad.headers.get('content-type'), path).toContain('application/problem+json');
    }
    const empty = await stack.query.get('/host/payouts', { token: host.token });
    expect(empty.body).toMatchObject({ items: [], pending: [], hasMore: false });
  });
});
