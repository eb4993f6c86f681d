import type { RecordedEvent } from '@stayhub/event-sourcing';
import type { commerce } from '@stayhub/domain';

type Money = { amount: number; currency: string };

/** A product as shoppers search and view it (a row here, an ES document at scale). */
export type ProductDocument = {
  productId: string;
  sellerId: string;
  sku: string;
  name: string;
  description: string;
  category: string;
  attributes: commerce.ProductAttributes;
  images: string[];
  price: Money;
  shipping: commerce.ProductShipping;
  status: 'active' | 'discontinued';
  /** The product stream revision already applied: a redelivered event is ignored. */
  revision: number;
  createdAt: string;
  updatedAt: string;
};

/** Units of one SKU: on hand in the warehouse, reserved by holds not yet confirmed or released. */
export type StockDocument = { sku: string; onHand: number; reserved: number; revision: number; updatedAt: string };

export const productEventTypes = new Set(['ProductCreated', 'ProductUpdated', 'ProductPriceChanged', 'ProductDiscontinued']);
export const stockEventTypes = new Set(['StockReceived', 'StockHeld', 'StockHoldConfirmed', 'StockReleased']);
export const productDocumentHandles = new Set([...productEventTypes, ...stockEventTypes]);

type Data = Record<string, any>;

/** Pure: the next product document, or the same one if the event is old news. */
export const evolveProductDocument = (doc: ProductDocument | undefined, event: RecordedEvent): ProductDocument | undefined => {
  const data = event.data as Data;
  const at = (data.at as string | undefined) ?? event.occurredAt;
  if (event.type === 'ProductCreated') {
    if (doc) return doc;
    const { at: _at, ...product } = data as commerce.Product & { at: string };
    return { ...product, status: 'active', revision: event.streamRevision, createdAt: at, updatedAt: at };
  }
  if (!doc || event.streamRevision <= doc.revision) return doc;
  const next = { ...doc, revision: event.streamRevision, updatedAt: at };
  switch (event.type) {
    case 'ProductUpdated':
      return { ...next, ...(data.changes as commerce.ProductChanges) };
    case 'ProductPriceChanged':
      return { ...next, price: data.price };
    case 'ProductDiscontinued':
      return { ...next, status: 'discontinued' };
    default:
      return doc;
  }
};

/** Pure: the next stock document of a SKU; a redelivered event changes nothing. */
export const evolveStockDocument = (doc: StockDocument | undefined, event: RecordedEvent): StockDocument | undefined => {
  const data = event.data as Data;
  if (doc && event.streamRevision <= doc.revision) return doc;
  const current = doc ?? { sku: data.sku as string, onHand: 0, reserved: 0, revision: -1, updatedAt: event.occurredAt };
  const next = { ...current, revision: event.streamRevision, updatedAt: (data.at as string | undefined) ?? event.occurredAt };
  const quantity = Number(data.quantity);
  switch (event.type) {
    case 'StockReceived':
      return { ...next, onHand: current.onHand + quantity };
    case 'StockHeld':
      return { ...next, reserved: current.reserved + quantity };
    case 'StockHoldConfirmed':
      return { ...next, reserved: current.reserved - quantity, onHand: current.onHand - quantity };
    case 'StockReleased':
      return { ...next, reserved: current.reserved - quantity };
    default:
      return doc;
  }
};

/** Postal codes and their covered prefixes compare without spaces, dashes or case. */
export const normalisePostal = (code: string): string => code.replace(/[\s-]/g, '').toUpperCase();

/** Attributes as lower-case strings, so that `attr.size=55` and `attr.panel=OLED` match whatever type the seller used. */
export const normalisedAttributes = (attributes: commerce.ProductAttributes): Record<string, string> =>
  Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name.toLowerCase(), String(value).toLowerCase()]));
