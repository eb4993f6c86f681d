/** Order history: by buyer (newest first) and by id; PostgreSQL by default, Cassandra at scale. */
type Money = { amount: number; currency: string };

type OrderLineView = { productId: string; sku: string; name: string; unitPrice: Money; quantity: number; lineTotal: Money };

export type OrderSummary = {
  orderId: string;
  userId: string;
  status: string;
  lines: OrderLineView[];
  total: Money;
  shippingPostalCode: string;
  paymentDeadline: string;
  paid: Money;
  refunded: Money;
  /** The oldest money task parked for a person (capture, refund); absent when all is well. */
  paymentIssue?: { taskId: string; operation: string; error: string; since: string };
  placedAt: string;
  updatedAt: string;
};

export type OrderView = OrderSummary & { timeline: ({ type: string; at: string; revision: number } & Record<string, unknown>)[] };

/** Where a page ends: the next page starts strictly after it (older). */
export type OrderCursor = { placedAt: string; orderId: string };

/** `before` (keyset, any depth at the same cost) or `page` (offset, for jumping to a page number). */
export type OrderListQuery = { pageSize: number; page: number; before?: OrderCursor };
export type OrderPage = { items: OrderSummary[]; page: number; pageSize: number; hasMore: boolean; nextCursor: string | null };

export interface OrderHistoryReader {
  get(orderId: string): Promise<OrderView | undefined>;
  byUser(userId: string, query: OrderListQuery): Promise<OrderPage>;
}

export const encodeOrderCursor = (cursor: OrderCursor): string => Buffer.from(JSON.stringify([cursor.placedAt, cursor.orderId])).toString('base64url');

/** The cursor a page handed out, or undefined if `text` is not one. */
export const decodeOrderCursor = (text: string): OrderCursor | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [placedAt, orderId] = value as unknown[];
    if (typeof placedAt !== 'string' || typeof orderId !== 'string' || Number.isNaN(Date.parse(placedAt))) return undefined;
    return { placedAt, orderId };
  } catch {
    return undefined;
  }
};
