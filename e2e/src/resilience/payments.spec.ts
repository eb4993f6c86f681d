import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookings } from '@stayhub/domain';
import { MINUTE } from '@stayhub/event-sourcing';
import { HttpPaymentGateway } from '@stayhub/payments';
import { startGatewayServer, type GatewayFaults, type GatewayServer } from '@stayhub/payment-gateway';
import { startStack, type Stack } from '../harness.ts';
import { day, publishedListing, register } from '../fixtures.ts';
import { runDueTasksSettled } from './settle.ts';

/*
 * The payment gateway as its own HTTP service with injected faults, reached through the resilient
 * client (timeout, retries, breaker). Workflows run by hand on a test clock, so every retry and
 * deadline happens when the test says.
 */
let server: GatewayServer;
let gateway: HttpPaymentGateway;
let stack: Stack;
const HALF_OPEN_MS = 200;

beforeAll(async () => {
  server = await startGatewayServer({ webhookSecret: 'webhook-secret-webhook-secret-0123456789', hangMs: 1_000 });
  gateway = new HttpPaymentGateway({
    baseUrl: server.url,
    timeoutMs: 150,
    retries: 1,
    initialDelayMs: 5,
    maxDelayMs: 10,
    breakAfter: 3,
    halfOpenAfterMs: HALF_OPEN_MS,
  });
  stack = await startStack({ gateway, workflows: 'manual' });
});
afterAll(async () => {
  await stack?.stop();
  await server?.close();
});

const faults = async (set: Partial<GatewayFaults>) => {
  const reply = await fetch(`${server.url}/_faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(set) });
  expect(reply.status).toBe(200);
};
const statusOf = async (bookingId: string) => (await stack.side.deps.processor.load(bookings.bookingStreamId(bookingId), bookings.bookingDecider)).state.status;
const tasksOf = async (bookingId: string) =>
  JSON.stringify(
    (await stack.pool.query("SELECT task_id, due_at, attempts, last_error, done_at FROM workflow_tasks WHERE task_id LIKE '%' || $1 || '%'", [bookingId])).rows,
  );
const chargesOf = (bookingId: string) => server.gateway.charges().filter((charge) => charge.reference === bookingId);
const eventsOf = async (bookingId: string, type: string) =>
  (await stack.pool.query('SELECT count(*)::int AS n FROM es_events WHERE stream_id = $1 AND type = $2', [bookings.bookingStreamId(bookingId), type])).rows[0]
    .n as number;

/** The gateway is back: let the breaker half-open, then retry due tasks (a minute apart on the test clock) until `done`. */
const recover = async (done: () => Promise<boolean>) => {
  for (let round = 0; round < 8 && !(await done()); round++) {
    await new Promise((resolve) => setTimeout(resolve, HALF_OPEN_MS + 50));
    stack.clock.advance(MINUTE);
    await runDueTasksSettled(stack);
    await runDueTasksSettled(stack);
  }
  expect(await done()).toBe(true);
};

const book = async (guest: { token: string }, listingId: string, from: number) => {
  const reply = await stack.command.post(
    '/bookings',
    { listingId, checkIn: day(stack, from), checkOut: day(stack, from + 1), guests: 1, paymentMethod: 'tok_visa' },
    { token: guest.token },
  );
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  expect(reply.body.status).toBe('awaiting_payment');
  return reply.body.bookingId as string;
};

describe('payment gateway down', () => {
  it('bookings are still accepted and held while it fails, the breaker opens, and they complete when it is back', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Gateway outage flat' });
    await faults({ failureRate: 1 });

    const first = await Promise.all([book(guest, listingId, 10), book(guest, listingId, 12), book(guest, listingId, 14)]);
    await runDueTasksSettled(stack);
    expect(gateway.breakerState()).toBe('open');
    // Breaker open: a booking request still gets its 201, its nights held, payment pending.
    const during = await book(guest, listingId, 16);
    await runDueTasksSettled(stack);
    const all = [...first, during];
    for (const id of all) expect(await statusOf(id)).toBe('awaiting_payment');
    const taken = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 16), checkOut: day(stack, 17), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(taken.status).toBe(409);
    expect(server.gateway.charges()).toHaveLength(0);

    await faults({});
    await recover(async () => (await Promise.all(all.map(statusOf))).every((s) => s === 'confirmed'));
    expect(gateway.breakerState()).toBe('closed');
    for (const id of all) {
      expect(chargesOf(id)).toHaveLength(1);
      expect(await eventsOf(id, 'BookingPaid')).toBe(1);
    }
  });

  it('down past the payment deadline: the booking fails, its nights are released, and it is never charged later', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Deadline flat' });
    await faults({ failureRate: 1 });
    const bookingId = await book(guest, listingId, 20);
    await runDueTasksSettled(stack);

    stack.clock.advance(16 * MINUTE);
    await runDueTasksSettled(stack);
    await runDueTasksSettled(stack);
    expect(await statusOf(bookingId)).toBe('payment_failed');
    const again = await book(guest, listingId, 20);

    await faults({});
    await recover(async () => (await statusOf(again)) === 'confirmed');
    expect(chargesOf(bookingId)).toHaveLength(0);
    expect(await statusOf(bookingId)).toBe('payment_failed');
    expect(chargesOf(again)).toHaveLength(1);
  });

  it('a timeout after the gateway charged: the retries reuse the idempotency key, so the card is charged once', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Slow answer flat' });
    // The gateway handles the charge, then never answers in time.
    await faults({ timeoutRate: 1 });
    const bookingId = await book(guest, listingId, 30);
    await runDueTasksSettled(stack);
    stack.clock.advance(MINUTE);
    await runDueTasksSettled(stack);
    expect(await statusOf(bookingId)).toBe('awaiting_payment');
    expect(chargesOf(bookingId)).toHaveLength(1);

    await faults({});
    await recover(async () => (await statusOf(bookingId)) === 'confirmed');
    expect(chargesOf(bookingId)).toHaveLength(1);
    expect(await eventsOf(bookingId, 'BookingPaid')).toBe(1);
    const paid = await stack.side.deps.processor.load(bookings.bookingStreamId(bookingId), bookings.bookingDecider);
    expect(paid.state.status === 'confirmed' && paid.state.paid).toEqual(paid.state.status === 'confirmed' && paid.state.total);
  });

  it('the charge went through but its answer was lost, then the gateway stayed down past the deadline: the charge is found and refunded', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Lost answer flat' });
    await faults({ timeoutRate: 1 });
    const bookingId = await book(guest, listingId, 40);
    await runDueTasksSettled(stack);
    expect(chargesOf(bookingId)).toHaveLength(1);

    await faults({ failureRate: 1 });
    stack.clock.advance(16 * MINUTE);
    await runDueTasksSettled(stack);
    await runDueTasksSettled(stack);
    expect(await statusOf(bookingId), `${stack.clock.now().toISOString()} ${await tasksOf(bookingId)}`).toBe('payment_failed');

    await faults({});
    const refunds = () => server.gateway.refunds().filter((refund) => refund.reference === bookingId);
    await recover(async () => refunds().length === 1);
    expect(chargesOf(bookingId)).toHaveLength(1);
    expect(refunds()[0]!.amount).toEqual(chargesOf(bookingId)[0]!.amount);
    expect(await statusOf(bookingId)).toBe('payment_failed');
    expect(await eventsOf(bookingId, 'BookingPaymentOrphaned')).toBe(1);
    expect(await eventsOf(bookingId, 'BookingRefunded')).toBe(1);
  });
});
