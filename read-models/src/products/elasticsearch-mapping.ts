import type { estypes } from '@elastic/elasticsearch';
import { TOTAL_BOUND } from '../listings/port.ts';
import type { KnownWord } from '../listings/elasticsearch-mapping.ts';
import { FUZZY_MIN_LENGTH, oneLetterLonger, typedWords } from '../listings/search-words.ts';
import { normalisedAttributes, normalisePostal, type ProductDocument, type StockDocument } from './product-document.ts';
import { productWordGroups } from './product-words.ts';
import { decodeProductCursor, normalisePostalCode, type ProductCursor, type ProductSearchQuery, type ProductSummary } from './port.ts';

/**
 * Pure mapping of the product search read model onto Elasticsearch: the index template, the two
 * kinds of documents (a product, carrying a copy of its SKU's stock; a SKU's stock, naming its
 * product), the search request equal in meaning to `PgProductReader.search`, and hits back to
 * summaries. No I/O here, so all of it is tested without a server.
 */

export type ProductSearchDocument = {
  docType: 'product';
  /** The document id, sortable (`_id` is not): the product id, or `stock:<sku>`. */
  key: string;
  productId: string;
  sellerId: string;
  sku: string;
  status: string;
  name: string;
  category: string;
  currency: string;
  price: number;
  image: string | null;
  deliveryDays: number;
  /** Normalised covered postal prefixes: a code is deliverable when one of its prefixes is here. */
  postalPrefixes: string[];
  /** Each attribute as one keyword, `["name","value"]` in lower case: `attr.<name>=<value>` is one term. */
  attributePairs: string[];
  /** The name's words, space-separated as `wordsOf` cuts them: what ranks a match first. */
  nameWords: string;
  /** Every word the product is found by, cut the same way. */
  words: string;
  /** The SKU's stock when the product was last written (its stock document is the source). */
  onHand: number;
  reserved: number;
  available: number;
  createdAt: string;
  updatedAt: string;
  /** The whole read model, stored but not indexed: `get` serves it and the projector evolves it. */
  doc: ProductDocument;
};

export type StockSearchDocument = {
  docType: 'stock';
  key: string;
  sku: string;
  /** The product that holds this SKU, once the projection has seen it: a stock change updates its copy. */
  productId: string | null;
  stock: StockDocument;
};

export type ProductIndexDocument = ProductSearchDocument | StockSearchDocument;

export const stockDocumentId = (sku: string): string => `stock:${sku}`;

/** Indexes of a read-model target are named `<alias>--<target>`; readers only use the alias. */
export const productIndexName = (alias: string, target: string): string => `${alias}--${target}`;

export const productIndexTemplate = (alias: string, settings: { shards?: number; replicas?: number } = {}): estypes.IndicesPutIndexTemplateRequest => ({
  name: `${alias}-template`,
  index_patterns: [productIndexName(alias, '*')],
  priority: 200,
  template: {
    settings: {
      number_of_shards: settings.shards ?? 1,
      number_of_replicas: settings.replicas ?? 1,
      // Pages by number reach as deep as PostgreSQL's OFFSET (page 10,000 of 100).
      max_result_window: 1_000_000,
    },
    mappings: {
      dynamic: 'strict',
      properties: {
        docType: { type: 'keyword' },
        key: { type: 'keyword' },
        productId: { type: 'keyword' },
        sellerId: { type: 'keyword' },
        sku: { type: 'keyword' },
        status: { type: 'keyword' },
        name: { type: 'keyword', index: false, doc_values: false },
        category: { type: 'keyword' },
        currency: { type: 'keyword' },
        price: { type: 'long' },
        image: { type: 'keyword', index: false, doc_values: false },
        deliveryDays: { type: 'integer' },
        postalPrefixes: { type: 'keyword' },
        attributePairs: { type: 'keyword' },
        // Words cut by the projection as the PostgreSQL model cuts them; ranks are tiers, so no scoring statistics.
        nameWords: { type: 'text', analyzer: 'whitespace', norms: false, index_options: 'docs' },
        words: { type: 'text', analyzer: 'whitespace', norms: false, index_options: 'docs' },
        onHand: { type: 'long' },
        reserved: { type: 'long' },
        available: { type: 'long' },
        createdAt: { type: 'date' },
        updatedAt: { type: 'date' },
        doc: { type: 'object', enabled: false },
        stock: { type: 'object', enabled: false },
      },
    },
  },
});

const attributePair = (name: string, value: string): string => JSON.stringify([name.toLowerCase(), value.toLowerCase()]);

export const toProductSearchDocument = (doc: ProductDocument, stock: StockDocument | undefined): ProductSearchDocument => {
  const words = productWordGroups(doc);
  const onHand = stock?.onHand ?? 0;
  const reserved = stock?.reserved ?? 0;
  return {
    docType: 'product',
    key: doc.productId,
    productId: doc.productId,
    sellerId: doc.sellerId,
    sku: doc.sku,
    status: doc.status,
    name: doc.name,
    category: doc.category.toLowerCase(),
    currency: doc.price.currency,
    price: doc.price.amount,
    image: doc.images[0] ?? null,
    deliveryDays: doc.shipping.deliveryDays,
    postalPrefixes: doc.shipping.postalPrefixes.map(normalisePostal),
    attributePairs: Object.entries(normalisedAttributes(doc.attributes)).map(([name, value]) => attributePair(name, value)),
    nameWords: words.name.join(' '),
    words: [...new Set([...words.name, ...words.other])].join(' '),
    onHand,
    reserved,
    available: Math.max(0, onHand - reserved),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    doc,
  };
};

export const toStockSearchDocument = (stock: StockDocument, productId: string | null): StockSearchDocument => ({
  docType: 'stock',
  key: stockDocumentId(stock.sku),
  sku: stock.sku,
  productId,
  stock,
});

/**
 * A typed word as the PostgreSQL dictionary resolves it: 4+ letters, itself or any word one typo
 * away (swaps included); 3 letters, itself or a 4-letter word with one letter more; shorter, only itself.
 */
const wordQuery = (field: 'words' | 'nameWords', word: string, exact = false): estypes.QueryDslQueryContainer => {
  if (exact) return { term: { [field]: word } };
  if (word.length >= FUZZY_MIN_LENGTH) return { fuzzy: { [field]: { value: word, fuzziness: 1, transpositions: true, max_expansions: 64 } } };
  // One letter short of fuzzy: itself, or a word of 4 letters that lost one (the dictionary's rule).
  const longer = oneLetterLonger(word);
  return longer.length > 0 ? { terms: { [field]: [word, ...longer] } } : { term: { [field]: word } };
};

const onSale: estypes.QueryDslQueryContainer[] = [{ term: { docType: 'product' } }, { term: { status: 'active' } }];

/** For each typed word, whether a product on sale has it (one typo allowed) and whether one has it as typed: one request. */
export const productKnownWordsRequest = (typed: readonly string[]): estypes.SearchRequest => ({
  size: 0,
  track_total_hits: false,
  query: { bool: { filter: onSale } },
  aggs: Object.fromEntries(
    typed.flatMap((word, i) => [
      [`fuzzy${i}`, { filter: wordQuery('words', word) }],
      [`exact${i}`, { filter: wordQuery('words', word, true) }],
    ]),
  ),
});

/** Tier scores: 3 every word exactly in the name (only when each exists as typed), 1 in the name with typos, 0 elsewhere. */
const SCORE_OF_TIER = [3, 1, 0] as const;
export const tierOfScore = (score: number): number => (score >= 3 ? 0 : score >= 1 ? 1 : 2);

/** Every `postalPrefixes` value a code is covered by: each of its prefixes. */
export const prefixesOf = (code: string): string[] => {
  const normal = normalisePostalCode(code);
  return Array.from({ length: normal.length }, (_, i) => normal.slice(0, i + 1));
};

/**
 * The search body (without `index`), equal in meaning to the PostgreSQL reader: every known word
 * somewhere (a filter), the tier as a constant score before the asked order, the same filters,
 * and keyset pages through `search_after` from the shared cursor.
 */
export const buildProductSearchRequest = (query: ProductSearchQuery, words?: readonly KnownWord[]): estypes.SearchRequest => {
  const filter: estypes.QueryDslQueryContainer[] = [...onSale];
  const should: estypes.QueryDslQueryContainer[] = [];
  const text = query.q ? (words ?? typedWords(query.q).map((word) => ({ word, exact: true }))) : undefined;
  if (text) {
    const all = (field: 'words' | 'nameWords', exact = false): estypes.QueryDslQueryContainer => ({
      bool: { filter: text.map((w) => wordQuery(field, w.word, exact)) },
    });
    filter.push(...text.map((w) => wordQuery('words', w.word)));
    should.push({ constant_score: { filter: all('nameWords'), boost: 1 } });
    if (text.every((w) => w.exact)) should.push({ constant_score: { filter: all('nameWords', true), boost: 2 } });
  }
  if (query.category) filter.push({ term: { category: query.category.toLowerCase() } });
  if (query.currency) filter.push({ term: { currency: query.currency } });
  if (query.minPrice !== undefined || query.maxPrice !== undefined) {
    filter.push({
      range: { price: { ...(query.minPrice !== undefined ? { gte: query.minPrice } : {}), ...(query.maxPrice !== undefined ? { lte: query.maxPrice } : {}) } },
    });
  }
  for (const [name, value] of Object.entries(query.attributes ?? {})) filter.push({ term: { attributePairs: attributePair(name, value) } });
  if (query.deliverableTo) filter.push({ terms: { postalPrefixes: prefixesOf(query.deliverableTo) } });
  if (query.inStock) filter.push({ range: { available: { gt: 0 } } });

  const byPrice = query.sort === 'price';
  const order: estypes.SortCombinations[] = byPrice
    ? [{ price: { order: 'asc' } }, { productId: { order: 'asc' } }]
    : [{ createdAt: { order: 'desc' } }, { productId: { order: 'desc' } }];
  const after = query.cursor ? decodeProductCursor(query.cursor) : undefined;
  return {
    query: { bool: { filter, ...(should.length > 0 ? { should } : {}) } },
    sort: text ? [{ _score: { order: 'desc' } }, ...order] : order,
    ...(after ? { search_after: searchAfterOf(after, Boolean(text)) } : { from: (query.page - 1) * query.pageSize }),
    // One more than the page: whether there is a next one.
    size: query.pageSize + 1,
    track_total_hits: TOTAL_BOUND + 1,
    _source: SUMMARY_FIELDS,
  };
};

const searchAfterOf = (cursor: ProductCursor, text: boolean): estypes.FieldValue[] => [
  ...(text ? [SCORE_OF_TIER[cursor.tier as 0 | 1 | 2]] : []),
  cursor.key,
  cursor.id,
];

export const SUMMARY_FIELDS = ['productId', 'sku', 'name', 'doc.category', 'price', 'currency', 'image', 'deliveryDays', 'status', 'available'];

export type ProductHit = { _id?: string | null; _score?: number | null; _source?: Partial<ProductSearchDocument>; sort?: estypes.SortResults };

export const toProductSummary = (hit: ProductHit): ProductSummary => {
  const s = hit._source ?? {};
  return {
    productId: s.productId ?? String(hit._id),
    sku: s.sku ?? '',
    name: s.name ?? '',
    category: s.doc?.category ?? '',
    price: { amount: Number(s.price ?? 0), currency: s.currency ?? '' },
    image: s.image ?? null,
    deliveryDays: s.deliveryDays ?? 0,
    status: s.status ?? '',
    available: Number(s.available ?? 0),
  };
};

/** The cursor after a hit, from its sort values (the score first when there was text). */
export const cursorAfter = (hit: ProductHit, text: boolean): ProductCursor => {
  const values = hit.sort ?? [];
  const [score, key, id] = text ? values : [undefined, ...values];
  return { tier: text ? tierOfScore(Number(score)) : 0, key: Number(key), id: String(id) };
};
