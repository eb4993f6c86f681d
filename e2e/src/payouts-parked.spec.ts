import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '@stayhub/event-sourcing';
import { PaymentGatewayUnavailable, type PayoutRequest, type PayoutResult, SimulatedGateway } from '@stayhub/payments';
import { startStack, type Stack } from './harness.ts';
import { adminToken, day, login, publishedListing, register, waitUntil } from './fixtures.ts';

/** The simulated gateway, whose payouts can be switched off (an outage longer than every retry). */
class SwitchableGateway extends SimulatedGateway {
  payoutsDown = false;
  override async payout(r: PayoutRequest): Promise<PayoutResult> {
    if (this.payoutsDown) throw new PaymentGatewayUnavailable('payouts are down');
    return super.payout(r);
  }
}
const gateway = new SwitchableGateway();
const OPERATOR = 'payout-ops@stayhub.example';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateway, workflows: 'manual', settings: { ADMIN_EMAILS: OPERATOR, PAYOUT_DELAY_HOURS: 24 } });
});
afterAll(async () => {
  await stack?.stop();
});

describe('a parked payout is never silent', () => {
  it('shows on the host payouts, in the operator view and in /metrics; a retry after the fix pays once and clears it', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Unpaid flat' });
    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 2), checkOut: day(stack, 3), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(booked.status).toBe(201);
    await stack.runDueTasks();
    gateway.payoutsDown = true;
    stack.clock.advance(5 * DAY);
    // every attempt fails; the runner backs off (at most a minute and a half) and parks after the last
    for (let attempt = 0; attempt < 14; attempt += 1) {
      await stack.runDueTasks();
      stack.clock.advance(2 * 60_000);
    }
    await stack.runDueTasks(); // records the issue raised on parking

    const token = await login(stack, host);
    const shown = await waitUntil(
      () => stack.query.get('/host/payouts', { token }),
      (r) => r.body?.items?.[0]?.issue !== null && r.body?.items?.length === 1,
    );
    expect(shown.body.items[0]).toMatchObject({
      status: 'started',
      amount: { amount: 10_800, currency: 'EUR' },
      issue: { operation: 'payout', error: expect.stringContaining('payouts are down') },
    });

    const operator = await adminToken(stack, OPERATOR);
    const listed = await stack.command.get('/admin/parked-tasks', { token: operator });
    const mine = listed.body.items.filter((t: { type: string; task: { hostId?: string } }) => t.type === 'PayOut' && t.task.hostId === host.userId);
    expect(mine).toHaveLength(1);
    const metrics = await stack.command.get('/metrics', { token: operator });
    expect(metrics.body).toMatch(/workflow_tasks_parked\{workflow="payouts",type="PayOut"\} [1-9]/);

    gateway.payoutsDown = false;
    expect((await stack.command.post(`/admin/parked-tasks/${encodeURIComponent(mine[0].taskId)}/retry`, {}, { token: operator })).status).toBe(202);
    await stack.runDueTasks();
    await stack.runDueTasks();
    const healed = await waitUntil(
      () => stack.query.get('/host/payouts', { token }),
      (r) => r.body?.items?.[0]?.status === 'sent' && r.body.items[0].issue === null,
    );
    expect(healed.body.items).toHaveLength(1);
    expect(
      gateway
        .payouts()
        .filter((p) => p.type === 'paid_out' && p.destination === host.userId)
        .map((p) => p.amount.amount),
    ).toEqual([10_800]);
  });
});
