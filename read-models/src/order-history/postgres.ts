import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import { encodeOrderCursor, type OrderHistoryReader, type OrderListQuery, type OrderPage, type OrderSummary, type OrderView } from './port.ts';

const ORDER_HISTORY = 'order_history';

// The folded domain state and the revision stay inside the read model.
const INTERNAL = `- 'state' - 'revision'`;

export class PgOrderHistoryReader implements OrderHistoryReader {
  constructor(private readonly pool: Pool) {}

  async get(orderId: string): Promise<OrderView | undefined> {
    const { order_history: table } = await liveTargets(this.pool, [ORDER_HISTORY]);
    const { rows } = await this.pool.query<{ doc: OrderView }>(`SELECT doc ${INTERNAL} AS doc FROM ${table} WHERE order_id = $1`, [orderId]);
    return rows[0]?.doc;
  }

  /** Newest first on the (user_id, placed_at DESC, order_id DESC) index: a cursor page costs the same at any depth. */
  async byUser(userId: string, query: OrderListQuery): Promise<OrderPage> {
    const { order_history: table } = await liveTargets(this.pool, [ORDER_HISTORY]);
    const params: unknown[] = [userId];
    let after = '';
    if (query.before) {
      params.push(query.before.placedAt, query.before.orderId);
      after = `AND (placed_at, order_id) < ($2::timestamptz, $3)`;
    }
    params.push(query.pageSize + 1, query.before ? 0 : (query.page - 1) * query.pageSize);
    const { rows } = await this.pool.query<{ doc: OrderSummary }>(
      `SELECT doc ${INTERNAL} - 'timeline' AS doc FROM ${table} WHERE user_id = $1 ${after}
        ORDER BY placed_at DESC, order_id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    const items = rows.slice(0, query.pageSize).map((row) => row.doc);
    const hasMore = rows.length > query.pageSize;
    const last = items.at(-1);
    return {
      items,
      page: query.page,
      pageSize: query.pageSize,
      hasMore,
      nextCursor: hasMore && last ? encodeOrderCursor({ placedAt: last.placedAt, orderId: last.orderId }) : null,
    };
  }
}
