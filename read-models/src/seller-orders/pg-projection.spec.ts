import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPool, inTransaction } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { awaitingPayment, confirmed, paid, shipped, delivered } from '@stayhub/domain/testing/orders';
import type { commerce } from '@stayhub/domain';
import { describeProjection, recorded } from '../testing/projection-spec.ts';
import { sellerOrdersProjection } from './pg-projection.ts';
import { evolveSellerOrder } from './seller-order-document.ts';

const at = '2026-03-01T09:00:00.000Z';
const order = (events: readonly commerce.OrderEvent[], from = 0) => recorded('order-o1', events, from);
const product = (productId: string, sellerId: string) =>
  recorded(`product-${productId}`, [
    {
      type: 'ProductCreated',
      data: {
        productId,
        sellerId,
        sku: productId.toUpperCase(),
        name: 'x',
        description: '',
        category: 'c',
        attributes: {},
        images: [],
        shipping: { postalPrefixes: ['10'], deliveryDays: 2 },
        price: { amount: 100, currency: 'EUR' },
        at,
      },
    },
  ]);
const shippedWith = { ...shipped, data: { ...shipped.data, carrier: 'DHL', tracking: 'JD014' } } as commerce.OrderEvent;

type OrderRow = { order_id: string; status: string; product_ids: string[]; doc: Record<string, unknown> };

describe('seller order document', () => {
  it('keeps what to pack and where, and the shipment once sent; never the buyer, prices or card', () => {
    const doc = order([...awaitingPayment, paid(), confirmed, shippedWith]).reduce(evolveSellerOrder, undefined)!;
    expect(doc).toMatchObject({
      orderId: 'o1',
      status: 'shipped',
      productIds: ['p1', 'p2'],
      shippingPostalCode: expect.any(String),
      lines: [
        { productId: 'p1', sku: 'CUP', quantity: 2 },
        { productId: 'p2', sku: 'SAUCER', quantity: 3 },
      ],
      shipment: { carrier: 'DHL', tracking: 'JD014' },
    });
    const { state: _state, ...shown } = doc;
    expect(JSON.stringify(shown)).not.toMatch(/u1|unitPrice|tok_visa/);
  });
});

describeProjection('seller orders projection', {
  projection: sellerOrdersProjection,
  tables: (target) => [target, `${target}_products`],
  guardedByRevision: true,
  cases: [
    {
      name: "an order, and the products' sellers, arriving in any order",
      given: order([...awaitingPayment, paid(), confirmed]),
      when: [...product('p1', 'seller-a'), ...product('p2', 'seller-b')],
      then: (rows, [orders, products]) => {
        expect(rows[orders!]).toEqual([expect.objectContaining({ order_id: 'o1', status: 'confirmed', product_ids: ['p1', 'p2'] })]);
        expect((rows[products!] as { product_id: string; seller_id: string }[]).map((r) => [r.product_id, r.seller_id])).toEqual([
          ['p1', 'seller-a'],
          ['p2', 'seller-b'],
        ]);
      },
    },
    {
      name: 'shipped, then delivered',
      given: order([...awaitingPayment, paid(), confirmed]),
      when: order([shippedWith, delivered], awaitingPayment.length + 2),
      then: (rows, [orders]) => {
        const row = rows[orders!]![0] as OrderRow;
        expect(row.status).toBe('delivered');
        expect(row.doc).toMatchObject({ shipment: { carrier: 'DHL', tracking: 'JD014' }, deliveredAt: expect.any(String) });
      },
    },
  ],
});

describe('seller orders tables', () => {
  it('have their indexes (a name taken by a table would make IF NOT EXISTS skip one silently)', async () => {
    const pool = createPool(await testDatabaseUrl(), 2);
    const target = `seller_orders_idx_${randomBytes(3).toString('hex')}`;
    try {
      await inTransaction(pool, (client) => sellerOrdersProjection.migrate(client, target));
      const { rows } = await pool.query<{ tablename: string; indexdef: string }>('SELECT tablename, indexdef FROM pg_indexes WHERE tablename IN ($1, $2)', [
        target,
        `${target}_products`,
      ]);
      expect(rows.filter((r) => r.tablename === target && /USING gin \(product_ids\)/.test(r.indexdef))).toHaveLength(1);
      expect(rows.filter((r) => r.tablename === `${target}_products` && /\(seller_id\)/.test(r.indexdef))).toHaveLength(1);
    } finally {
      await inTransaction(pool, (client) => sellerOrdersProjection.drop(client, target)).catch(() => undefined);
      await pool.end();
    }
  });
});
