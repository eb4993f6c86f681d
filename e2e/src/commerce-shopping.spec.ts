import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.ts';
import { register, waitUntil } from './fixtures.ts';
import { addStock, checkout, createProduct, orderReaches, productBody } from './commerce-fixtures.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe('shopping end to end', () => {
  it('a seller lists a TV and stocks it; a shopper finds it, carts it, checks out, pays, and sees the order', async () => {
    const seller = await register(stack, 'host');
    const shopper = await register(stack, 'guest');
    const tv = await createProduct(stack, seller);
    const stocked = await addStock(stack, seller, tv.productId, 5);
    expect(stocked).toMatchObject({ onHand: 5, available: 5 });

    const found = await stack.query.get(`/products/search?q=oled%20televison&attr.size=55&deliverableTo=10%20115&after=${stocked.consistencyToken}`);
    expect(found.status).toBe(200);
    expect(found.body.items).toEqual([expect.objectContaining({ productId: tv.productId, price: eur(129_900), available: 5, deliveryDays: 3 })]);
    for (const miss of ['attr.panel=LCD', 'deliverableTo=20095', 'maxPrice=1000', 'category=shirts']) {
      const none = await stack.query.get(`/products/search?q=oled&${miss}`);
      expect(
        none.body.items.map((i: { productId: string }) => i.productId),
        miss,
      ).not.toContain(tv.productId);
    }
    const detail = await stack.query.get(`/products/${tv.productId}`);
    expect(detail.body).toMatchObject({ sku: tv.sku, status: 'active', stock: { onHand: 5, reserved: 0, available: 5, inStock: true } });

    const wished = await stack.command.put(`/me/wishlist/${tv.productId}`, {}, { token: shopper.token });
    expect(wished.status).toBe(200);
    const moved = await stack.command.post(`/me/wishlist/${tv.productId}/move-to-cart`, { quantity: 1 }, { token: shopper.token });
    expect(moved.body).toMatchObject({ lines: [{ productId: tv.productId, quantity: 1 }], wishlist: [] });
    const set = await stack.command.put('/carts/me/items', { productId: tv.productId, quantity: 2 }, { token: shopper.token });
    const cart = await stack.query.get(`/carts/me?after=${set.body.consistencyToken}`, { token: shopper.token });
    expect(cart.body).toMatchObject({
      itemCount: 2,
      subtotal: eur(259_800),
      lines: [{ productId: tv.productId, quantity: 2, product: { name: 'Lumen 55" OLED television', available: 5 } }],
    });
    const wishlist = await stack.query.get(`/me/wishlist?after=${moved.body.consistencyToken}`, { token: shopper.token });
    expect(wishlist.body.items).toEqual([]);

    const ordered = await checkout(stack, shopper, { fromCart: true });
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(201);
    expect(ordered.body).toMatchObject({ status: 'payment_pending', total: eur(259_800) });
    expect(ordered.headers.get('location')).toBe(`/orders/${ordered.body.orderId}`);

    const confirmed = await orderReaches(stack, shopper, ordered.body.orderId, 'confirmed');
    expect(confirmed.body.paid).toEqual(eur(259_800));
    expect(confirmed.body.timeline.map((e: { type: string }) => e.type)).toEqual([
      'OrderPlaced',
      'OrderStockHeld',
      'OrderPaymentRequested',
      'OrderPaid',
      'OrderConfirmed',
    ]);
    const history = await stack.query.get('/me/orders', { token: shopper.token });
    expect(history.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([ordered.body.orderId]);

    // the ordered cart is emptied: an empty cart shows a zero subtotal (in ISO 4217's no-currency XXX), not none
    const emptied = await waitUntil(
      () => stack.query.get('/carts/me', { token: shopper.token }),
      (r) => r.body?.lines?.length === 0,
    );
    expect(emptied.body).toMatchObject({ itemCount: 0, subtotal: { amount: 0, currency: 'XXX' } });
    await waitUntil(
      () => stack.query.get(`/products/${tv.productId}`),
      (r) => r.body?.stock?.onHand === 3 && r.body.stock.reserved === 0,
    );

    const shipped = await stack.command.post(`/orders/${ordered.body.orderId}/ship`, { carrier: 'DHL', tracking: '00340434' }, { token: seller.token });
    expect(shipped.body.status).toBe('shipped');
    const delivered = await stack.command.post(`/orders/${ordered.body.orderId}/deliver`, {}, { token: seller.token });
    expect(delivered.body.status).toBe('delivered');
    const seen = await stack.query.get(`/orders/${ordered.body.orderId}?after=${delivered.body.consistencyToken}`, { token: shopper.token });
    expect(seen.body.timeline.at(-2)).toMatchObject({ type: 'OrderShipped', carrier: 'DHL', tracking: '00340434' });
    expect(seen.body.status).toBe('delivered');

    const stranger = await register(stack, 'guest');
    const hidden = await stack.query.get(`/orders/${ordered.body.orderId}`, { token: stranger.token });
    expect(hidden.status).toBe(404);
  });

  it('totals a list of products at the prices of the moment, and later price changes do not touch the order', async () => {
    const seller = await register(stack, 'host');
    const shopper = await register(stack, 'guest');
    const cup = await createProduct(stack, seller, { name: 'Espresso cup', category: 'kitchen', price: eur(1250) });
    const saucer = await createProduct(stack, seller, { name: 'Saucer', category: 'kitchen', price: eur(499) });
    await addStock(stack, seller, cup.productId, 10);
    await addStock(stack, seller, saucer.productId, 10);
    const ordered = await checkout(stack, shopper, {
      items: [
        { productId: cup.productId, quantity: 2 },
        { productId: saucer.productId, quantity: 3 },
      ],
    });
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(201);
    expect(ordered.body.total).toEqual(eur(2 * 1250 + 3 * 499));

    const repriced = await stack.command.post(`/products/${cup.productId}/price`, { price: eur(9999) }, { token: seller.token });
    expect(repriced.status).toBe(200);
    const order = await stack.query.get(`/orders/${ordered.body.orderId}?after=${repriced.body.consistencyToken}`, { token: shopper.token });
    expect(order.body.total).toEqual(eur(2 * 1250 + 3 * 499));
    expect(order.body.lines.find((l: { sku: string }) => l.sku === cup.sku).unitPrice).toEqual(eur(1250));
  });

  it('refuses what it must with problem+json', async () => {
    const seller = await register(stack, 'host');
    const shopper = await register(stack, 'guest');
    const product = await createProduct(stack, seller);
    await addStock(stack, seller, product.productId, 1);

    const cases: [string, () => Promise<{ status: number; body: any; headers: Headers }>, number, string?][] = [
      ['a guest cannot list products', () => stack.command.post('/products', productBody(), { token: shopper.token }), 403],
      ['a SKU is one product', () => stack.command.post('/products', productBody({ sku: product.sku }), { token: seller.token }), 409, 'SKU_TAKEN'],
      [
        'another seller cannot stock it',
        async () => stack.command.post(`/products/${product.productId}/stock`, { quantity: 1 }, { token: (await register(stack, 'host')).token }),
        403,
        'NOT_PRODUCT_SELLER',
      ],
      ['cart or items, not both', () => checkout(stack, shopper, { fromCart: true, items: [{ productId: product.productId, quantity: 1 }] }), 400],
      ['an empty cart', () => checkout(stack, shopper, { fromCart: true }), 422, 'CART_EMPTY'],
      [
        'not delivered there',
        () => checkout(stack, shopper, { items: [{ productId: product.productId, quantity: 1 }], shippingPostalCode: '20095' }),
        422,
        'NOT_DELIVERABLE',
      ],
      ['no such product', () => checkout(stack, shopper, { items: [{ productId: 'nope', quantity: 1 }] }), 404, 'PRODUCT_NOT_FOUND'],
      ['a bad cursor', () => stack.query.get('/me/orders?before=garbage', { token: shopper.token }), 400],
    ];
    for (const [name, call, status, code] of cases) {
      const reply = await call();
      expect(reply.status, `${name}: ${JSON.stringify(reply.body)}`).toBe(status);
      expect(reply.headers.get('content-type'), name).toContain('application/problem+json');
      if (code) expect(reply.body.code, name).toBe(code);
    }

    const discontinued = await stack.command.post(`/products/${product.productId}/discontinue`, {}, { token: seller.token });
    expect(discontinued.body.status).toBe('discontinued');
    const refused = await stack.command.put('/carts/me/items', { productId: product.productId, quantity: 1 }, { token: shopper.token });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('PRODUCT_DISCONTINUED');
    const gone = await stack.query.get(`/products/search?q=oled&after=${discontinued.body.consistencyToken}`);
    expect(gone.body.items.map((i: { productId: string }) => i.productId)).not.toContain(product.productId);
  });

  it('pages product search by its cursor, and refuses a cursor it never gave out', async () => {
    const seller = await register(stack, 'host');
    const word = `zq${Math.random().toString(36).slice(2, 10).replace(/[0-9]/g, 'x')}`;
    let token = '';
    for (const price of [300, 100, 200]) token = (await createProduct(stack, seller, { name: `Lamp ${word}`, price: eur(price) })).consistencyToken;
    const first = await stack.query.get(`/products/search?q=${word}&sort=price&pageSize=2&after=${token}`);
    expect(first.body).toMatchObject({ total: 3, totalText: '3', next: expect.any(String) });
    const second = await stack.query.get(`/products/search?q=${word}&sort=price&pageSize=2&cursor=${first.body.next}`);
    expect([...first.body.items, ...second.body.items].map((i: { price: { amount: number } }) => i.price.amount)).toEqual([100, 200, 300]);
    expect(second.body.next).toBeNull();
    const refused = await stack.query.get(`/products/search?q=${word}&cursor=not-a-cursor`);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(refused.body)).toContain('cursor');
  });

  it('pages order history newest first, by cursor or by page number', async () => {
    const seller = await register(stack, 'host');
    const shopper = await register(stack, 'guest');
    const product = await createProduct(stack, seller, { price: eur(100) });
    await addStock(stack, seller, product.productId, 50);
    const placed: string[] = [];
    let token = '';
    for (let i = 0; i < 5; i++) {
      stack.clock.advance(1000);
      const ordered = await checkout(stack, shopper, { items: [{ productId: product.productId, quantity: 1 }] });
      expect(ordered.status).toBe(201);
      placed.unshift(ordered.body.orderId);
      token = ordered.body.consistencyToken;
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 5; pages++) {
      const reply: { body: { items: { orderId: string }[]; nextCursor: string | null } } = await stack.query.get(
        `/me/orders?pageSize=2&after=${token}${cursor ? `&before=${cursor}` : ''}`,
        { token: shopper.token },
      );
      seen.push(...reply.body.items.map((o) => o.orderId));
      cursor = reply.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(placed);
    const third = await stack.query.get('/me/orders?pageSize=2&page=3', { token: shopper.token });
    expect(third.body).toMatchObject({ items: [{ orderId: placed[4] }], hasMore: false, nextCursor: null });
  });
});
