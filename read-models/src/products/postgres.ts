import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import { TOTAL_BOUND, totalTextOf } from '../listings/port.ts';
import { resolveWords, textQueries, type ResolvedWord } from '../listings/pg-search.ts';
import { wordsOf } from '../listings/search-words.ts';
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

/** How many products on sale, in the asked order, a page of common words is looked for in before the matches are read as a whole. */
const WALK = 10_000;

/** What a number or true/false may be stored as among the attributes (as text, `normalisedAttributes`), or near it. */
const mayBeNumberOrBoolean = (value: string): boolean => {
  const v = value.trim().toLowerCase();
  return v === 'true' || v === 'false' || v === 'nan' || v.endsWith('infinity') || (v !== '' && !Number.isNaN(Number(v)));
};

/**
 * The words every product with the asked attribute values has in its word vector: a text value's
 * words are among its B words (`productWordGroups`, cut by the same `wordsOf`), so the word index
 * narrows to them before `attributes @>` checks the values themselves. A number or true/false is
 * stored as text but has no words in the vector: a value that may be one adds none.
 */
const attributeValueWords = (values: readonly string[]): string[] => [...new Set(values.filter((value) => !mayBeNumberOrBoolean(value)).flatMap(wordsOf))];

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
    const after = query.cursor ? decodeProductCursor(query.cursor) : undefined;
    let text: ReturnType<typeof textQueries> | undefined;
    let common = false;
    if (query.q) {
      // Typed words through the dictionary (one typo per word of 4+ letters); words no product has are left out.
      const resolved = await resolveWords(this.pool, t.words, query.q);
      text = textQueries(resolved);
      if (text.known === 0) return empty;
      // Each asked text attribute value's words too: a word index read of the products with all of them, not of every product with the typed words.
      const valueWords = attributeValueWords(Object.values(query.attributes ?? {}));
      where.push(`p.words @@ ${p([text.anywhere, ...valueWords].join(' & '), '::tsquery')}`);
      common = await this.common(t, resolved, Object.values(query.attributes ?? {}), (after ? 0 : (query.page - 1) * query.pageSize) + query.pageSize + 1);
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
    const stock = `LEFT JOIN ${t.stock} s ON s.sku = p.sku`;
    const countSql = `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${t.products} p ${stock} WHERE ${where.join(' AND ')} LIMIT ${TOTAL_BOUND + 1}) matches`;
    const counting = this.pool.query<{ n: number }>(countSql, [...params]);
    // Awaited below; should the page fail first, this one's failure must not go unhandled.
    counting.catch(() => undefined);

    // Relevance: every word exactly in the name (tier 0), then in the name with typos (1), then anywhere (2); ties by the asked order.
    // Each tier is read on its own, in order, until the page is full: a page of common words is then the first matches in the order's index.
    const byPrice = query.sort === 'price';
    const key = byPrice ? 'p.price' : `(extract(epoch FROM p.created_at) * 1000)::bigint`;
    // Ids in code point order, as Elasticsearch sorts keywords, so both stores page alike.
    const order = byPrice ? 'p.price, p.product_id COLLATE "C"' : 'p.created_at DESC, p.product_id COLLATE "C" DESC';
    const offset = after ? 0 : (query.page - 1) * query.pageSize;
    const wanted = offset + query.pageSize + 1;
    const tiers = text ? [...(text.exactTitle ? [0] : []), 1, 2] : [0];
    const rows: (SummaryRow & { tier: number; sort_key: string })[] = [];
    for (const tier of tiers) {
      if (rows.length >= wanted) break;
      if (text && after && tier < after.tier) continue;
      // Each statement has its own parameters after the shared filters' (a parameter no statement names has no type).
      const own = [...params];
      const q = (value: unknown, cast: string) => {
        own.push(value);
        return `$${own.length}${cast}`;
      };
      const conditions = [...where];
      if (text) {
        const { fuzzyTitle, exactTitle } = text;
        const fuzzy = () => `p.words @@ ${q(fuzzyTitle, '::tsquery')}`;
        const exact = () => `p.words @@ ${q(exactTitle, '::tsquery')}`;
        conditions.push(tier === 0 ? exact() : tier === 1 ? (exactTitle ? `${fuzzy()} AND NOT ${exact()}` : fuzzy()) : `NOT ${fuzzy()}`);
      }
      const at =
        after && (!text || tier === after.tier)
          ? byPrice
            ? `(p.price, p.product_id COLLATE "C") > (${q(after.key, '::bigint')}, ${q(after.id, '::text')})`
            : `(p.created_at, p.product_id COLLATE "C") < ('epoch'::timestamptz + ${q(after.key, '::bigint')} * interval '1 millisecond', ${q(after.id, '::text')})`
          : undefined;
      const limit = wanted - rows.length;
      const columns = `${summaryColumns}, ${tier} AS tier, ${key} AS sort_key`;
      const read = (sql: string) => this.pool.query<SummaryRow & { tier: number; sort_key: string }>(sql, own).then((r) => r.rows);
      // Common words: the first products on sale in the asked order (from the cursor on), at most WALK, hold the page.
      // Should they not fill it, the tier's matches are read as a whole (the word index) and ordered.
      const walked = common
        ? await read(`SELECT ${columns} FROM (SELECT * FROM ${t.products} p WHERE p.status = 'active'${at ? ` AND ${at}` : ''} ORDER BY ${order} LIMIT ${WALK}) p ${stock}
            WHERE ${conditions.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`)
        : [];
      rows.push(
        ...(walked.length === limit
          ? walked
          : await read(
              `SELECT ${columns} FROM ${t.products} p ${stock} WHERE ${[...conditions, ...(at ? [at] : [])].join(' AND ')} ORDER BY ${order} LIMIT ${limit}`,
            )),
      );
    }
    const n = (await counting).rows[0]?.n ?? 0;
    const page = rows.slice(offset);
    const items = page.slice(0, query.pageSize);
    const last = items[items.length - 1];
    return {
      items: items.map(summary),
      total: Math.min(n, TOTAL_BOUND),
      totalText: totalTextOf(n),
      next: page.length > query.pageSize && last ? encodeProductCursor({ tier: last.tier, key: Number(last.sort_key), id: last.product_id }) : null,
      page: query.page,
      pageSize: query.pageSize,
    };
  }

  /**
   * Whether the matches are common enough, by the dictionary's counts of products on sale, that the
   * first `WALK` products in any order hold `wanted` of them twice over: the share of products that
   * have the rarest typed word (or one it may mean), times the share that have each asked text
   * attribute value (a value is a word too, and a colour is as likely for a speaker as for anything
   * else; the category is left out: what is typed with it usually names things of it).
   */
  private async common(t: { products: string; words: string }, resolved: readonly ResolvedWord[], values: readonly string[], wanted: number): Promise<boolean> {
    const known = resolved.filter((r) => r.words.length > 0);
    const asked = values.map(wordsOf).filter((words) => words.length > 0);
    const { rows } = await this.pool.query<{ word: string; products: number; total: number }>(
      `SELECT w.word, w.products, (SELECT reltuples FROM pg_class WHERE oid = $2::regclass)::float8 AS total
         FROM ${t.words} w WHERE w.variant = ANY($1::text[]) AND w.word = w.variant`,
      [[...known.flatMap((r) => r.words), ...asked.flat()], t.products],
    );
    const total = rows[0]?.total ?? 0;
    if (total <= 0) return false;
    const products = new Map(rows.map((r) => [r.word, r.products]));
    let share = Math.min(...known.map((r) => r.words.reduce((sum, word) => sum + (products.get(word) ?? 0), 0))) / total;
    // A value none of whose words the dictionary has (a number, true or false) is not counted on: no walk.
    for (const words of asked) share *= Math.min(...words.map((word) => products.get(word) ?? 0)) / total;
    return share * WALK >= 2 * wanted;
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
