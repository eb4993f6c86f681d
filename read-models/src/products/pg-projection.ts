import type { PoolClient } from 'pg';
import { allWrites, copyRows, foldTable, type Changed, type DocumentTable, type Queryable } from '../pg-documents.ts';
import { deletionVariants, FUZZY_MIN_LENGTH } from '../listings/search-words.ts';
import type { PgProjection } from '../projection.ts';
import { productWordGroups, productWords } from './product-words.ts';
import {
  evolveProductDocument,
  evolveStockDocument,
  normalisedAttributes,
  normalisePostal,
  productDocumentHandles,
  productEventTypes,
  stockEventTypes,
  type ProductDocument,
  type StockDocument,
} from './product-document.ts';

export const PRODUCTS = 'products';

/** Table names of a target: `products` and `products_stock` live, `products_r<n>…` while a replay builds a copy. */
export const productTables = (target: string) => ({
  products: target,
  stock: `${target}_stock`,
  words: `${target}_words`,
  /** How many products on sale each category and each covered postal prefix has (`facetsOf`). */
  facets: `${target}_facets`,
  /** A bulk load's word counts, until `index` sums them into `words`. */
  stagedWords: `${target}_words_staged`,
});

/** A tsvector literal: name words weigh A, the others (category, SKU, attributes, description) B. */
const productWordVector = (doc: ProductDocument): string => {
  const { name, other } = productWordGroups(doc);
  let position = 0;
  const positions = new Map<string, string[]>();
  for (const [group, weight] of [
    [name, 'A'],
    [other, 'B'],
  ] as const) {
    for (const word of group) {
      position = Math.min(position + 1, 16_383);
      const at = positions.get(word) ?? [];
      if (at.length < 8) positions.set(word, [...at, `${position}${weight}`]);
    }
  }
  return [...positions].map(([word, at]) => `'${word}':${at.join(',')}`).join(' ');
};

/** How a batch moves counts kept per key (a word, a facet): per key, the active products gained minus those lost. */
const activeDeltas = (changed: readonly Changed<ProductDocument>[], keysOf: (doc: ProductDocument) => Iterable<string>): [string, number][] => {
  const delta = new Map<string, number>();
  const count = (doc: ProductDocument | undefined, sign: number) => {
    if (doc?.status !== 'active') return;
    for (const key of keysOf(doc)) delta.set(key, (delta.get(key) ?? 0) + sign);
  };
  for (const { before, doc } of changed) {
    count(before, -1);
    count(doc, 1);
  }
  return [...delta].filter(([, n]) => n !== 0);
};

/**
 * The dictionary of the words of products on sale, each with its one-deletion variants and how
 * many active products have it: what a typed word is looked up in (as the listings' dictionary).
 */
const countWords = async (db: Queryable, table: string, changed: readonly Changed<ProductDocument>[]): Promise<void> => {
  const moved = activeDeltas(changed, productWords);
  if (moved.length === 0) return;
  // In one order, so that concurrent writers of the same words wait for each other instead of deadlocking.
  const rows = moved
    .flatMap(([word, n]) => deletionVariants(word).map((variant) => [variant, word, n] as const))
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  await db.query(
    `INSERT INTO ${table} AS w (variant, word, products) SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
     ON CONFLICT (variant, word) DO UPDATE SET products = w.products + excluded.products`,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
  );
  const fewer = moved.filter(([, n]) => n < 0).map(([word]) => word);
  if (fewer.length > 0) await db.query(`DELETE FROM ${table} WHERE word = ANY($1::text[]) AND products <= 0`, [fewer]);
};

/**
 * The facets a product on sale is counted under: its category and each postal prefix it covers,
 * as its row stores them (`category:<category>`, `postal:<prefix>`), each once.
 */
export const facetsOf = (doc: Pick<ProductDocument, 'category' | 'shipping'>): string[] => [
  ...new Set([`category:${doc.category.toLowerCase()}`, ...doc.shipping.postalPrefixes.map((prefix) => `postal:${normalisePostal(prefix)}`)]),
];

/** The facet counts moved by a live batch, as the dictionary's: per facet, the active products gained minus those lost, in one order. */
const countFacets = async (db: Queryable, table: string, changed: readonly Changed<ProductDocument>[]): Promise<void> => {
  const moved = activeDeltas(changed, facetsOf).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (moved.length === 0) return;
  await db.query(
    `INSERT INTO ${table} AS f (facet, products) SELECT * FROM unnest($1::text[], $2::int[])
     ON CONFLICT (facet) DO UPDATE SET products = f.products + excluded.products`,
    [moved.map(([facet]) => facet), moved.map(([, n]) => n)],
  );
  const fewer = moved.filter(([, n]) => n < 0).map(([facet]) => facet);
  if (fewer.length > 0) await db.query(`DELETE FROM ${table} WHERE facet = ANY($1::text[]) AND products <= 0`, [fewer]);
};

/**
 * The facet counts from the rows themselves, all at once (what `countFacets` keeps them at since):
 * after a bulk load, and once for a table made before the counts were kept. A rebuild's only writer
 * runs it, or the migration that makes the counts table.
 */
const recountFacets = async (client: Queryable, target: string): Promise<void> => {
  const t = productTables(target);
  await client.query(`
    DELETE FROM ${t.facets};
    INSERT INTO ${t.facets} (facet, products)
    SELECT facet, count(*)::int FROM (
      SELECT 'category:' || category AS facet FROM ${t.products} WHERE status = 'active'
      UNION ALL
      SELECT 'postal:' || x.prefix FROM ${t.products} p, LATERAL (SELECT DISTINCT unnest(p.postal_prefixes) AS prefix) x WHERE p.status = 'active'
    ) f GROUP BY facet;`);
};

/**
 * A bulk load (a rebuild into a fresh target, its only writer) appends each batch's word counts to
 * the staged words with COPY, one row per word and no variants: upserting a batch's ~250k variant
 * rows into the dictionary's growing unique index, row by row, was 97 % of a load. `mergeStagedWords`
 * sums them per word once, after the load, and writes each word's variants in one sorted pass.
 */
const stageWords = async (client: PoolClient, target: string, changed: readonly Changed<ProductDocument>[]): Promise<void> =>
  copyRows(
    client,
    productTables(target).stagedWords,
    activeDeltas(changed, productWords).map(([word, products]) => ({ word, products })),
  );

/**
 * The staged counts into the dictionary: summed per word, each word with its one-deletion variants
 * (`deletionVariants`, made by the server: words are only [a-z0-9]). Into an empty dictionary (a
 * rebuild's) the rows go in plainly and the unique index is built once after, from sorted input;
 * into one that has words, each sum is added to what is there and a word down to no product goes,
 * as a live batch's would.
 */
const mergeStagedWords = async (client: PoolClient, target: string): Promise<void> => {
  const t = productTables(target);
  const { rows } = await client.query<{ staged: boolean; empty: boolean }>(
    `SELECT to_regclass($1) IS NOT NULL AS staged, NOT EXISTS (SELECT 1 FROM ${t.words}) AS empty`,
    [t.stagedWords],
  );
  if (!rows[0]?.staged) return;
  const variants = (having: string) => `
    SELECT v.variant, s.word, s.products
      FROM (SELECT word, sum(products)::int AS products FROM ${t.stagedWords} GROUP BY word HAVING ${having}) s,
           LATERAL (SELECT s.word AS variant
                    UNION SELECT left(s.word, i - 1) || substr(s.word, i + 1) FROM generate_series(1, length(s.word)) i WHERE length(s.word) >= ${FUZZY_MIN_LENGTH}) v`;
  if (rows[0].empty) {
    await client.query(`
      ALTER TABLE ${t.words} DROP CONSTRAINT ${t.words}_pkey;
      INSERT INTO ${t.words} (variant, word, products) ${variants('sum(products) > 0')};
      ALTER TABLE ${t.words} ADD PRIMARY KEY (variant, word);`);
  } else {
    await client.query(`
      INSERT INTO ${t.words} AS w (variant, word, products) ${variants('sum(products) <> 0')} ORDER BY v.variant, s.word
      ON CONFLICT (variant, word) DO UPDATE SET products = w.products + excluded.products;
      DELETE FROM ${t.words} WHERE products <= 0;`);
  }
  await client.query(`DROP TABLE ${t.stagedWords}`);
};

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
    words: productWordVector(doc),
    doc,
    created_at: doc.createdAt,
    updated_at: doc.updatedAt,
  }),
  // A bulk load counts the facets once, from the rows, in `index`.
  after: async (client, target, changed, options) => {
    if (options.bulk) return stageWords(client, target, changed);
    await countWords(client, productTables(target).words, changed);
    await countFacets(client, productTables(target).facets, changed);
  },
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
  const active = `WHERE status = 'active'`;
  return `CREATE INDEX IF NOT EXISTS ${t.products}_seller ON ${t.products} (seller_id, created_at DESC, product_id DESC);
    CREATE INDEX IF NOT EXISTS ${t.products}_by_words ON ${t.products} USING gin (words) ${active};
    CREATE INDEX IF NOT EXISTS ${t.products}_by_newest ON ${t.products} (created_at DESC, product_id COLLATE "C" DESC) ${active};
    CREATE INDEX IF NOT EXISTS ${t.products}_by_price ON ${t.products} (price, product_id COLLATE "C") ${active};
    CREATE INDEX IF NOT EXISTS ${t.products}_by_postal_prefix ON ${t.products} USING gin (postal_prefixes) ${active};`;
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
        words           tsvector NOT NULL DEFAULT '',
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
      -- Byte order ("C"): a word is only [a-z0-9] and is looked up by equality, so a language's collation buys nothing but slower compares.
      CREATE TABLE IF NOT EXISTS ${t.words} (
        variant  text COLLATE "C" NOT NULL,
        word     text COLLATE "C" NOT NULL,
        products int NOT NULL DEFAULT 1,
        PRIMARY KEY (variant, word)
      );`);
    await addWords(client, target);
    await addFacets(client, target);
    if (options.indexes !== false) await client.query(indexes(target));
    else await client.query(`CREATE TABLE IF NOT EXISTS ${t.stagedWords} (word text COLLATE "C" NOT NULL, products int NOT NULL)`);
  },
  async index(client: PoolClient, target: string) {
    await mergeStagedWords(client, target);
    await recountFacets(client, target);
    await client.query(indexes(target));
  },
  fold: async (db, events, target, options) =>
    allWrites(await Promise.all([foldTable(db, productRows, events, target, options), foldTable(db, stockRows, events, target, options)])),
  async drop(client: PoolClient, target: string) {
    const t = productTables(target);
    await client.query(
      `DROP TABLE IF EXISTS ${t.facets}; DROP TABLE IF EXISTS ${t.stagedWords}; DROP TABLE IF EXISTS ${t.words}; DROP TABLE IF EXISTS ${t.stock}; DROP TABLE IF EXISTS ${t.products};`,
    );
  },
};

/**
 * Tables made before products were found by words (a trigram text then) get the word vector and
 * the dictionary once, from each row's stored document.
 */
const addWords = async (client: PoolClient, target: string): Promise<void> => {
  const t = productTables(target);
  const { rows: has } = await client.query(`SELECT 1 FROM pg_attribute WHERE attrelid = '${t.products}'::regclass AND attname = 'words' AND NOT attisdropped`);
  if (has.length > 0) return;
  await client.query(`ALTER TABLE ${t.products} ADD COLUMN words tsvector NOT NULL DEFAULT ''`);
  const { rows } = await client.query<{ doc: ProductDocument }>(`SELECT doc FROM ${t.products}`);
  for (let i = 0; i < rows.length; i += 1000) {
    const docs = rows.slice(i, i + 1000).map((r) => r.doc);
    await client.query(`UPDATE ${t.products} p SET words = v.words::tsvector FROM unnest($1::text[], $2::text[]) AS v(id, words) WHERE p.product_id = v.id`, [
      docs.map((d) => d.productId),
      docs.map(productWordVector),
    ]);
    await countWords(
      client,
      t.words,
      docs.map((doc) => ({ before: undefined, doc })),
    );
  }
};

/** The facet counts' table, counted from the rows when it is new (a table made before the counts were kept). */
const addFacets = async (client: PoolClient, target: string): Promise<void> => {
  const t = productTables(target);
  const { rows } = await client.query<{ made: boolean }>('SELECT to_regclass($1) IS NOT NULL AS made', [t.facets]);
  if (rows[0]?.made) return;
  // Byte order ("C"): looked up by equality only.
  await client.query(`CREATE TABLE ${t.facets} (facet text COLLATE "C" PRIMARY KEY, products int NOT NULL)`);
  await recountFacets(client, target);
};
