/**
 * The product benchmark's catalogue: product `i` of a seed is always the same, so the load and the
 * query sets are made from one definition. Titles are a brand, an adjective, a product noun of the
 * category and a model number; attributes per category; prices from 5 to 2,000 EUR; 20k sellers;
 * delivery areas of 1–12 two-digit postal regions; a tenth out of stock.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { commerce } from '@stayhub/domain';
import { inTransaction, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { productSearchProjection } from '@stayhub/read-models';
import { inParallel } from './http.ts';
import { random, type Random } from './listings-data.ts';
import { recorded } from './seed-listings.ts';

const english = (createRequire(import.meta.url)('an-array-of-english-words') as string[]).filter((w) => /^[a-z]{5,9}$/.test(w));
const capital = (s: string) => s.replace(/^./, (c) => c.toUpperCase());

const colours = ['black', 'white', 'silver', 'red', 'blue', 'green', 'grey', 'yellow', 'orange', 'purple'];
const materials = ['cotton', 'wool', 'leather', 'steel', 'aluminium', 'oak', 'bamboo', 'plastic', 'glass', 'linen'];
const sizes = ['xs', 's', 'm', 'l', 'xl'];

/** Categories, each with its product nouns and the attributes its products carry. */
export const productCategories: { name: string; nouns: string[]; attributes: (r: Random) => Record<string, string | number | boolean> }[] = [
  {
    name: 'electronics',
    nouns: ['headphones', 'speaker', 'charger', 'keyboard', 'monitor', 'camera', 'tablet', 'router'],
    attributes: (r) => ({ colour: r.pick(colours), wireless: r.next() < 0.5, warranty: r.int(1, 3) }),
  },
  {
    name: 'fashion',
    nouns: ['jacket', 'sweater', 'trousers', 'dress', 'sneakers', 'scarf', 'shirt', 'boots'],
    attributes: (r) => ({ colour: r.pick(colours), size: r.pick(sizes), material: r.pick(materials) }),
  },
  {
    name: 'home',
    nouns: ['lamp', 'blanket', 'cushion', 'curtain', 'mirror', 'shelf', 'rug', 'vase'],
    attributes: (r) => ({ colour: r.pick(colours), material: r.pick(materials) }),
  },
  {
    name: 'kitchen',
    nouns: ['kettle', 'toaster', 'blender', 'skillet', 'knife', 'teapot', 'grinder', 'saucepan'],
    attributes: (r) => ({ colour: r.pick(colours), material: r.pick(materials), dishwasher: r.next() < 0.5 }),
  },
  {
    name: 'garden',
    nouns: ['hose', 'shovel', 'planter', 'lantern', 'hammock', 'sprinkler', 'trimmer', 'bench'],
    attributes: (r) => ({ material: r.pick(materials), outdoor: true }),
  },
  {
    name: 'sports',
    nouns: ['bicycle', 'racket', 'dumbbell', 'helmet', 'backpack', 'tent', 'football', 'yogamat'],
    attributes: (r) => ({ colour: r.pick(colours), size: r.pick(sizes) }),
  },
  {
    name: 'toys',
    nouns: ['puzzle', 'robot', 'blocks', 'doll', 'kite', 'scooter', 'boardgame', 'train'],
    attributes: (r) => ({ age: r.int(3, 14), colour: r.pick(colours) }),
  },
  {
    name: 'beauty',
    nouns: ['shampoo', 'perfume', 'lipstick', 'serum', 'razor', 'hairdryer', 'lotion', 'brush'],
    attributes: (r) => ({ volume: r.int(50, 500), vegan: r.next() < 0.4 }),
  },
  {
    name: 'books',
    nouns: ['novel', 'cookbook', 'atlas', 'biography', 'notebook', 'journal', 'comic', 'dictionary'],
    attributes: (r) => ({ language: r.pick(['english', 'german', 'french', 'spanish']), hardcover: r.next() < 0.3 }),
  },
  {
    name: 'office',
    nouns: ['stapler', 'desk', 'chair', 'printer', 'calendar', 'organiser', 'whiteboard', 'pen'],
    attributes: (r) => ({ colour: r.pick(colours), material: r.pick(materials) }),
  },
];
const adjectives = [
  'classic',
  'compact',
  'premium',
  'portable',
  'vintage',
  'modern',
  'ergonomic',
  'foldable',
  'smart',
  'deluxe',
  'organic',
  'rugged',
  'slim',
  'cordless',
];
const brands = Array.from({ length: 400 }, (_, k) => capital(random(9_000 + k).pick(english)));

export type CatalogueProduct = commerce.Product & { stock: number };

/** Product `i` of the catalogue. */
export const catalogueProduct = (seed: number, i: number): CatalogueProduct => {
  const r = random(seed * 4_000_037 + i);
  const category = productCategories[i % productCategories.length]!;
  const noun = r.pick(category.nouns);
  const brand = r.pick(brands);
  const name = `${brand} ${r.pick(adjectives)} ${noun} ${String.fromCharCode(65 + r.int(0, 25))}${r.int(10, 999)}`;
  const regions = new Set(Array.from({ length: r.int(1, 12) }, () => String(r.int(0, 99)).padStart(2, '0')));
  return {
    productId: `p${i}`,
    sellerId: `seller-${i % 20_000}`,
    sku: `SKU-${i}`,
    name,
    description: `${capital(noun)} by ${brand}. ${Array.from({ length: r.int(12, 30) }, () => r.pick(english)).join(' ')}.`,
    category: category.name,
    attributes: category.attributes(r),
    images: [`https://img.example.com/p${i}.jpg`],
    // Log-uniform: many cheap products, few expensive ones.
    price: { amount: Math.round(500 * 400 ** r.next()), currency: 'EUR' },
    shipping: { postalPrefixes: [...regions], deliveryDays: r.int(1, 10) },
    stock: r.next() < 0.1 ? 0 : r.int(1, 500),
  };
};

/** Product `i`'s events as the product and stock deciders decide them: created, then its stock received. */
const catalogueEvents = (seed: number, i: number, now: string): RecordedEvent[] => {
  const { stock, ...product } = catalogueProduct(seed, i);
  const created = commerce.productDecider.decide({ type: 'CreateProduct', data: { ...product, now } }, commerce.productDecider.initialState);
  const events = created.map((event, n) => recorded(commerce.productStreamId(product.productId), n, event, now));
  if (stock > 0) {
    const received = commerce.stockDecider.decide(
      { type: 'ReceiveStock', data: { sku: product.sku, quantity: stock, receiptId: `r${i}`, now } },
      commerce.stockDecider.initialState,
    );
    events.push(...received.map((event, n) => recorded(commerce.stockStreamId(product.sku), n, event, now)));
  }
  return events;
};

/**
 * Loads products [0, count) through the products projection's bulk path: its tables made without
 * secondary indexes, each chunk's events folded as a rebuild folds them (new rows by COPY, the word
 * dictionary counted), then the indexes built.
 */
export const loadCatalogue = async (
  pool: Pool,
  options: { count: number; seed: number; workers?: number; chunk?: number; onProgress?: (done: number) => void },
) => {
  const chunk = options.chunk ?? 2000;
  await inTransaction(pool, (client) => productSearchProjection.migrate(client, 'products', { indexes: false }));
  const starts: number[] = [];
  for (let start = 0; start < options.count; start += chunk) starts.push(start);
  const now = new Date().toISOString();
  let done = 0;
  await inParallel(starts, options.workers ?? 2, async (start) => {
    const events: RecordedEvent[] = [];
    for (let i = start; i < Math.min(options.count, start + chunk); i++) events.push(...catalogueEvents(options.seed, i, now));
    const write = await productSearchProjection.fold(pool, events, 'products', { bulk: true });
    await inTransaction(pool, write);
    done += Math.min(options.count, start + chunk) - start;
    options.onProgress?.(done);
  });
  const rowsDone = performance.now();
  await inTransaction(pool, async (client) => {
    await client.query(`SET LOCAL maintenance_work_mem = '512MB'`);
    await productSearchProjection.index(client, 'products');
  });
  await pool.query('VACUUM ANALYZE');
  return { rowsDone };
};
