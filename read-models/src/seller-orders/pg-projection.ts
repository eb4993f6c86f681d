import type { PoolClient } from 'pg';
import { allWrites, foldTable, type DocumentTable } from '../pg-documents.ts';
import type { PgProjection } from '../projection.ts';
import {
  evolveSellerOrder,
  evolveSellerProduct,
  sellerOrderHandles,
  sellerOrdersHandles,
  sellerProductHandles,
  type SellerOrder,
  type SellerProduct,
} from './seller-order-document.ts';

export const SELLER_ORDERS = 'seller_orders';

/** Table names of a target: the orders, and who sells each product (joined when read, so their order of arrival never matters). */
export const sellerOrderTables = (target: string) => ({ orders: target, products: `${target}_products` });

const orderRows: DocumentTable<SellerOrder> = {
  table: (target) => sellerOrderTables(target).orders,
  key: 'order_id',
  handles: sellerOrderHandles,
  keyOf: (event) => (event.data as { orderId: string }).orderId,
  evolve: evolveSellerOrder,
  row: (doc) => ({ order_id: doc.orderId, product_ids: doc.productIds, status: doc.status, placed_at: doc.placedAt, doc, updated_at: doc.updatedAt }),
};

const productRows: DocumentTable<SellerProduct> = {
  table: (target) => sellerOrderTables(target).products,
  key: 'product_id',
  handles: sellerProductHandles,
  keyOf: (event) => (event.data as { productId: string }).productId,
  evolve: evolveSellerProduct,
  row: (doc) => ({ product_id: doc.productId, seller_id: doc.sellerId, doc }),
};

const indexes = (target: string): string => {
  const t = sellerOrderTables(target);
  // A seller with few orders is found through the GIN index; one in many orders, by walking the newest first.
  return `CREATE INDEX IF NOT EXISTS ${t.orders}_by_product ON ${t.orders} USING gin (product_ids);
    CREATE INDEX IF NOT EXISTS ${t.orders}_newest ON ${t.orders} (placed_at DESC, order_id DESC);
    CREATE INDEX IF NOT EXISTS ${t.products}_by_seller ON ${t.products} (seller_id);`;
};

/** The orders holding a line of each seller's products, newest first: the seller's list of what to ship. */
export const sellerOrdersProjection: PgProjection = {
  name: SELLER_ORDERS,
  handles: sellerOrdersHandles,
  async migrate(client: PoolClient, target: string, options = {}) {
    const t = sellerOrderTables(target);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${t.orders} (
        order_id    text PRIMARY KEY,
        product_ids text[] NOT NULL,
        status      text NOT NULL,
        placed_at   timestamptz NOT NULL,
        doc         jsonb NOT NULL,
        updated_at  timestamptz NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ${t.products} (
        product_id text PRIMARY KEY,
        seller_id  text NOT NULL,
        doc        jsonb NOT NULL
      );
      ${options.indexes === false ? '' : indexes(target)}`);
  },
  async index(client: PoolClient, target: string) {
    await client.query(indexes(target));
  },
  fold: async (db, events, target, options) =>
    allWrites(await Promise.all([foldTable(db, orderRows, events, target, options), foldTable(db, productRows, events, target, options)])),
  async drop(client: PoolClient, target: string) {
    const t = sellerOrderTables(target);
    await client.query(`DROP TABLE IF EXISTS ${t.products}; DROP TABLE IF EXISTS ${t.orders};`);
  },
};
