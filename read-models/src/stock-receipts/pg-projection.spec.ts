import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { applyEvents } from '../projection.ts';
import { describeProjection, recorded } from '../testing/projection-spec.ts';
import { stockReceiptsProjection } from './pg-projection.ts';
import { PgStockReceiptReader } from './postgres.ts';
import { receiptOf } from './stock-receipt-document.ts';

const at = (day: number) => `2026-03-${String(day).padStart(2, '0')}T09:00:00.000Z`;
const product = (productId: string, sku: string, sellerId: string): RecordedEvent[] =>
  recorded(`product-${productId}`, [
    {
      type: 'ProductCreated',
      data: {
        productId,
        sellerId,
        sku,
        name: 'x',
        description: '',
        category: 'c',
        attributes: {},
        images: [],
        shipping: { postalPrefixes: ['10'], deliveryDays: 2 },
        price: { amount: 100, currency: 'EUR' },
        at: at(1),
      },
    },
  ]);
/** Stock events of one SKU's stream, each recorded by `actor`. */
const stock = (sku: string, events: readonly { type: string; data: Record<string, unknown> }[], actor = 'seller-a', from = 0): RecordedEvent[] =>
  recorded(
    `stock-${sku}`,
    events.map((event) => ({ ...event, data: { sku, ...event.data } })),
    from,
  ).map((event) => ({ ...event, metadata: { actor } }));
const received = (receiptId: string, quantity: number, day: number) => ({ type: 'StockReceived', data: { receiptId, quantity, at: at(day) } });
const held = { type: 'StockHeld', data: { holdId: 'o1', quantity: 2, expiresAt: at(9), at: at(8) } };

type ReceiptRow = { sku: string; receipt_id: string; quantity: number; received_by: string | null };

describe('stock receipt document', () => {
  it('keeps when, how many, the delivery note and who recorded it; an anonymous actor is no one known', () => {
    const [event] = stock('LAMP', [received('DN-1', 5, 2)]);
    expect(receiptOf(event!)).toEqual({
      sku: 'LAMP',
      receiptId: 'DN-1',
      quantity: 5,
      receivedAt: at(2),
      receivedBy: 'seller-a',
      position: event!.globalPosition,
    });
    expect(receiptOf({ ...event!, metadata: { actor: 'anonymous' } })?.receivedBy).toBeNull();
    expect(receiptOf(stock('LAMP', [held])[0]!)).toBeUndefined();
  });
});

describeProjection('stock receipts projection', {
  projection: stockReceiptsProjection,
  tables: (target) => [target, `${target}_products`],
  guardedByRevision: true,
  cases: [
    {
      name: 'receipts, and the product selling the SKU, arriving in any order; holds are not receipts',
      given: stock('LAMP', [received('DN-1', 5, 2), held]),
      when: [...product('p1', 'LAMP', 'seller-a'), ...stock('LAMP', [received('DN-2', 3, 4)], 'admin-1', 2)],
      then: (rows, [receipts, products]) => {
        expect((rows[receipts!] as ReceiptRow[]).map((r) => [r.receipt_id, r.quantity, r.received_by]).sort()).toEqual([
          ['DN-1', 5, 'seller-a'],
          ['DN-2', 3, 'admin-1'],
        ]);
        expect(rows[products!]).toEqual([{ product_id: 'p1', sku: 'LAMP', seller_id: 'seller-a' }]);
      },
    },
  ],
});

describe('the stock receipt reader', () => {
  const target = `stock_receipts_reader_${randomBytes(3).toString('hex')}`;
  let pool: Pool;
  let reader: PgStockReceiptReader;
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 2);
    await inTransaction(pool, async (client) => {
      await stockReceiptsProjection.migrate(client, target);
      const events = [
        ...product('p1', 'LAMP', 'seller-a'),
        ...product('p2', 'CHAIR', 'seller-a'),
        ...product('p3', 'MUG', 'seller-b'),
        ...stock('LAMP', [received('DN-1', 5, 2), held, received('DN-3', 1, 6)]),
        ...stock('CHAIR', [received('DN-2', 4, 3)], 'admin-1'),
        ...stock('MUG', [received('DN-9', 7, 5)], 'seller-b'),
        ...stock('ORPHAN', [received('DN-0', 2, 5)], 'someone'),
      ];
      await applyEvents(client, stockReceiptsProjection, events, target);
    });
    reader = new PgStockReceiptReader(pool, async () => target);
  });
  afterAll(async () => {
    if (!pool) return;
    await inTransaction(pool, (client) => stockReceiptsProjection.drop(client, target));
    await pool.end();
  });

  it("lists a seller's receipts, newest first, with who recorded each; another seller's stay theirs", async () => {
    const all = await reader.bySeller('seller-a', { page: 1, pageSize: 10 });
    expect(all).toMatchObject({ page: 1, pageSize: 10, hasMore: false });
    expect(all.items).toEqual([
      { productId: 'p1', sku: 'LAMP', receiptId: 'DN-3', quantity: 1, receivedAt: at(6), receivedBy: 'seller' },
      { productId: 'p2', sku: 'CHAIR', receiptId: 'DN-2', quantity: 4, receivedAt: at(3), receivedBy: 'operator' },
      { productId: 'p1', sku: 'LAMP', receiptId: 'DN-1', quantity: 5, receivedAt: at(2), receivedBy: 'seller' },
    ]);
    expect((await reader.bySeller('seller-b', { page: 1, pageSize: 10 })).items.map((r) => r.receiptId)).toEqual(['DN-9']);
  });

  it('of one product, page by page; a product of another seller has none', async () => {
    const first = await reader.bySeller('seller-a', { productId: 'p1', page: 1, pageSize: 1 });
    expect(first).toMatchObject({ hasMore: true, items: [{ receiptId: 'DN-3' }] });
    expect(await reader.bySeller('seller-a', { productId: 'p1', page: 2, pageSize: 1 })).toMatchObject({ hasMore: false, items: [{ receiptId: 'DN-1' }] });
    expect((await reader.bySeller('seller-a', { productId: 'p3', page: 1, pageSize: 10 })).items).toEqual([]);
    expect((await reader.bySeller('nobody', { page: 1, pageSize: 10 })).items).toEqual([]);
  });
});
