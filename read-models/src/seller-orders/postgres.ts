import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import { SELLER_ORDERS, sellerOrderTables } from './pg-projection.ts';
import type { PackLine } from './seller-order-document.ts';

/** An order as one seller ships it: only that seller's lines, and where they go. */
type SellerOrderView = {
  orderId: string;
  status: string;
  lines: PackLine[];
  /** True when every line is this seller's, so the seller alone may ship it. */
  wholeOrder: boolean;
  shippingPostalCode: string;
  shipment?: { carrier?: string; tracking?: string; shippedAt: string };
  deliveredAt?: string;
  placedAt: string;
  updatedAt: string;
};

export type SellerOrderQuery = { status?: string | undefined; page: number; pageSize: number };
export type SellerOrderPage = { items: SellerOrderView[]; page: number; pageSize: number; hasMore: boolean };

export interface SellerOrderReader {
  /** Orders holding a line of the seller's products, newest first, of one status or all. */
  bySeller(sellerId: string, query: SellerOrderQuery): Promise<SellerOrderPage>;
}

type Row = { doc: Omit<SellerOrderView, 'wholeOrder'> & { productIds: string[] } };

export class PgSellerOrderReader implements SellerOrderReader {
  constructor(private readonly pool: Pool) {}

  async bySeller(sellerId: string, { status, page, pageSize }: SellerOrderQuery): Promise<SellerOrderPage> {
    const t = sellerOrderTables((await liveTargets(this.pool, [SELLER_ORDERS]))[SELLER_ORDERS]!);
    const products = await this.pool.query<{ product_id: string }>(`SELECT product_id FROM ${t.products} WHERE seller_id = $1`, [sellerId]);
    const own = new Set(products.rows.map((row) => row.product_id));
    if (own.size === 0) return { items: [], page, pageSize, hasMore: false };
    // The seller's products go in as a value, so the planner weighs how common they are: a seller in
    // few orders is found through the GIN index, one in many by walking the newest orders first.
    const { rows } = await this.pool.query<Row>(
      `SELECT doc - 'state' - 'revision' AS doc FROM ${t.orders}
        WHERE product_ids && $1::text[] AND ($2::text IS NULL OR status = $2)
        ORDER BY placed_at DESC, order_id DESC LIMIT $3 OFFSET $4`,
      [[...own], status ?? null, pageSize + 1, (page - 1) * pageSize],
    );
    const items = rows.slice(0, pageSize).map(({ doc: { productIds, ...doc } }) => ({
      ...doc,
      lines: doc.lines.filter((line) => own.has(line.productId)),
      wholeOrder: productIds.every((id) => own.has(id)),
    }));
    return { items, page, pageSize, hasMore: rows.length > pageSize };
  }
}
