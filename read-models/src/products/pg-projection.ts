import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/infra';
import type { PgProjection } from '../projection.ts';
import {
  evolveProductDocument,
  evolveStockDocument,
  normalisedAttributes,
  normalisePostal,
  productDocumentHandles,
  productEventTypes,
  productSearchText,
  type ProductDocument,
  type StockDocument,
} from './product-document.ts';

export const PRODUCTS = 'products';

/** Table names of a target: `products` and `products_stock` live, `products_r<n>…` while a replay builds a copy. */
export const productTables = (target: string) => ({ products: target, stock: `${target}_stock` });

const applyProduct = async (client: PoolClient, event: RecordedEvent, table: string) => {
  const productId = (event.data as { productId: string }).productId;
  const { rows } = await client.query<{ doc: ProductDocument }>(`SELECT doc FROM ${table} WHERE product_id = $1 FOR UPDATE`, [productId]);
  const before = rows[0]?.doc;
  const doc = evolveProductDocument(before, event);
  if (!doc || doc === before) return;
  await client.query(
    `INSERT INTO ${table} (product_id, seller_id, sku, status, name, category, currency, price, attributes, postal_prefixes,
                           delivery_days, search_text, doc, created_at, updated_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
     ON CONFLICT (product_id) DO UPDATE SET status = excluded.status, name = excluded.name, category = excluded.category,
       currency = excluded.currency, price = excluded.price, attributes = excluded.attributes, postal_prefixes = excluded.postal_prefixes,
       delivery_days = excluded.delivery_days, search_text = excluded.search_text, doc = excluded.doc, updated_at = excluded.updated_at`,
    [
      doc.productId,
      doc.sellerId,
      doc.sku,
      doc.status,
      doc.name,
      doc.category.toLowerCase(),
      doc.price.currency,
      doc.price.amount,
      JSON.stringify(normalisedAttributes(doc.attributes)),
      doc.shipping.postalPrefixes.map(normalisePostal),
      doc.shipping.deliveryDays,
      productSearchText(doc),
      JSON.stringify(doc),
      doc.createdAt,
      doc.updatedAt,
    ],
  );
};

const applyStock = async (client: PoolClient, event: RecordedEvent, table: string) => {
  const sku = (event.data as { sku: string }).sku;
  const { rows } = await client.query<{ doc: StockDocument }>(`SELECT doc FROM ${table} WHERE sku = $1 FOR UPDATE`, [sku]);
  const before = rows[0]?.doc;
  const doc = evolveStockDocument(before, event);
  if (!doc || doc === before) return;
  await client.query(
    `INSERT INTO ${table} (sku, on_hand, reserved, doc, updated_at) VALUES ($1,$2,$3,$4,$5)
     ON CONFLICT (sku) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved, doc = excluded.doc, updated_at = excluded.updated_at`,
    [doc.sku, doc.onHand, doc.reserved, JSON.stringify(doc), doc.updatedAt],
  );
};

/** Product search and detail, with the stock of each SKU kept beside it (joined when read). */
export const productSearchProjection: PgProjection = {
  name: PRODUCTS,
  handles: productDocumentHandles,
  async migrate(client: PoolClient, target: string) {
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
      CREATE INDEX IF NOT EXISTS ${t.products}_text ON ${t.products} USING gin (search_text gin_trgm_ops);
      CREATE INDEX IF NOT EXISTS ${t.products}_category ON ${t.products} (category, price) WHERE status = 'active';
      CREATE INDEX IF NOT EXISTS ${t.products}_price ON ${t.products} (price) WHERE status = 'active';
      CREATE INDEX IF NOT EXISTS ${t.products}_newest ON ${t.products} (created_at DESC) WHERE status = 'active';
      CREATE INDEX IF NOT EXISTS ${t.products}_attributes ON ${t.products} USING gin (attributes jsonb_path_ops);
      CREATE INDEX IF NOT EXISTS ${t.products}_sku ON ${t.products} (sku);
      CREATE TABLE IF NOT EXISTS ${t.stock} (
        sku        text PRIMARY KEY,
        on_hand    bigint NOT NULL,
        reserved   bigint NOT NULL,
        doc        jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      );`);
  },
  async apply(client: PoolClient, event: RecordedEvent, target: string) {
    const t = productTables(target);
    if (productEventTypes.has(event.type)) await applyProduct(client, event, t.products);
    else await applyStock(client, event, t.stock);
  },
  async drop(client: PoolClient, target: string) {
    const t = productTables(target);
    await client.query(`DROP TABLE IF EXISTS ${t.stock}; DROP TABLE IF EXISTS ${t.products};`);
  },
};
