import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import { STOCK_RECEIPTS, stockReceiptTables } from './pg-projection.ts';

/** A delivery of stock as its seller sees it. */
type StockReceiptView = {
  productId: string;
  sku: string;
  /** The delivery note's id (or the one the platform gave a delivery sent without one). */
  receiptId: string;
  quantity: number;
  receivedAt: string;
  /** Recorded by the seller, by an operator for them, or by no one known. */
  receivedBy: 'seller' | 'operator' | 'unknown';
};

export type StockReceiptQuery = { productId?: string | undefined; page: number; pageSize: number };
export type StockReceiptPage = { items: StockReceiptView[]; page: number; pageSize: number; hasMore: boolean };

export interface StockReceiptReader {
  /** The receipts of the seller's products (or of one of them), newest first; another seller's product has none. */
  bySeller(sellerId: string, query: StockReceiptQuery): Promise<StockReceiptPage>;
}

type Row = { product_id: string; sku: string; receipt_id: string; quantity: number; received_at: Date; received_by: string | null; seller_id: string };

export class PgStockReceiptReader implements StockReceiptReader {
  constructor(
    private readonly pool: Pool,
    /** The table set being read: the live one unless a spec names its own. */
    private readonly target: () => Promise<string> = async () => (await liveTargets(pool, [STOCK_RECEIPTS]))[STOCK_RECEIPTS]!,
  ) {}

  async bySeller(sellerId: string, { productId, page, pageSize }: StockReceiptQuery): Promise<StockReceiptPage> {
    const t = stockReceiptTables(await this.target());
    const { rows } = await this.pool.query<Row>(
      `SELECT p.product_id, r.sku, r.receipt_id, r.quantity, r.received_at, r.received_by, p.seller_id
         FROM ${t.products} p JOIN ${t.receipts} r ON r.sku = p.sku
        WHERE p.seller_id = $1 AND ($2::text IS NULL OR p.product_id = $2)
        ORDER BY r.received_at DESC, r.position DESC LIMIT $3 OFFSET $4`,
      [sellerId, productId ?? null, pageSize + 1, (page - 1) * pageSize],
    );
    const items = rows.slice(0, pageSize).map((row) => ({
      productId: row.product_id,
      sku: row.sku,
      receiptId: row.receipt_id,
      quantity: row.quantity,
      receivedAt: row.received_at.toISOString(),
      receivedBy: row.received_by === null ? ('unknown' as const) : row.received_by === row.seller_id ? ('seller' as const) : ('operator' as const),
    }));
    return { items, page, pageSize, hasMore: rows.length > pageSize };
  }
}
