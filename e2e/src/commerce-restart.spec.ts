import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkoutWorkflow } from '@stayhub/command-api';
import { commerce } from '@stayhub/domain';
import { MINUTE, WorkflowRunner } from '@stayhub/event-sourcing';
import { SimulatedGateway } from '@stayhub/payments';
import { startStack, type Stack } from './harness.ts';
import { register, waitUntil } from './fixtures.ts';
import { addStock, checkout, createProduct, orderReaches, settle } from './commerce-fixtures.ts';

const gateway = new SimulatedGateway();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateway, workflows: 'manual' });
});
afterAll(async () => {
  await stack?.stop();
});

const available = async (sku: string) => commerce.availableOf((await stack.side.deps.processor.load(commerce.stockStreamId(sku), commerce.stockDecider)).state);
const attemptsOf = async (taskId: string) =>
  Number((await stack.pool.query<{ attempts: number }>('SELECT attempts FROM workflow_tasks WHERE task_id = $1', [taskId])).rows[0]?.attempts ?? 0);

/** A runner built from nothing but the database: what a restarted process would start with. */
const freshRunner = () => {
  const runner = new WorkflowRunner({
    pool: stack.pool,
    eventStore: stack.side.deps.eventStore,
    clock: stack.clock,
    workflows: [checkoutWorkflow(stack.side.deps)],
    tickMs: 20,
  });
  const stop = new AbortController();
  const done = runner.run(stop.signal);
  return {
    stop: async () => {
      stop.abort();
      return done;
    },
  };
};

describe('checkout across a workflow runner restart', () => {
  it('a payment interrupted by a stop completes after the restart; an unanswered one expires on time', async () => {
    const seller = await register(stack, 'host');
    const shopper = await register(stack, 'guest');
    const product = await createProduct(stack, seller, { price: { amount: 2500, currency: 'EUR' } });
    await addStock(stack, seller, product.productId, 5);
    const item = { items: [{ productId: product.productId, quantity: 1 }] };
    // tok_flaky_1: the gateway fails the first attempt, then answers.
    const paying = await checkout(stack, shopper, { ...item, paymentMethod: 'tok_flaky_1' });
    const silent = await checkout(stack, shopper, { ...item, paymentMethod: 'tok_unavailable' });
    expect([paying.status, silent.status]).toEqual([201, 201]);

    stack.startWorkflows();
    await waitUntil(
      () => attemptsOf(`request-payment:${paying.body.orderId}`),
      (attempts) => attempts >= 1,
    );
    await stack.stopWorkflows();
    const status = async (orderId: string) => (await stack.side.deps.processor.load(commerce.orderStreamId(orderId), commerce.orderDecider)).state.status;
    expect(await status(paying.body.orderId)).toBe('payment_pending');
    expect(await available(product.sku)).toBe(3);

    // While nothing runs, the retry comes due (and, later, the deadline): only the database remembers either.
    stack.clock.advance(MINUTE);
    const restarted = freshRunner();
    try {
      await orderReaches(stack, shopper, paying.body.orderId, 'confirmed');
      expect(gateway.charges().filter((c) => c.reference === paying.body.orderId)).toHaveLength(1);
      expect(await status(silent.body.orderId)).toBe('payment_pending');

      stack.clock.advance(15 * MINUTE);
      await orderReaches(stack, shopper, silent.body.orderId, 'expired');
      await waitUntil(
        () => available(product.sku),
        (units) => units === 4,
      );
    } finally {
      await restarted.stop();
    }
  });

  it('an order whose checkout died after placing it gets its stock and payment from the workflow', async () => {
    const seller = await register(stack, 'host');
    const shopper = await register(stack, 'guest');
    const product = await createProduct(stack, seller, { price: { amount: 700, currency: 'EUR' } });
    await addStock(stack, seller, product.productId, 2);

    // What POST /checkout appends first; the process "crashes" before holding anything.
    const orderId = randomUUID();
    const now = stack.clock.now().toISOString();
    const line = { productId: product.productId, sku: product.sku, name: 'TV', unitPrice: product.price, quantity: 2 };
    await stack.side.deps.secrets.savePaymentMethod(orderId, 'tok_visa');
    await stack.side.deps.processor.handle(commerce.orderStreamId(orderId), commerce.orderDecider, {
      type: 'PlaceOrder',
      data: {
        orderId,
        userId: shopper.userId,
        lines: [line],
        shippingPostalCode: '10115',
        paymentDeadline: commerce.paymentDeadlineFor(now),
        fromCart: false,
        now,
      },
    });
    expect(await available(product.sku)).toBe(2);

    await settle(stack);
    await orderReaches(stack, shopper, orderId, 'confirmed');
    expect((await stack.side.deps.processor.load(commerce.stockStreamId(product.sku), commerce.stockDecider)).state.onHand).toBe(0);
  });
});
