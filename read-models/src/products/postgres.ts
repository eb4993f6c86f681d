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

/** Relevance tiers: every word exactly in the name (0), in the name with typos (1), anywhere (2). */
type Tier = 0 | 1 | 2;
/** Per tier, whether a page is looked for by walking the asked order's index first. */
type Walks = Record<Tier, boolean>;

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
    return { products: products!, stock: `${products}_stock`, words: `${products}_words`, facets: `${products}_facets` };
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
    let text: (ReturnType<typeof textQueries> & { values: string[]; exactFirst: string | null }) | undefined;
    let walks: Walks = { 0: false, 1: false, 2: false };
    // At least this many products match, by the counts the projection keeps (`products_words`).
    let atLeast = 0;
    if (query.q) {
      // Typed words through the dictionary (one typo per word of 4+ letters); words no product has are left out.
      const resolved = await resolveWords(this.pool, t.words, query.q);
      const queries = textQueries(resolved);
      if (queries.known === 0) return empty;
      // Each asked text attribute value's words too: a word index read of the products with all of them, not of every product with the typed words.
      const values = attributeValueWords(Object.values(query.attributes ?? {}));
      const counted = await this.counted(
        t,
        resolved,
        Object.values(query.attributes ?? {}),
        (after ? 0 : (query.page - 1) * query.pageSize) + query.pageSize + 1,
      );
      walks = counted.walks;
      // Every typed word that products have as it is, itself instead of the words it may mean: some of the matches, found
      // without reading the index entries of every word one typo away (116k products for "boots": books, boost, roots…).
      const exactFirst = counted.exactFirst ? resolved.filter((r) => r.words.length > 0).map((r) => (r.exact ? r.typed : `(${r.words.join(' | ')})`)) : null;
      text = { ...queries, values, exactFirst: exactFirst && [...exactFirst, ...values].join(' & ') };
      // One typed word and nothing else asked: every product with any word it may mean matches.
      const alone = queries.known === 1 && !query.category && !query.currency && query.minPrice === undefined && query.maxPrice === undefined;
      if (alone && Object.keys(query.attributes ?? {}).length === 0 && !query.deliverableTo && !query.inStock) atLeast = counted.mostOfOneWord;
    }
    /** The facets whose counts bound the total from below when the search asks nothing else (SQL: a text[]). */
    let facets: string | undefined;
    if (query.category) {
      const category = p(query.category);
      where.push(`p.category = lower(${category})`);
      facets = `ARRAY['category:' || lower(${category})]`;
    }
    if (query.currency) where.push(`p.currency = ${p(query.currency)}`);
    if (query.minPrice !== undefined) where.push(`p.price >= ${p(query.minPrice, '::bigint')}`);
    if (query.maxPrice !== undefined) where.push(`p.price <= ${p(query.maxPrice, '::bigint')}`);
    const attributes = Object.fromEntries(Object.entries(query.attributes ?? {}).map(([k, v]) => [k.toLowerCase(), v.toLowerCase()]));
    if (Object.keys(attributes).length > 0) where.push(`p.attributes @> ${p(JSON.stringify(attributes))}::jsonb`);
    if (query.deliverableTo) {
      // A covered prefix starts the code: it is one of the code's own prefixes, which the GIN index over the covered ones finds.
      const prefixes = p(prefixesOf(normalisePostalCode(query.deliverableTo)), '::text[]');
      where.push(`p.postal_prefixes && ${prefixes}`);
      facets = facets ? undefined : `ARRAY(SELECT 'postal:' || prefix FROM unnest(${prefixes}) AS prefix)`;
    }
    if (query.inStock) where.push('coalesce(s.on_hand - s.reserved, 0) > 0');
    const stock = `LEFT JOIN ${t.stock} s ON s.sku = p.sku`;
    // Each statement has its own parameters after the shared filters' (a parameter no statement names has no type).
    const statement = () => {
      const own = [...params];
      const q = (value: unknown, cast: string) => {
        own.push(value);
        return `$${own.length}${cast}`;
      };
      return { own, q };
    };

    const count = statement();
    const countOf = (words?: string) =>
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${t.products} p ${stock} WHERE ${[...where, ...(words ? [`p.words @@ ${count.q(words, '::tsquery')}`] : [])].join(' AND ')} LIMIT ${TOTAL_BOUND + 1}) matches`;
    const countSql = !text
      ? // One category or one delivery area asked and nothing else: past the bound when one of its facets alone has more
        // products on sale (the products covering a prefix of the code all match), else counted (only then is the subquery run).
        facets && where.length === 2
        ? `SELECT CASE WHEN coalesce((SELECT max(f.products) FROM ${t.facets} f WHERE f.facet = ANY(${facets})), 0) > ${TOTAL_BOUND}
            THEN ${TOTAL_BOUND + 1} ELSE (${countOf()}) END AS n`
        : countOf()
      : text.exactFirst
        ? // Past the bound when the matches of the typed words as typed are; else every match counted.
          `SELECT CASE WHEN (${countOf(text.exactFirst)}) > ${TOTAL_BOUND} THEN ${TOTAL_BOUND + 1} ELSE (${countOf([text.anywhere, ...text.values].join(' & '))}) END AS n`
        : countOf([text.anywhere, ...text.values].join(' & '));
    const counting = atLeast > TOTAL_BOUND ? Promise.resolve({ rows: [{ n: atLeast }] }) : this.pool.query<{ n: number }>(countSql, count.own);
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
      const { own, q } = statement();
      const conditions = [...where];
      if (text) {
        // The name's words imply the same words anywhere: tiers 0 and 1 ask only theirs (and the values'), which the word
        // index finds without the entries of every word the typed ones may mean; tier 2 asks all of them.
        const { fuzzyTitle, exactTitle, anywhere, values } = text;
        const words = (...all: string[]) => `p.words @@ ${q([...all, ...values].join(' & '), '::tsquery')}`;
        const notIn = (title: string | null) => (title ? ` AND NOT p.words @@ ${q(title, '::tsquery')}` : '');
        conditions.push(tier === 0 ? words(exactTitle!) : tier === 1 ? `${words(fuzzyTitle)}${notIn(exactTitle)}` : `${words(anywhere)}${notIn(fuzzyTitle)}`);
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
      const walked = walks[tier as Tier]
        ? await read(`SELECT ${columns} FROM (SELECT * FROM ${t.products} p WHERE p.status = 'active'${at ? ` AND ${at}` : ''} ORDER BY ${order} LIMIT ${WALK}) p ${stock}
            WHERE ${conditions.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`)
        : [];
      rows.push(
        ...(walked.length === limit
          ? walked
          : await read(
              query.inStock
                ? `SELECT ${columns} FROM ${t.products} p ${stock} WHERE ${[...conditions, ...(at ? [at] : [])].join(' AND ')} ORDER BY ${order} LIMIT ${limit}`
                : // The page's rows first, then their stock: the planner, short of the matches tenfold, would join every match before sorting.
                  `SELECT ${columns} FROM (SELECT p.* FROM ${t.products} p WHERE ${[...conditions, ...(at ? [at] : [])].join(' AND ')} ORDER BY ${order} LIMIT ${limit}) p
                    ${stock} ORDER BY ${order}`,
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
   * What the dictionary's counts of products on sale say about the matches. Per relevance tier,
   * whether they are common enough that the first `WALK` products in any order hold `wanted` of them
   * twice over: the share of products that have the rarest typed word (or, past the exact tier, one it
   * may mean), times the share that have each asked text attribute value (a value is a word too, and a
   * colour is as likely for a speaker as for anything else; the category is left out: what is typed
   * with it usually names things of it). And the most products any one word a single typed word may
   * mean has: the matches of that word alone are at least as many. And whether the typed words as
   * typed (where products have them so), with the values, likely match past the bound (`exactFirst`):
   * a quarter of it, by the same shares, is enough to count those first (they cost a fraction).
   */
  private async counted(
    t: { products: string; words: string },
    resolved: readonly ResolvedWord[],
    values: readonly string[],
    wanted: number,
  ): Promise<{ walks: Walks; mostOfOneWord: number; exactFirst: boolean }> {
    const known = resolved.filter((r) => r.words.length > 0);
    const asked = values.map(wordsOf).filter((words) => words.length > 0);
    const { rows } = await this.pool.query<{ word: string; products: number; total: number }>(
      `SELECT w.word, w.products, (SELECT reltuples FROM pg_class WHERE oid = $2::regclass)::float8 AS total
         FROM ${t.words} w WHERE w.variant = ANY($1::text[]) AND w.word = w.variant`,
      [[...known.flatMap((r) => r.words), ...asked.flat()], t.products],
    );
    const products = new Map(rows.map((r) => [r.word, r.products]));
    const mostOfOneWord = known.length === 1 ? Math.max(0, ...known[0]!.words.map((word) => products.get(word) ?? 0)) : 0;
    const total = rows[0]?.total ?? 0;
    if (total <= 0) return { walks: { 0: false, 1: false, 2: false }, mostOfOneWord, exactFirst: false };
    // A value none of whose words the dictionary has (a number, true or false) is not counted on: no walk.
    const valueShare = asked.reduce((share, words) => share * (Math.min(...words.map((word) => products.get(word) ?? 0)) / total), 1);
    const walks = (share: number) => share * valueShare * WALK >= 2 * wanted;
    const anyOf = (words: readonly string[]) => words.reduce((sum, word) => sum + (products.get(word) ?? 0), 0) / total;
    const fuzzy = Math.min(...known.map((r) => anyOf(r.words)));
    // The exact tier asks every typed word itself (`exactTitle` is only made when all of them are words products have).
    const exact = Math.min(...known.map((r) => products.get(r.typed) ?? 0)) / total;
    const asTyped = known.reduce((share, r) => share * (r.exact ? anyOf([r.typed]) : anyOf(r.words)), valueShare) * total;
    return {
      walks: { 0: walks(exact), 1: walks(fuzzy), 2: walks(fuzzy) },
      mostOfOneWord,
      exactFirst: known.some((r) => r.exact && r.words.length > 1) && asTyped >= TOTAL_BOUND / 4,
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
