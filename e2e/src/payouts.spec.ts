import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '@stayhub/infra';
import { PaymentGatewayUnavailable, type PayoutRequest, type PayoutResult } from '@stayhub/infra/payments/port';
import { SimulatedGateway } from '@stayhub/infra/payments/simulated';
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
    const booked = await stack.command.post('/bookings', { listingId, checkIn: day(stack, 2), checkOut: day(stack, 4), guests: 1, paymentMethod: 'tok_visa' }, { token: guest.token });
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    await settle();
    const checkOut = day(stack, 4);

    stack.clock.advance(5 * DAY);
    await settle();
    const gross = 2 * 12_000;
    const fee = (gross * FEE_BASIS_POINTS) / 10_000;
    const month = checkOut.slice(0, 7);
    let token = await login(stack, host);
    const pending = await waitUntil(() => stack.query.get('/host/earnings', { token }), (r) => r.body?.rows?.length === 1);
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
    const payouts = await waitUntil(() => stack.query.get('/host/payouts', { token }), (r) => r.body?.items?.[0]?.status === 'sent');
    expect(payouts.status).toBe(200);
    expect(payouts.body).toMatchObject({ items: [{ amount: { amount: gross - fee, currency: 'EUR' }, status: 'sent', entries: 1, issue: null }], pending: [], hasMore: false });
    const earnings = await stack.query.get(`/host/earnings?from=${month}&to=${month}`, { token });
    expect(earnings.body.rows).toEqual([{ listingId, month, currency: 'EUR', gross, fee, net: gross - fee, pending: 0, paid: gross - fee }]);
    expect(earnings.body.totals).toEqual([{ currency: 'EUR', gross, fee, net: gross - fee, pending: 0, paid: gross - fee }]);
    expect((await stack.query.get('/host/earnings?from=2000-01&to=2000-02', { token })).body.rows).toEqual([]);

    // nothing more is ever paid for it
    stack.clock.advance(DAY);
    await settle();
    expect(gateway.payouts().filter((p) => p.type === 'paid_out' && p.destination === host.userId)).toHaveLength(1);
  });

  it('answers only hosts, and refuses bad or unknown query parameters with problem+json', async () => {
    const guest = await register(stack, 'guest');
    const host = await register(stack, 'host');
    const forbidden = await stack.query.get('/host/payouts', { token: guest.token });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toContain('application/problem+json');
    expect((await stack.query.get('/host/earnings')).status).toBe(401);
    for (const path of ['/host/earnings?from=2026-13', '/host/earnings?from=2026-05&to=2026-04', '/host/earnings?month=2026-05', '/host/payouts?pageSize=0', '/host/payouts?sort=amount']) {
      const bad = await stack.query.get(path, { token: host.token });
      expect(bad.status, path).toBe(400);
      expect(bad.headers.get('content-type'), path).toContain('application/problem+json');
    }
    const empty = await stack.query.get('/host/payouts', { token: host.token });
    expect(empty.body).toMatchObject({ items: [], pending: [], hasMore: false });
  });
});
