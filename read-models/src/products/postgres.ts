import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import { normalisePostalCode, type ProductReader, type ProductSearchQuery, type ProductSearchResult, type ProductSummary, type ProductView } from './port.ts';

const PRODUCTS = 'products';

type SummaryRow = {
  product_id: string;
  sku: string;
  name: string;
  category: string;
  price: number;
  currency: string;
  image: string | null;
  delivery_days: number;
  status: string;
  available: number;
};

const summaryColumns = `p.product_id, p.sku, p.doc->>'name' AS name, p.doc->>'category' AS category, p.price, p.currency,
  p.doc->'images'->>0 AS image, p.delivery_days, p.status, greatest(coalesce(s.on_hand - s.reserved, 0), 0) AS available`;

const summary = (row: SummaryRow): ProductSummary => ({
  productId: row.product_id,
  sku: row.sku,
  name: row.name,
  category: row.category,
  price: { amount: Number(row.price), currency: row.currency },
  image: row.image,
  deliveryDays: row.delivery_days,
  status: row.status,
  available: Number(row.available),
});

type ViewRow = { doc: ProductView & { revision: number }; on_hand: number | null; reserved: number | null };

const view = (row: ViewRow): ProductView => {
  const { revision: _revision, ...doc } = row.doc;
  const onHand = Number(row.on_hand ?? 0);
  const reserved = Number(row.reserved ?? 0);
  const available = Math.max(0, onHand - reserved);
  return { ...doc, stock: { onHand, reserved, available, inStock: available > 0 } };
};

/** Search on PostgreSQL: trigram word similarity for typos, jsonb containment for attributes, prefix match for delivery areas. */
export class PgProductReader implements ProductReader {
  constructor(private readonly pool: Pool) {}

  private async tables() {
    const { products } = await liveTargets(this.pool, [PRODUCTS]);
    return { products: products!, stock: `${products}_stock` };
  }

  async search(query: ProductSearchQuery): Promise<ProductSearchResult> {
    const t = await this.tables();
    const params: unknown[] = [];
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const where = [`p.status = 'active'`];
    let score = '0';
    if (query.q) {
      const q = p(query.q.toLowerCase());
      where.push(`(${q} <% p.search_text OR p.search_text ILIKE '%' || ${q} || '%')`);
      score = `word_similarity(${q}, p.search_text)`;
    }
    if (query.category) where.push(`p.category = lower(${p(query.category)})`);
    if (query.currency) where.push(`p.currency = ${p(query.currency)}`);
    if (query.minPrice !== undefined) where.push(`p.price >= ${p(query.minPrice)}`);
    if (query.maxPrice !== undefined) where.push(`p.price <= ${p(query.maxPrice)}`);
    const attributes = Object.fromEntries(Object.entries(query.attributes ?? {}).map(([k, v]) => [k.toLowerCase(), v.toLowerCase()]));
    if (Object.keys(attributes).length > 0) where.push(`p.attributes @> ${p(JSON.stringify(attributes))}::jsonb`);
    if (query.deliverableTo) {
      where.push(`EXISTS (SELECT 1 FROM unnest(p.postal_prefixes) prefix WHERE starts_with(${p(normalisePostalCode(query.deliverableTo))}, prefix))`);
    }
    if (query.inStock) where.push('coalesce(s.on_hand - s.reserved, 0) > 0');
    const order = {
      relevance: query.q ? 'score DESC, p.created_at DESC, p.product_id' : 'p.created_at DESC, p.product_id',
      price: 'p.price ASC, p.product_id',
      newest: 'p.created_at DESC, p.product_id',
    }[query.sort];
    const from = `FROM ${t.products} p LEFT JOIN ${t.stock} s ON s.sku = p.sku WHERE ${where.join(' AND ')}`;
    const filters = params.length;
    const sql = `SELECT ${summaryColumns}, ${score} AS score ${from} ORDER BY ${order} LIMIT ${p(query.pageSize)} OFFSET ${p((query.page - 1) * query.pageSize)}`;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN READ ONLY');
      await client.query('SET LOCAL pg_trgm.word_similarity_threshold = 0.45');
      const { rows } = await client.query<SummaryRow>(sql, params);
      const counted = await client.query<{ total: number }>(`SELECT count(*) AS total ${from}`, params.slice(0, filters));
      await client.query('COMMIT');
      return { items: rows.map(summary), total: Number(counted.rows[0]?.total ?? 0), page: query.page, pageSize: query.pageSize };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async get(productId: string): Promise<ProductView | undefined> {
    const t = await this.tables();
    const { rows } = await this.pool.query<ViewRow>(`SELECT p.doc, s.on_hand, s.reserved FROM ${t.products} p LEFT JOIN ${t.stock} s ON s.sku = p.sku WHERE p.product_id = $1`, [productId]);
    return rows[0] && view(rows[0]);
  }

  async bySeller(sellerId: string, { page, pageSize }: { page: number; pageSize: number }) {
    const t = await this.tables();
    const { rows } = await this.pool.query<ViewRow>(
      `SELECT p.doc, s.on_hand, s.reserved FROM ${t.products} p LEFT JOIN ${t.stock} s ON s.sku = p.sku
        WHERE p.seller_id = $1 ORDER BY p.created_at DESC, p.product_id DESC LIMIT $2 OFFSET $3`,
      [sellerId, pageSize + 1, (page - 1) * pageSize],
    );
    return { items: rows.slice(0, pageSize).map(view), page, pageSize, hasMore: rows.length > pageSize };
  }

  async many(productIds: readonly string[]): Promise<ProductSummary[]> {
    if (productIds.length === 0) return [];
    const t = await this.tables();
    const { rows } = await this.pool.query<SummaryRow>(
      `SELECT ${summaryColumns} FROM ${t.products} p LEFT JOIN ${t.stock} s ON s.sku = p.sku WHERE p.product_id = ANY($1)`,
      [productIds],
    );
    return rows.map(summary);
  }
}
