import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bookings } from '@stayhub/domain';
import { PaymentGatewayUnavailable, type RefundRequest, type RefundResult, SimulatedGateway } from '@stayhub/payments';
import { startStack, type Stack } from './harness.ts';
import { adminToken, day, publishedListing, register, waitUntil } from './fixtures.ts';

/*
 * A booking whose price changed holds several payments. Whatever goes back (a cancellation, a
 * cheaper change) is spread over them, newest first, each payment refunded at most what it
 * captured, exactly once.
 */
/** The simulated gateway, whose refunds can be switched off (an outage longer than every retry). */
class SwitchableGateway extends SimulatedGateway {
  refundsDown = false;
  override async refund(r: RefundRequest): Promise<RefundResult> {
    if (this.refundsDown) throw new PaymentGatewayUnavailable('refunds are down');
    return super.refund(r);
  }
}
const gateway = new SwitchableGateway();
const OPERATOR = 'ops@stayhub.example';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateway, workflows: 'manual', settings: { ADMIN_EMAILS: OPERATOR } });
});
afterAll(async () => {
  await stack?.stop();
});
// An outage a test switched on ends with it, even when it fails half-way: the next test's refunds must not fail for it.
afterEach(() => {
  gateway.refundsDown = false;
});

const NIGHT = 12_000;

const moneyOf = (bookingId: string) => {
  const charges = gateway.charges().filter((c) => c.reference === bookingId);
  const refunds = gateway.refunds().filter((r) => r.reference === bookingId);
  const refundedOf = (paymentId: string) => refunds.filter((r) => r.type === 'refunded' && r.paymentId === paymentId).reduce((s, r) => s + r.amount.amount, 0);
  return {
    captured: charges.map((c) => c.amount.amount),
    /** Per payment, oldest first: what was refunded of it. */
    refundedPerPayment: charges.map((c) => (c.type === 'captured' ? refundedOf(c.paymentId) : 0)),
    refundKeys: refunds.map((r) => r.idempotencyKey),
  };
};

const bookTwoNightsThenThree = async (policy: string, checkIn = 40) => {
  const host = await register(stack, 'host');
  const guest = await register(stack, 'guest');
  const { listingId } = await publishedListing(stack, host, 'rental', { title: `${policy} flat`, cancellationPolicy: policy });
  const booked = await stack.command.post(
    '/bookings',
    { listingId, checkIn: day(stack, checkIn), checkOut: day(stack, checkIn + 2), guests: 1, paymentMethod: 'tok_visa' },
    { token: guest.token },
  );
  expect(booked.status, JSON.stringify(booked.body)).toBe(201);
  await stack.runDueTasks();
  const longer = await stack.command.patch(
    `/bookings/${booked.body.bookingId}`,
    { checkIn: day(stack, checkIn), checkOut: day(stack, checkIn + 3) },
    { token: guest.token },
  );
  expect(longer.status, JSON.stringify(longer.body)).toBe(200);
  await stack.runDueTasks();
  const bookingId = booked.body.bookingId as string;
  expect(moneyOf(bookingId).captured).toEqual([2 * NIGHT, NIGHT]);
  return { host, guest, bookingId };
};

const readBooking = (bookingId: string, token: string, accept: (b: any) => boolean) =>
  waitUntil(
    async () => (await stack.query.get(`/bookings/${bookingId}`, { token })).body,
    (b) => accept(b),
  );

const noTaskFailed = async (bookingId: string) => {
  const { rows } = await stack.pool.query(
    "SELECT task_id, last_error FROM workflow_tasks WHERE task->>'bookingId' = $1 AND (last_error IS NOT NULL OR parked_at IS NOT NULL)",
    [bookingId],
  );
  expect(rows).toEqual([]);
};

describe('refunds over every payment of a changed booking', () => {
  it('a guest cancelling 40 days ahead under moderate gets both payments back, newest first, once each', async () => {
    const { guest, bookingId } = await bookTwoNightsThenThree('moderate');
    const cancelled = await stack.command.post(`/bookings/${bookingId}/cancel`, { reason: 'plans changed' }, { token: guest.token });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    await stack.runDueTasks();
    await stack.runDueTasks();

    await noTaskFailed(bookingId);
    const money = moneyOf(bookingId);
    expect(money.refundedPerPayment).toEqual([2 * NIGHT, NIGHT]);
    expect(new Set(money.refundKeys).size).toBe(2);
    const view = await readBooking(bookingId, guest.token, (b) => b.refunded?.amount === 3 * NIGHT);
    expect(view).toMatchObject({ status: 'cancelled', paid: { amount: 3 * NIGHT }, refunded: { amount: 3 * NIGHT } });
    expect(view.paymentIssue).toBeUndefined();
  });

  it('a host cancelling refunds every payment in full', async () => {
    const { host, guest, bookingId } = await bookTwoNightsThenThree('strict');
    const cancelled = await stack.command.post(`/bookings/${bookingId}/cancel`, { reason: 'flooded' }, { token: host.token });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    await stack.runDueTasks();

    await noTaskFailed(bookingId);
    expect(moneyOf(bookingId).refundedPerPayment).toEqual([2 * NIGHT, NIGHT]);
    await readBooking(bookingId, guest.token, (b) => b.refunded?.amount === 3 * NIGHT);
  });

  it('a half refund (moderate, 3 days ahead) takes the newest payment first, then the older one', async () => {
    const { guest, bookingId } = await bookTwoNightsThenThree('moderate', 3);
    await stack.command.post(`/bookings/${bookingId}/cancel`, {}, { token: guest.token });
    await stack.runDueTasks();

    await noTaskFailed(bookingId);
    // half of 36 000 is 18 000: all of the newest payment (12 000), then 6 000 of the first
    expect(moneyOf(bookingId).refundedPerPayment).toEqual([6_000, NIGHT]);
  });

  it('a downward change refunds the difference, and a later cancellation the rest, never a payment twice', async () => {
    const { guest, bookingId } = await bookTwoNightsThenThree('flexible');
    const shorter = await stack.command.patch(`/bookings/${bookingId}`, { checkIn: day(stack, 40), checkOut: day(stack, 42) }, { token: guest.token });
    expect(shorter.status, JSON.stringify(shorter.body)).toBe(200);
    await stack.runDueTasks();
    await noTaskFailed(bookingId);
    // one night (12 000) back, from the newest payment
    expect(moneyOf(bookingId).refundedPerPayment).toEqual([0, NIGHT]);
    await readBooking(bookingId, guest.token, (b) => b.refunded?.amount === NIGHT && b.total.amount === 2 * NIGHT);

    await stack.command.post(`/bookings/${bookingId}/cancel`, {}, { token: guest.token });
    await stack.runDueTasks();
    await noTaskFailed(bookingId);
    expect(moneyOf(bookingId).refundedPerPayment).toEqual([2 * NIGHT, NIGHT]);
    expect(new Set(moneyOf(bookingId).refundKeys).size).toBe(2);
  });
});

describe('a parked money task is never silent', () => {
  it('shows on the booking, in the operator view and in /metrics; a retry after the fix pays and clears it', async () => {
    const { guest, bookingId } = await bookTwoNightsThenThree('flexible');
    gateway.refundsDown = true;
    await stack.command.post(`/bookings/${bookingId}/cancel`, {}, { token: guest.token });
    // every attempt fails; the runner backs off (at most a minute and a half) and parks after the last
    for (let attempt = 0; attempt < 14; attempt += 1) {
      await stack.runDueTasks();
      stack.clock.advance(2 * 60_000);
    }
    const parked = await stack.pool.query("SELECT task_id FROM workflow_tasks WHERE task->>'bookingId' = $1 AND parked_at IS NOT NULL ORDER BY task_id", [
      bookingId,
    ]);
    expect(parked.rows.map((r) => r.task_id)).toHaveLength(2);
    await stack.runDueTasks(); // records the issues raised on parking

    const view = await readBooking(bookingId, guest.token, (b) => b.paymentIssue !== undefined);
    expect(view.paymentIssue).toMatchObject({ operation: 'refund', error: expect.stringContaining('refunds are down') });
    expect(view.refunded.amount).toBe(0);

    const operator = await adminToken(stack, OPERATOR);
    expect((await stack.command.get('/admin/parked-tasks', { token: guest.token })).status).toBe(403);
    const listed = await stack.command.get('/admin/parked-tasks', { token: operator });
    expect(listed.status).toBe(200);
    const mine = listed.body.items.filter((t: any) => t.task.bookingId === bookingId);
    expect(mine.map((t: any) => t.type)).toEqual(['Refund', 'Refund']);
    expect(mine[0].lastError).toContain('refunds are down');
    const metrics = await stack.command.get('/metrics', { token: operator });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/workflow_tasks_parked\{workflow="bookings",type="Refund"\} [1-9]/);

    gateway.refundsDown = false;
    for (const task of mine) {
      const retried = await stack.command.post(`/admin/parked-tasks/${encodeURIComponent(task.taskId)}/retry`, {}, { token: operator });
      expect(retried.status).toBe(202);
    }
    expect((await stack.command.post('/admin/parked-tasks/no-such-task/retry', {}, { token: operator })).status).toBe(404);
    await stack.runDueTasks();
    await stack.runDueTasks();
    const healed = await readBooking(bookingId, guest.token, (b) => b.refunded.amount === 3 * NIGHT && b.paymentIssue === undefined);
    expect(healed.paymentIssue).toBeUndefined();
    expect(moneyOf(bookingId).refundedPerPayment).toEqual([2 * NIGHT, NIGHT]);
  });
});

type Step = { kind: 'approve' } | { kind: 'modify'; nights: number } | { kind: 'cancel'; by: 'guest' | 'host' };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ kind: 'approve' }),
  fc.integer({ min: 1, max: 4 }).map((nights): Step => ({ kind: 'modify', nights })),
  fc.constantFrom<'guest' | 'host'>('guest', 'host').map((by): Step => ({ kind: 'cancel', by })),
);

describe('refund property', () => {
  /*
   * Against the simulated gateway, through the real routes and workflow: whatever the guest and host
   * do, what the gateway captured minus what it refunded is what the policy keeps, and no payment
   * is refunded beyond its capture. Each step runs the due tasks, so the model knows what was paid.
   */
  it('captures − refunds = what the policy keeps, for any request / approve / change / cancel', async () => {
    const host = await register(stack, 'host', 'prop-host');
    const guest = await register(stack, 'guest', 'prop-guest');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('flexible', 'moderate', 'strict'),
        fc.constantFrom(3, 6, 40),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        fc.array(step, { maxLength: 5 }),
        async (policy, ahead, instantBook, firstNights, steps) => {
          run += 1;
          const { listingId } = await publishedListing(stack, host, 'rental', { title: `Property flat ${run}`, cancellationPolicy: policy, instantBook });
          const checkIn = day(stack, ahead);
          const stayOf = (nights: number) => ({ checkIn, checkOut: day(stack, ahead + nights) });
          const booked = await stack.command.post(
            '/bookings',
            { listingId, ...stayOf(firstNights), guests: 1, paymentMethod: 'tok_visa' },
            { token: guest.token },
          );
          expect(booked.status, JSON.stringify(booked.body)).toBe(201);
          const bookingId = booked.body.bookingId as string;
          await stack.runDueTasks();

          // the model: nights booked, what the guest has paid and keeps paid, and the state
          let nights = firstNights;
          let status: 'awaiting_approval' | 'confirmed' | 'cancelled' = instantBook ? 'confirmed' : 'awaiting_approval';
          let paid = instantBook ? nights * NIGHT : 0;
          for (const s of steps) {
            const path = `/bookings/${bookingId}`;
            if (s.kind === 'approve') {
              const reply = await stack.command.post(`${path}/approve`, {}, { token: host.token });
              if (status === 'awaiting_approval') {
                expect(reply.status, JSON.stringify(reply.body)).toBe(200);
                status = 'confirmed';
                paid = nights * NIGHT;
              } else expect(reply.status).toBeGreaterThanOrEqual(400);
            } else if (s.kind === 'modify') {
              const reply = await stack.command.patch(path, stayOf(s.nights), { token: guest.token });
              if (status === 'cancelled') expect(reply.status).toBeGreaterThanOrEqual(400);
              else {
                expect(reply.status, JSON.stringify(reply.body)).toBe(200);
                if (status === 'confirmed') paid += (s.nights - nights) * NIGHT;
                nights = s.nights;
              }
            } else {
              const reply = await stack.command.post(`${path}/cancel`, {}, { token: s.by === 'guest' ? guest.token : host.token });
              if (status === 'cancelled') expect(reply.status).toBeGreaterThanOrEqual(400);
              else {
                expect(reply.status, JSON.stringify(reply.body)).toBe(200);
                const now = stack.clock.now().toISOString();
                const back =
                  s.by === 'host'
                    ? paid
                    : bookings.refundFor(
                        policy,
                        { amount: paid, currency: 'EUR' },
                        now,
                        bookings.stayStart({ kind: 'nights', ...stayOf(nights) }, 'Europe/Lisbon'),
                      ).amount;
                paid -= back;
                status = 'cancelled';
              }
            }
            await stack.runDueTasks();
          }

          // a failed task first: it names why money is still on its way (a refund awaiting its retry)
          await noTaskFailed(bookingId);
          const charges = gateway.charges().filter((c) => c.reference === bookingId);
          const refunds = gateway.refunds().filter((r) => r.reference === bookingId);
          const total = (effects: typeof charges) => effects.reduce((sum, e) => sum + e.amount.amount, 0);
          expect(total(charges) - total(refunds)).toBe(paid);
          for (const charge of charges) {
            if (charge.type !== 'captured') continue;
            const back = refunds.filter((r) => r.type === 'refunded' && r.paymentId === charge.paymentId);
            expect(total(back)).toBeLessThanOrEqual(charge.amount.amount);
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
