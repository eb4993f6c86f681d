import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedHead } from '@stayhub/read-models';
import { startStack, type Stack } from './harness.ts';
import { register } from './fixtures.ts';
import { addStock, checkout, createProduct, orderReaches } from './commerce-fixtures.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

type SellerOrder = {
  orderId: string;
  status: string;
  lines: { productId: string; quantity: number }[];
  wholeOrder: boolean;
  shippingPostalCode: string;
  shipment?: { carrier?: string };
};

describe('GET /seller/orders', () => {
  it("lists the orders holding the seller's products, newest first, with only the seller's lines and where they go; shipping moves one along", async () => {
    const seller = await register(stack, 'host');
    const otherSeller = await register(stack, 'host');
    const shopper = await register(stack, 'guest');
    const lamp = await createProduct(stack, seller, { name: 'Desk lamp' });
    const mug = await createProduct(stack, otherSeller, { name: 'Mug' });
    await addStock(stack, seller, lamp.productId, 10);
    await addStock(stack, otherSeller, mug.productId, 10);

    const first = await checkout(stack, shopper, { items: [{ productId: lamp.productId, quantity: 2 }], shippingPostalCode: '10115' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    await orderReaches(stack, shopper, first.body.orderId, 'confirmed');
    const mixed = await checkout(stack, shopper, {
      items: [
        { productId: lamp.productId, quantity: 1 },
        { productId: mug.productId, quantity: 3 },
      ],
      shippingPostalCode: '75001',
    });
    expect(mixed.status, JSON.stringify(mixed.body)).toBe(201);
    await orderReaches(stack, shopper, mixed.body.orderId, 'confirmed');
    const theirs = await checkout(stack, shopper, { items: [{ productId: mug.productId, quantity: 1 }] });
    await orderReaches(stack, shopper, theirs.body.orderId, 'confirmed');

    // The confirmations came from the checkout workflow: wait for everything committed so far.
    const list = await stack.query.get(`/seller/orders?status=confirmed&after=${await committedHead(stack.pool)}`, { token: seller.token });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    const items = list.body.items as SellerOrder[];
    expect(items.map((o) => o.orderId)).toEqual([mixed.body.orderId, first.body.orderId]);
    expect(items[0]).toMatchObject({
      status: 'confirmed',
      shippingPostalCode: '75001',
      wholeOrder: false,
      lines: [{ productId: lamp.productId, quantity: 1 }],
    });
    expect(items[1]).toMatchObject({
      shippingPostalCode: '10115',
      wholeOrder: true,
      lines: [{ productId: lamp.productId, quantity: 2, sku: lamp.sku, name: 'Desk lamp' }],
    });
    expect(JSON.stringify(list.body)).not.toContain('tok_visa');

    const shipped = await stack.command.post(`/orders/${first.body.orderId}/ship`, { carrier: 'DHL', tracking: 'JD014' }, { token: seller.token });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    const toShip = await stack.query.get(`/seller/orders?status=confirmed&after=${shipped.body.consistencyToken}`, { token: seller.token });
    expect(toShip.body.items.map((o: SellerOrder) => o.orderId)).toEqual([mixed.body.orderId]);
    const sent = await stack.query.get(`/seller/orders?status=shipped&after=${shipped.body.consistencyToken}`, { token: seller.token });
    expect(sent.body.items).toEqual([
      expect.objectContaining({ orderId: first.body.orderId, shipment: expect.objectContaining({ carrier: 'DHL', tracking: 'JD014' }) }),
    ]);

    const other = await stack.query.get(`/seller/orders?after=${await committedHead(stack.pool)}`, { token: otherSeller.token });
    expect(other.body.items.map((o: SellerOrder) => o.orderId)).toEqual([theirs.body.orderId, mixed.body.orderId]);
    const paged = await stack.query.get('/seller/orders?pageSize=1', { token: seller.token });
    expect(paged.body).toMatchObject({ page: 1, pageSize: 1, hasMore: true });
  });

  it("GET /seller/products lists the seller's own products, newest first, with their stock; no one else's", async () => {
    const seller = await register(stack, 'host');
    const other = await register(stack, 'host');
    const lamp = await createProduct(stack, seller, { name: 'Desk lamp' });
    const chair = await createProduct(stack, seller, { name: 'Chair' });
    await createProduct(stack, other, { name: 'Mug' });
    const stocked = await addStock(stack, seller, lamp.productId, 4);
    const list = await stack.query.get(`/seller/products?after=${stocked.consistencyToken}`, { token: seller.token });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body.items.map((p: { productId: string }) => p.productId)).toEqual([chair.productId, lamp.productId]);
    expect(list.body.items[1]).toMatchObject({ name: 'Desk lamp', sku: lamp.sku, stock: { onHand: 4, reserved: 0, available: 4, inStock: true } });
    expect((await stack.query.get('/seller/products?pageSize=1', { token: seller.token })).body).toMatchObject({
      hasMore: true,
      items: [{ productId: chair.productId }],
    });
    expect((await stack.query.get('/seller/products?sellerId=x', { token: seller.token })).status).toBe(400);
  });

  it("GET /seller/stock-receipts lists the deliveries into the seller's products, newest first; a delivery note sent twice counts once", async () => {
    const seller = await register(stack, 'host');
    const other = await register(stack, 'host');
    const lamp = await createProduct(stack, seller, { name: 'Desk lamp' });
    const chair = await createProduct(stack, seller, { name: 'Chair' });
    const mug = await createProduct(stack, other, { name: 'Mug' });
    const receive = async (who: { token: string }, productId: string, body: Record<string, unknown>) => {
      const reply = await stack.command.post(`/products/${productId}/stock`, body, { token: who.token });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      return reply.body.consistencyToken as string;
    };
    await receive(seller, lamp.productId, { quantity: 5, receiptId: 'DN-100' });
    await receive(seller, lamp.productId, { quantity: 5, receiptId: 'DN-100' });
    await receive(seller, chair.productId, { quantity: 2 });
    await receive(other, mug.productId, { quantity: 9, receiptId: 'DN-200' });
    const last = await receive(seller, lamp.productId, { quantity: 1, receiptId: 'DN-101' });

    const all = await stack.query.get(`/seller/stock-receipts?after=${await committedHead(stack.pool)}`, { token: seller.token });
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body).toMatchObject({ page: 1, hasMore: false, stale: false });
    expect(all.body.items).toEqual([
      { productId: lamp.productId, sku: lamp.sku, receiptId: 'DN-101', quantity: 1, receivedAt: expect.any(String), receivedBy: 'seller' },
      { productId: chair.productId, sku: chair.sku, receiptId: expect.any(String), quantity: 2, receivedAt: expect.any(String), receivedBy: 'seller' },
      { productId: lamp.productId, sku: lamp.sku, receiptId: 'DN-100', quantity: 5, receivedAt: expect.any(String), receivedBy: 'seller' },
    ]);
    const lamps = await stack.query.get(`/seller/stock-receipts?productId=${lamp.productId}&pageSize=1&after=${last}`, { token: seller.token });
    expect(lamps.body).toMatchObject({ hasMore: true, items: [{ receiptId: 'DN-101' }] });
    // Another seller's product has no receipts for this seller, and says nothing about them.
    expect((await stack.query.get(`/seller/stock-receipts?productId=${mug.productId}`, { token: seller.token })).body.items).toEqual([]);

    expect((await stack.query.get('/seller/stock-receipts', { token: (await register(stack, 'guest')).token })).status).toBe(403);
    for (const path of ['/seller/stock-receipts?sellerId=x', '/seller/stock-receipts?pageSize=101', '/seller/stock-receipts?productId=']) {
      const bad = await stack.query.get(path, { token: seller.token });
      expect(bad.status, path).toBe(400);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('answers only sellers (hosts); a bad status or an unknown parameter is a 400 problem that changes nothing', async () => {
    const guest = await register(stack, 'guest');
    const seller = await register(stack, 'host');
    expect((await stack.query.get('/seller/orders', { token: guest.token })).status).toBe(403);
    expect((await stack.query.get('/seller/products', { token: guest.token })).status).toBe(403);
    expect((await stack.query.get('/seller/orders')).status).toBe(401);
    for (const path of ['/seller/orders?status=lost', '/seller/orders?sellerId=someone', '/seller/orders?pageSize=0']) {
      const bad = await stack.query.get(path, { token: seller.token });
      expect(bad.status, path).toBe(400);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
      expect(bad.body.detail).toBeTruthy();
    }
    expect((await stack.query.get('/seller/orders', { token: seller.token })).body).toMatchObject({ items: [], hasMore: false });
  });
});
