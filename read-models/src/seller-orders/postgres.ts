import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import { SELLER_ORDERS, sellerOrderTables } from './pg-projection.ts';
import type { PackLine } from './seller-order-document.ts';

/** An order as one seller ships it: only that seller's lines, and where they go. */
export type SellerOrderView = {
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

type Row = { doc: Omit<SellerOrderView, 'wholeOrder'> & { productIds: string[] }; mine: string[] };

export class PgSellerOrderReader implements SellerOrderReader {
  constructor(private readonly pool: Pool) {}

  async bySeller(sellerId: string, { status, page, pageSize }: SellerOrderQuery): Promise<SellerOrderPage> {
    const t = sellerOrderTables((await liveTargets(this.pool, [SELLER_ORDERS]))[SELLER_ORDERS]!);
    const { rows } = await this.pool.query<Row>(
      `WITH mine AS (SELECT array_agg(product_id) AS ids FROM ${t.products} WHERE seller_id = $1)
       SELECT o.doc - 'state' - 'revision' AS doc, ARRAY(SELECT unnest(o.product_ids) INTERSECT SELECT unnest(mine.ids)) AS mine
         FROM ${t.orders} o, mine
        WHERE o.product_ids && mine.ids AND ($2::text IS NULL OR o.status = $2)
        ORDER BY o.placed_at DESC, o.order_id DESC LIMIT $3 OFFSET $4`,
      [sellerId, status ?? null, pageSize + 1, (page - 1) * pageSize],
    );
    const items = rows.slice(0, pageSize).map(({ doc: { productIds, ...doc }, mine }) => {
      const own = new Set(mine);
      return { ...doc, lines: doc.lines.filter((line) => own.has(line.productId)), wholeOrder: productIds.every((id) => own.has(id)) };
    });
    return { items, page, pageSize, hasMore: rows.length > pageSize };
  }
}
