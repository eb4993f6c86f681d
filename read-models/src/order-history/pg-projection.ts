import type { PoolClient } from 'pg';
import { foldTable, type DocumentTable } from '../pg-documents.ts';
import type { PgProjection } from '../projection.ts';
import { evolveOrderDocument, orderDocumentHandles, type OrderDocument } from './order-document.ts';

export const ORDER_HISTORY = 'order_history';

const orderRows: DocumentTable<OrderDocument> = {
  table: (target) => target,
  key: 'order_id',
  handles: orderDocumentHandles,
  keyOf: (event) => (event.data as { orderId: string }).orderId,
  evolve: evolveOrderDocument,
  row: (doc) => ({ order_id: doc.orderId, user_id: doc.userId, status: doc.status, placed_at: doc.placedAt, doc, updated_at: doc.updatedAt }),
};

const indexes = (target: string): string => `CREATE INDEX IF NOT EXISTS ${target}_user ON ${target} (user_id, placed_at DESC, order_id DESC);`;

/** Orders by id and by buyer, newest first: the (user_id, placed_at, order_id) index serves keyset pages of any depth. */
export const orderHistoryProjection: PgProjection = {
  name: ORDER_HISTORY,
  handles: orderDocumentHandles,
  async migrate(client: PoolClient, target: string, options = {}) {
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${target} (
        order_id   text PRIMARY KEY,
        user_id    text NOT NULL,
        status     text NOT NULL,
        placed_at  timestamptz NOT NULL,
        doc        jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      );
      ${options.indexes === false ? '' : indexes(target)}`);
  },
  async index(client: PoolClient, target: string) {
    await client.query(indexes(target));
  },
  fold: (db, events, target, options) => foldTable(db, orderRows, events, target, options),
  async drop(client: PoolClient, target: string) {
    await client.query(`DROP TABLE IF EXISTS ${target}`);
  },
};
