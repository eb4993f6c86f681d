/** The product search port: PostgreSQL (pg_trgm) by default, Elasticsearch at scale. */
type Money = { amount: number; currency: string };

export type ProductSearchQuery = {
  q?: string;
  category?: string;
  /** Minor units, in `currency` when given. */
  minPrice?: number;
  maxPrice?: number;
  currency?: string;
  /** `attr.<name>=<value>` pairs; values compare as lower-case text. */
  attributes?: Record<string, string>;
  /** Only products whose warehouses cover this postal code. */
  deliverableTo?: string;
  inStock?: boolean;
  sort: 'relevance' | 'price' | 'newest';
  page: number;
  pageSize: number;
  /** The `next` of the previous page: the page after its last item (keyset), instead of `page`. */
  cursor?: string;
};

type StockLevel = { onHand: number; reserved: number; available: number; inStock: boolean };

export type ProductSummary = {
  productId: string;
  sku: string;
  name: string;
  category: string;
  price: Money;
  image: string | null;
  deliveryDays: number;
  status: string;
  available: number;
};

export type ProductSearchResult = {
  items: ProductSummary[];
  /** Matches, counted up to `TOTAL_BOUND` (1,000); `totalText` says "1,000+" beyond it. */
  total: number;
  totalText: string;
  /** Pass as `cursor` for the page after this one; null on the last page. */
  next: string | null;
  page: number;
  pageSize: number;
};

/**
 * Where a page ended, the same for both stores: the relevance tier (0 every word exactly in the
 * name, 1 in the name with typos, 2 elsewhere; 0 without text), the sort key (price in minor
 * units, or creation time in epoch milliseconds) and the product id.
 */
export type ProductCursor = { tier: number; key: number; id: string };

export const encodeProductCursor = (cursor: ProductCursor): string => Buffer.from(JSON.stringify([cursor.tier, cursor.key, cursor.id])).toString('base64url');

/** The cursor, or undefined when the text is not one this API gave out. */
export const decodeProductCursor = (text: string): ProductCursor | undefined => {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(value) || value.length !== 3) return undefined;
    const [tier, key, id] = value as unknown[];
    if (!(tier === 0 || tier === 1 || tier === 2) || !Number.isSafeInteger(key) || typeof id !== 'string' || id.length === 0) return undefined;
    return { tier, key: key as number, id };
  } catch {
    return undefined;
  }
};

export type ProductView = {
  productId: string;
  sellerId: string;
  sku: string;
  name: string;
  description: string;
  category: string;
  attributes: Record<string, string | number | boolean>;
  images: string[];
  price: Money;
  shipping: { postalPrefixes: string[]; deliveryDays: number };
  status: string;
  stock: StockLevel;
  createdAt: string;
  updatedAt: string;
};

export interface ProductReader {
  search(query: ProductSearchQuery): Promise<ProductSearchResult>;
  get(productId: string): Promise<ProductView | undefined>;
  /** Summaries of the given products that exist, in no particular order (for carts and wishlists). */
  many(productIds: readonly string[]): Promise<ProductSummary[]>;
  /** A seller's own products, discontinued ones too, newest first, each with its stock. */
  bySeller(sellerId: string, query: { page: number; pageSize: number }): Promise<{ items: ProductView[]; page: number; pageSize: number; hasMore: boolean }>;
}

/** Postal codes compare without spaces, dashes or case, as the product's covered prefixes do. */
export const normalisePostalCode = (code: string): string => code.replace(/[\s-]/g, '').toUpperCase();
