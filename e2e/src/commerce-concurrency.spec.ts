import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commerce } from '@stayhub/domain';
import { startStack, type Stack } from './harness.ts';
import { register, waitUntil } from './fixtures.ts';
import { addStock, checkout, createProduct, settle, streamEvents, uniqueSku } from './commerce-fixtures.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ workflows: 'manual' });
});
afterAll(async () => {
  await stack?.stop();
});

/** Replays a SKU's stock stream, checking after every event that nothing was promised twice. */
const replayStock = async (sku: string) => {
  let state = commerce.stockDecider.initialState;
  let lowest = Number.POSITIVE_INFINITY;
  const events = await streamEvents(stack, commerce.stockStreamId(sku));
  for (const event of events) {
    state = commerce.stockDecider.evolve(state, { type: event.type, data: event.data } as commerce.StockEvent);
    lowest = Math.min(lowest, commerce.availableOf(state), state.onHand);
  }
  return { state, lowest, held: events.filter((e) => e.type === 'StockHeld').map((e) => (e.data as { holdId: string }).holdId) };
};

/** The orders stored for these shoppers, by id. */
const ordersOf = async (userIds: string[]) =>
  (
    await stack.pool.query<{ id: string }>("SELECT data->>'orderId' AS id FROM es_events WHERE type = 'OrderPlaced' AND data->>'userId' = ANY($1) ORDER BY 1", [
      userIds,
    ])
  ).rows.map((r) => r.id);

const orderStatus = async (orderId: string) => (await stack.side.deps.processor.load(commerce.orderStreamId(orderId), commerce.orderDecider)).state.status;

describe('checkout under contention', () => {
  it('50 concurrent orders for a SKU with 10 in stock: exactly 10 hold stock, none oversold, 40 get a 409 problem', async () => {
    const seller = await register(stack, 'host');
    const shoppers = await Promise.all(Array.from({ length: 5 }, () => register(stack, 'guest')));
    const product = await createProduct(stack, seller, { name: 'Limited sneaker' });
    await addStock(stack, seller, product.productId, 10);

    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => checkout(stack, shoppers[i % shoppers.length]!, { items: [{ productId: product.productId, quantity: 1 }] })),
    );
    const won = replies.filter((r) => r.status === 201);
    const lost = replies.filter((r) => r.status !== 201);
    expect(won).toHaveLength(10);
    expect(lost).toHaveLength(40);
    for (const reply of won) expect(reply.body.status).toBe('payment_pending');
    for (const reply of lost) {
      expect(reply.status).toBe(409);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body).toMatchObject({
        status: 409,
        code: 'OUT_OF_STOCK',
        type: 'urn:stayhub:error:OUT_OF_STOCK',
        details: { sku: product.sku, available: 0, requested: 1 },
      });
      expect(reply.body).not.toHaveProperty('orderId');
    }
    // a refused checkout stores no order: the shoppers have exactly the 10 that won
    expect(await ordersOf(shoppers.map((s) => s.userId))).toEqual(won.map((r) => r.body.orderId).sort());

    const stock = await replayStock(product.sku);
    expect(stock.lowest).toBeGreaterThanOrEqual(0);
    expect(new Set(stock.held)).toEqual(new Set(won.map((r) => r.body.orderId)));

    // The workflow's own HoldStock tasks for the refused orders must not take stock afterwards.
    await settle(stack);
    const settled = await replayStock(product.sku);
    expect(settled.held).toHaveLength(10);
    expect(settled.lowest).toBeGreaterThanOrEqual(0);
    expect(settled.state.onHand).toBe(0);
    expect(await Promise.all(won.map((r) => orderStatus(r.body.orderId)))).toEqual(won.map(() => 'confirmed'));
    await waitUntil(
      () => stack.query.get(`/products/${product.productId}`),
      (r) => r.body?.stock?.onHand === 0 && r.body.stock.reserved === 0 && r.body.stock.available === 0,
    );
  });

  it('an order refused on its second line holds nothing of its first line, and stores no order', async () => {
    const seller = await register(stack, 'host');
    const shopper = await register(stack, 'guest');
    // Lines are held in SKU order, so the scarce one (Z…) comes second.
    const plenty = await createProduct(stack, seller, { name: 'Cable', sku: uniqueSku('A-CABLE') });
    const scarce = await createProduct(stack, seller, { name: 'Remote', sku: uniqueSku('Z-REMOTE') });
    await addStock(stack, seller, plenty.productId, 5);
    await addStock(stack, seller, scarce.productId, 1);

    const refused = await checkout(stack, shopper, {
      items: [
        { productId: scarce.productId, quantity: 2 },
        { productId: plenty.productId, quantity: 1 },
      ],
    });
    expect(refused.status).toBe(409);
    expect(refused.body.details).toMatchObject({ sku: scarce.sku, available: 1, requested: 2 });
    // the whole checkout is one append: the first line's hold was never stored, and neither was the order
    expect(commerce.availableOf((await replayStock(plenty.sku)).state)).toBe(5);
    expect(await ordersOf([shopper.userId])).toEqual([]);

    await settle(stack);
    expect(commerce.availableOf((await replayStock(plenty.sku)).state)).toBe(5);
    expect(commerce.availableOf((await replayStock(scarce.sku)).state)).toBe(1);
  });

  it('a cart refused for stock stays as it was, to try again', async () => {
    const seller = await register(stack, 'host');
    const shopper = await register(stack, 'guest');
    const product = await createProduct(stack, seller);
    await addStock(stack, seller, product.productId, 2);
    await stack.command.put('/carts/me/items', { productId: product.productId, quantity: 3 }, { token: shopper.token });
    const refused = await checkout(stack, shopper, { fromCart: true });
    expect(refused.status).toBe(409);
    await settle(stack);
    const cart = (await stack.side.deps.processor.load(commerce.cartStreamId(shopper.userId), commerce.cartDecider)).state;
    expect(cart.lines).toEqual([{ productId: product.productId, quantity: 3 }]);
  });
});
