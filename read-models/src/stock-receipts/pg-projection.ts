import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { insertNewRows, noWrite } from '../pg-documents.ts';
import type { PgProjection } from '../projection.ts';
import { evolveStockReceipt, receiptOf, receiptProductOf, stockReceiptHandles, type ReceiptProduct, type StockReceipt } from './stock-receipt-document.ts';

export const STOCK_RECEIPTS = 'stock_receipts';

/** Table names of a target: the receipts per SKU, and which product (and seller) each SKU is. */
export const stockReceiptTables = (target: string) => ({ receipts: target, products: `${target}_products` });

type ReceiptRow = { sku: string; receipt_id: string; quantity: number; received_at: string; received_by: string | null; position: string };
type ProductRow = { product_id: string; sku: string; seller_id: string };

const receiptRow = (receipt: StockReceipt): ReceiptRow => ({
  sku: receipt.sku,
  receipt_id: receipt.receiptId,
  quantity: receipt.quantity,
  received_at: receipt.receivedAt,
  received_by: receipt.receivedBy,
  position: receipt.position,
});
const productRow = (product: ReceiptProduct): ProductRow => ({ product_id: product.productId, sku: product.sku, seller_id: product.sellerId });

/** The rows a batch adds: the first of each key wins, as one-by-one inserts with DO NOTHING would. */
const rowsOf = (events: readonly RecordedEvent[]): { receipts: ReceiptRow[]; products: ProductRow[] } => {
  const receipts = new Map<string, StockReceipt>();
  const products = new Map<string, ProductRow>();
  for (const event of events) {
    const product = receiptProductOf(event);
    if (product && !products.has(product.productId)) products.set(product.productId, productRow(product));
    const received = receiptOf(event);
    if (!received) continue;
    const key = `${received.sku}\u0000${received.receiptId}`;
    receipts.set(key, evolveStockReceipt(receipts.get(key), event) ?? received);
  }
  return { receipts: [...receipts.values()].map(receiptRow), products: [...products.values()] };
};

const indexes = (target: string): string => {
  const t = stockReceiptTables(target);
  return `CREATE INDEX IF NOT EXISTS ${t.receipts}_newest ON ${t.receipts} (sku, received_at DESC, position DESC);
    CREATE INDEX IF NOT EXISTS ${t.products}_by_seller ON ${t.products} (seller_id);`;
};

/**
 * Every delivery of stock, per SKU, newest first: a seller's record of what came in, when and on
 * which delivery note. Write-once rows keyed by SKU and receipt id, so a redelivered event finds its
 * row there and changes nothing.
 */
export const stockReceiptsProjection: PgProjection = {
  name: STOCK_RECEIPTS,
  handles: stockReceiptHandles,
  async migrate(client: PoolClient, target: string, options = {}) {
    const t = stockReceiptTables(target);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${t.receipts} (
        sku         text NOT NULL,
        receipt_id  text NOT NULL,
        quantity    int NOT NULL,
        received_at timestamptz NOT NULL,
        received_by text,
        position    text NOT NULL,
        PRIMARY KEY (sku, receipt_id)
      );
      CREATE TABLE IF NOT EXISTS ${t.products} (
        product_id text PRIMARY KEY,
        sku        text NOT NULL,
        seller_id  text NOT NULL
      );
      ${options.indexes === false ? '' : indexes(target)}`);
  },
  async index(client: PoolClient, target: string) {
    await client.query(indexes(target));
  },
  async fold(_db, events, target) {
    const { receipts, products } = rowsOf(events);
    if (receipts.length === 0 && products.length === 0) return noWrite;
    const t = stockReceiptTables(target);
    return async (client) => {
      await insertNewRows(client, t.products, 'product_id', products);
      await insertNewRows(client, t.receipts, 'sku, receipt_id', receipts);
    };
  },
  async drop(client: PoolClient, target: string) {
    const t = stockReceiptTables(target);
    await client.query(`DROP TABLE IF EXISTS ${t.products}; DROP TABLE IF EXISTS ${t.receipts};`);
  },
};
