import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import { TOTAL_BOUND, totalTextOf } from '../listings/port.ts';
import { resolveWords, textQueries } from '../listings/pg-search.ts';
import {
  decodeProductCursor,
  encodeProductCursor,
  normalisePostalCode,
  type ProductReader,
  type ProductSearchQuery,
  type ProductSearchResult,
  type ProductSummary,
  type ProductView,
} from './port.ts';

const PRODUCTS = 'products';

/** Every prefix of a postal code, the empty one to the whole code. */
const prefixesOf = (code: string): string[] => Array.from({ length: code.length + 1 }, (_, n) => code.slice(0, n));

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

/**
 * Search on PostgreSQL: typed words resolved through the word dictionary (one typo per word of 4+
 * letters) then found by the GIN word index; jsonb containment for attributes, the code's prefixes
 * against the covered ones (GIN) for delivery areas; keyset pages and a total bounded at 1,000.
 */
export class PgProductReader implements ProductReader {
  constructor(private readonly pool: Pool) {}

  private async tables() {
    const { products } = await liveTargets(this.pool, [PRODUCTS]);
    return { products: products!, stock: `${products}_stock`, words: `${products}_words` };
  }

  async search(query: ProductSearchQuery): Promise<ProductSearchResult> {
    const t = await this.tables();
    const params: unknown[] = [];
    const p = (value: unknown, cast = '') => {
      params.push(value);
      return `$${params.length}${cast}`;
    };
    const empty = { items: [], total: 0, totalText: '0', next: null, page: query.page, pageSize: query.pageSize };
    const where = [`p.status = 'active'`];
    let text: ReturnType<typeof textQueries> | undefined;
    if (query.q) {
      // Typed words through the dictionary (one typo per word of 4+ letters); words no product has are left out.
      text = textQueries(await resolveWords(this.pool, t.words, query.q));
      if (text.known === 0) return empty;
      where.push(`p.words @@ ${p(text.anywhere, '::tsquery')}`);
    }
    if (query.category) where.push(`p.category = lower(${p(query.category)})`);
    if (query.currency) where.push(`p.currency = ${p(query.currency)}`);
    if (query.minPrice !== undefined) where.push(`p.price >= ${p(query.minPrice, '::bigint')}`);
    if (query.maxPrice !== undefined) where.push(`p.price <= ${p(query.maxPrice, '::bigint')}`);
    const attributes = Object.fromEntries(Object.entries(query.attributes ?? {}).map(([k, v]) => [k.toLowerCase(), v.toLowerCase()]));
    if (Object.keys(attributes).length > 0) where.push(`p.attributes @> ${p(JSON.stringify(attributes))}::jsonb`);
    if (query.deliverableTo) {
      // A covered prefix starts the code: it is one of the code's own prefixes, which the GIN index over the covered ones finds.
      where.push(`p.postal_prefixes && ${p(prefixesOf(normalisePostalCode(query.deliverableTo)), '::text[]')}`);
    }
    if (query.inStock) where.push('coalesce(s.on_hand - s.reserved, 0) > 0');
    const from = `FROM ${t.products} p LEFT JOIN ${t.stock} s ON s.sku = p.sku`;
    const countSql = `SELECT count(*)::int AS n FROM (SELECT 1 ${from} WHERE ${where.join(' AND ')} LIMIT ${TOTAL_BOUND + 1}) matches`;
    const counting = this.pool.query<{ n: number }>(countSql, [...params]);
    // Awaited below; should the page fail first, this one's failure must not go unhandled.
    counting.catch(() => undefined);

    // Relevance: every word exactly in the name, then in the name with typos, then anywhere; ties by the asked order.
    let tier = '0';
    if (text) {
      const fuzzy = `p.words @@ ${p(text.fuzzyTitle, '::tsquery')}`;
      tier = text.exactTitle
        ? `CASE WHEN p.words @@ ${p(text.exactTitle, '::tsquery')} THEN 0 WHEN ${fuzzy} THEN 1 ELSE 2 END`
        : `CASE WHEN ${fuzzy} THEN 1 ELSE 2 END`;
    }
    const byPrice = query.sort === 'price';
    const key = byPrice ? 'p.price' : `(extract(epoch FROM p.created_at) * 1000)::bigint`;
    // Ids in code point order, as Elasticsearch sorts keywords, so both stores page alike.
    const order = byPrice ? 'p.price, p.product_id COLLATE "C"' : 'p.created_at DESC, p.product_id COLLATE "C" DESC';
    const page = [...where];
    const after = query.cursor ? decodeProductCursor(query.cursor) : undefined;
    if (after) {
      const position = byPrice
        ? `(p.price, p.product_id COLLATE "C") > (${p(after.key, '::bigint')}, ${p(after.id)})`
        : `(p.created_at, p.product_id COLLATE "C") < ('epoch'::timestamptz + ${p(after.key, '::bigint')} * interval '1 millisecond', ${p(after.id)})`;
      page.push(text ? `(${tier} > ${p(after.tier, '::int')} OR (${tier} = ${p(after.tier, '::int')} AND ${position}))` : position);
    }
    const sql = `SELECT ${summaryColumns}, ${tier} AS tier, ${key} AS sort_key ${from} WHERE ${page.join(' AND ')}
      ORDER BY ${text ? 'tier, ' : ''}${order} LIMIT ${p(query.pageSize + 1, '::int')} OFFSET ${p(after ? 0 : (query.page - 1) * query.pageSize, '::int')}`;
    const { rows } = await this.pool.query<SummaryRow & { tier: number; sort_key: string }>(sql, params);
    const n = (await counting).rows[0]?.n ?? 0;
    const items = rows.slice(0, query.pageSize);
    const last = items[items.length - 1];
    return {
      items: items.map(summary),
      total: Math.min(n, TOTAL_BOUND),
      totalText: totalTextOf(n),
      next: rows.length > query.pageSize && last ? encodeProductCursor({ tier: last.tier, key: Number(last.sort_key), id: last.product_id }) : null,
      page: query.page,
      pageSize: query.pageSize,
    };
  }

  async get(productId: string): Promise<ProductView | undefined> {
    const t = await this.tables();
    const { rows } = await this.pool.query<ViewRow>(
      `SELECT p.doc, s.on_hand, s.reserved FROM ${t.products} p LEFT JOIN ${t.stock} s ON s.sku = p.sku WHERE p.product_id = $1`,
      [productId],
    );
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
