import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowRunner } from '@stayhub/event-sourcing';
import { adminToken, register } from '../fixtures.ts';
import { addStock, checkout, createProduct, orderReaches } from '../commerce-fixtures.ts';
import { startStack, type Stack } from '../harness.ts';

const LARGEST = Number.MAX_SAFE_INTEGER;

const OPERATOR = 'ops@poison.test';
let stack: Stack;
let operator: string;
beforeAll(async () => {
  stack = await startStack({ settings: { ADMIN_EMAILS: OPERATOR } });
  operator = await adminToken(stack, OPERATOR);
});
afterAll(async () => {
  await stack?.stop();
});

const eventsOf = async (actor: string) =>
  (await stack.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM es_events WHERE metadata->>'actor' = $1", [actor])).rows[0]!.n;

/** An `OrderPlaced` as the platform stored it before totals were checked: its total is past the safe integers. */
const storeUnsafeOrder = async (userId: string) => {
  const orderId = randomUUID();
  const line = (sku: string) => ({
    productId: randomUUID(),
    sku,
    name: 'Gold bar',
    unitPrice: { amount: LARGEST, currency: 'EUR' },
    quantity: 1,
    lineTotal: { amount: LARGEST, currency: 'EUR' },
  });
  const eventId = randomUUID();
  await stack.side.deps.eventStore.append(
    `order-${orderId}`,
    [
      {
        eventId,
        type: 'OrderPlaced',
        data: {
          orderId,
          userId,
          lines: [line('GOLD-1'), line('GOLD-2')],
          total: { amount: LARGEST * 2, currency: 'EUR' },
          shippingPostalCode: '10115',
          paymentMethod: 'tok_visa',
          paymentDeadline: new Date(stack.clock.now().getTime() + 900_000).toISOString(),
          fromCart: false,
          at: stack.clock.now().toISOString(),
        },
        metadata: { actor: userId },
      },
    ],
    'no_stream',
  );
  return { orderId, eventId };
};

describe('one event that a workflow cannot react to', () => {
  it('checkout of two products priced at the largest amount is 422 AMOUNT_INVALID and stores nothing; the cart shows no subtotal', async () => {
    const seller = await register(stack, 'host');
    const shopper = await register(stack, 'guest');
    const a = await createProduct(stack, seller, { price: { amount: LARGEST, currency: 'EUR' } });
    const b = await createProduct(stack, seller, { price: { amount: LARGEST, currency: 'EUR' } });
    await addStock(stack, seller, a.productId, 1);
    await addStock(stack, seller, b.productId, 1);

    const before = await eventsOf(shopper.userId);
    const refused = await checkout(stack, shopper, {
      items: [
        { productId: a.productId, quantity: 1 },
        { productId: b.productId, quantity: 1 },
      ],
    });
    expect(refused.status, JSON.stringify(refused.body)).toBe(422);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.code).toBe('AMOUNT_INVALID');
    expect(await eventsOf(shopper.userId)).toBe(before);

    await stack.command.put('/carts/me/items', { productId: a.productId, quantity: 1 }, { token: shopper.token });
    const set = await stack.command.put('/carts/me/items', { productId: b.productId, quantity: 1 }, { token: shopper.token });
    const cart = await stack.query.get(`/carts/me?after=${set.body.consistencyToken}`, { token: shopper.token });
    expect(cart.body).toMatchObject({ itemCount: 2, subtotal: null });

    const alone = await checkout(stack, shopper, { items: [{ productId: a.productId, quantity: 1 }] });
    expect(alone.status, JSON.stringify(alone.body)).toBe(201);
    expect(alone.body.total).toEqual({ amount: LARGEST, currency: 'EUR' });
  });

  it('an unsafe order stored before the fix is parked by the checkout workflow, and the orders after it are still paid', async () => {
    const seller = await register(stack, 'host');
    const shopper = await register(stack, 'guest');
    const poison = await storeUnsafeOrder(shopper.userId);
    const tv = await createProduct(stack, seller);
    await addStock(stack, seller, tv.productId, 2);

    const ordered = await checkout(stack, shopper, { items: [{ productId: tv.productId, quantity: 1 }] });
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(201);
    await orderReaches(stack, shopper, ordered.body.orderId, 'confirmed');

    const parked = await WorkflowRunner.listParked(stack.pool);
    expect(parked.map((p) => [p.workflow, p.eventId, p.type])).toEqual([['checkout', poison.eventId, 'OrderPlaced']]);
    expect(parked[0]!.error).toMatch(/ZodError|amount/i);

    const health = await stack.command.get('/health');
    expect(health.status).toBe(200);
    const subscriptions = health.body.workflows.subscriptions as { workflow: string; parked: number; stuck: boolean; lag: number }[];
    expect(subscriptions.map((s) => s.workflow).sort()).toEqual(['bookings', 'checkout', 'notifications', 'payouts']);
    expect(subscriptions.find((s) => s.workflow === 'checkout')).toMatchObject({ parked: 1, stuck: false });
    const metrics = (await stack.command.get('/metrics', { token: operator })).body as string;
    expect(metrics).toContain('workflow_parked_events{workflow="checkout"} 1');
    expect(metrics).toMatch(/workflow_subscription_lag_events\{workflow="bookings"\} \d+/);
  });

  it('/health is 503 and names the workflow while its subscription keeps failing', async () => {
    await stack.pool.query(
      "UPDATE subscription_checkpoints SET failing_since = now() - interval '5 minutes', last_error = 'Error: connection terminated' WHERE name = 'workflow:bookings'",
    );
    const health = await stack.command.get('/health');
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('degraded');
    expect(health.body.workflows.subscriptions.find((s: { workflow: string }) => s.workflow === 'bookings')).toMatchObject({
      stuck: true,
      lastError: 'Error: connection terminated',
    });
    const metrics = (await stack.command.get('/metrics', { token: operator })).body as string;
    expect(metrics).toContain('workflow_subscription_stuck{workflow="bookings"} 1');
    expect(metrics).toContain('workflow_subscription_failing{workflow="bookings"} 1');
  });
});
