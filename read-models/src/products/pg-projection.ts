import type { PoolClient } from 'pg';
import { allWrites, foldTable, type DocumentTable } from '../pg-documents.ts';
import type { PgProjection } from '../projection.ts';
import {
  evolveProductDocument,
  evolveStockDocument,
  normalisedAttributes,
  normalisePostal,
  productDocumentHandles,
  productEventTypes,
  productSearchText,
  stockEventTypes,
  type ProductDocument,
  type StockDocument,
} from './product-document.ts';

export const PRODUCTS = 'products';

/** Table names of a target: `products` and `products_stock` live, `products_r<n>…` while a replay builds a copy. */
export const productTables = (target: string) => ({ products: target, stock: `${target}_stock` });

const productRows: DocumentTable<ProductDocument> = {
  table: (target) => productTables(target).products,
  key: 'product_id',
  handles: productEventTypes,
  keyOf: (event) => (event.data as { productId: string }).productId,
  evolve: evolveProductDocument,
  row: (doc) => ({
    product_id: doc.productId,
    seller_id: doc.sellerId,
    sku: doc.sku,
    status: doc.status,
    name: doc.name,
    category: doc.category.toLowerCase(),
    currency: doc.price.currency,
    price: doc.price.amount,
    attributes: normalisedAttributes(doc.attributes),
    postal_prefixes: doc.shipping.postalPrefixes.map(normalisePostal),
    delivery_days: doc.shipping.deliveryDays,
    search_text: productSearchText(doc),
    doc,
    created_at: doc.createdAt,
    updated_at: doc.updatedAt,
  }),
};

const stockRows: DocumentTable<StockDocument> = {
  table: (target) => productTables(target).stock,
  key: 'sku',
  handles: stockEventTypes,
  keyOf: (event) => (event.data as { sku: string }).sku,
  evolve: evolveStockDocument,
  row: (doc) => ({ sku: doc.sku, on_hand: doc.onHand, reserved: doc.reserved, doc, updated_at: doc.updatedAt }),
};

const indexes = (target: string): string => {
  const t = productTables(target);
  return `CREATE INDEX IF NOT EXISTS ${t.products}_seller ON ${t.products} (seller_id, created_at DESC, product_id DESC);`;
};

/** Product search and detail, with the stock of each SKU kept beside it (joined when read). */
export const productSearchProjection: PgProjection = {
  name: PRODUCTS,
  handles: productDocumentHandles,
  async migrate(client: PoolClient, target: string, options = {}) {
    const t = productTables(target);
    await client.query(`
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE TABLE IF NOT EXISTS ${t.products} (
        product_id      text PRIMARY KEY,
        seller_id       text NOT NULL,
        sku             text NOT NULL,
        status          text NOT NULL,
        name            text NOT NULL,
        category        text NOT NULL,
        currency        text NOT NULL,
        price           bigint NOT NULL,
        attributes      jsonb NOT NULL DEFAULT '{}',
        postal_prefixes text[] NOT NULL DEFAULT '{}',
        delivery_days   int NOT NULL,
        search_text     text NOT NULL DEFAULT '',
        doc             jsonb NOT NULL,
        created_at      timestamptz NOT NULL,
        updated_at      timestamptz NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ${t.stock} (
        sku        text PRIMARY KEY,
        on_hand    bigint NOT NULL,
        reserved   bigint NOT NULL,
        doc        jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      );
      ${options.indexes === false ? '' : indexes(target)}`);
  },
  async index(client: PoolClient, target: string) {
    await client.query(indexes(target));
  },
  fold: async (db, events, target, options) =>
    allWrites(await Promise.all([foldTable(db, productRows, events, target, options), foldTable(db, stockRows, events, target, options)])),
  async drop(client: PoolClient, target: string) {
    const t = productTables(target);
    await client.query(`DROP TABLE IF EXISTS ${t.stock}; DROP TABLE IF EXISTS ${t.products};`);
  },
};
