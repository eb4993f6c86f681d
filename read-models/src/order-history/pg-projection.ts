import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/infra';
import type { PgProjection } from '../projection.ts';
import { evolveOrderDocument, orderDocumentHandles, type OrderDocument } from './order-document.ts';

export const ORDER_HISTORY = 'order_history';

/** Orders by id and by buyer, newest first: the (user_id, placed_at, order_id) index serves keyset pages of any depth. */
export const orderHistoryProjection: PgProjection = {
  name: ORDER_HISTORY,
  handles: orderDocumentHandles,
  async migrate(client: PoolClient, target: string) {
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${target} (
        order_id   text PRIMARY KEY,
        user_id    text NOT NULL,
        status     text NOT NULL,
        placed_at  timestamptz NOT NULL,
        doc        jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ${target}_user ON ${target} (user_id, placed_at DESC, order_id DESC);`);
  },
  async apply(client: PoolClient, event: RecordedEvent, target: string) {
    const orderId = (event.data as { orderId: string }).orderId;
    const { rows } = await client.query<{ doc: OrderDocument }>(`SELECT doc FROM ${target} WHERE order_id = $1 FOR UPDATE`, [orderId]);
    const before = rows[0]?.doc;
    const doc = evolveOrderDocument(before, event);
    if (!doc || doc === before) return;
    await client.query(
      `INSERT INTO ${target} (order_id, user_id, status, placed_at, doc, updated_at) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, doc = excluded.doc, updated_at = excluded.updated_at`,
      [doc.orderId, doc.userId, doc.status, doc.placedAt, JSON.stringify(doc), doc.updatedAt],
    );
  },
  async drop(client: PoolClient, target: string) {
    await client.query(`DROP TABLE IF EXISTS ${target}`);
  },
};
