import type { RecordedEvent } from '@stayhub/event-sourcing';

/**
 * One delivery of stock into a SKU, as its seller looks back on it: when, how many, the delivery
 * note's id, and who recorded it. A receipt is written once (the stock decider counts a delivery
 * note once), so it never changes after.
 */
export type StockReceipt = {
  sku: string;
  receiptId: string;
  quantity: number;
  receivedAt: string;
  /** The user who recorded it (the seller, or an operator for them); null when the event does not say. */
  receivedBy: string | null;
  /** The event's place in the log: orders receipts recorded within the same instant. */
  position: string;
};

/** Which SKU a product sells and who sells it: what routes a SKU's receipts to its seller. */
export type ReceiptProduct = { productId: string; sku: string; sellerId: string };

export const stockReceiptHandles = new Set(['StockReceived', 'ProductCreated']);

type Data = Record<string, unknown>;

/** Pure: the receipt an event records, if it records one. */
export const receiptOf = (event: RecordedEvent): StockReceipt | undefined => {
  if (event.type !== 'StockReceived') return undefined;
  const data = event.data as Data;
  const actor = event.metadata.actor;
  return {
    sku: String(data.sku),
    receiptId: String(data.receiptId),
    quantity: Number(data.quantity),
    receivedAt: typeof data.at === 'string' ? data.at : event.occurredAt,
    receivedBy: typeof actor === 'string' && actor !== 'anonymous' ? actor : null,
    position: event.globalPosition,
  };
};

/** Pure: a receipt once written stays as it is; an event that records none changes nothing. */
export const evolveStockReceipt = (doc: StockReceipt | undefined, event: RecordedEvent): StockReceipt | undefined => doc ?? receiptOf(event);

/** Pure: the product an event creates, if it creates one (a product's SKU and seller never change). */
export const receiptProductOf = (event: RecordedEvent): ReceiptProduct | undefined => {
  if (event.type !== 'ProductCreated') return undefined;
  const data = event.data as Data;
  return { productId: String(data.productId), sku: String(data.sku), sellerId: String(data.sellerId) };
};
