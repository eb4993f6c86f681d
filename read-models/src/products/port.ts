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
};

export type StockLevel = { onHand: number; reserved: number; available: number; inStock: boolean };

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

export type ProductSearchResult = { items: ProductSummary[]; total: number; page: number; pageSize: number };

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
