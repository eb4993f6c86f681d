import type { RecordedEvent } from '@stayhub/event-sourcing';
import { commerce } from '@stayhub/domain';

type Order = Exclude<commerce.OrderState, { status: 'none' }>;

/** One line as the seller packs it: what, how many; prices stay with the buyer's order. */
export type PackLine = { productId: string; sku: string; name: string; quantity: number };

/** An order as its sellers see it: what to pack, where it goes, and how far it got. */
export type SellerOrder = {
  orderId: string;
  status: string;
  lines: PackLine[];
  productIds: string[];
  shippingPostalCode: string;
  shipment?: { carrier?: string; tracking?: string; shippedAt: string };
  deliveredAt?: string;
  placedAt: string;
  updatedAt: string;
  /** The order stream revision already applied: a redelivered event is ignored. */
  revision: number;
  /** The order as the domain folds it, so that the status means exactly what the decider means. */
  state: Order;
};

/** Who sells a product: the one fact of the product stream that routes an order to its sellers. */
export type SellerProduct = { productId: string; sellerId: string; revision: number };

export const sellerOrderHandles = new Set<string>(commerce.orderEventTypes);
export const sellerProductHandles = new Set<string>(['ProductCreated']);
export const sellerOrdersHandles = new Set<string>([...sellerOrderHandles, ...sellerProductHandles]);

type Data = Record<string, unknown>;

/** Pure: the next document for an event of the order's stream, or the same one if the event is old news. */
export const evolveSellerOrder = (doc: SellerOrder | undefined, event: RecordedEvent): SellerOrder | undefined => {
  if (doc ? event.streamRevision <= doc.revision : event.type !== 'OrderPlaced') return doc;
  const data = event.data as Data;
  const at = typeof data.at === 'string' ? data.at : event.occurredAt;
  const state = commerce.orderDecider.evolve(doc?.state ?? commerce.orderDecider.initialState, { type: event.type, data } as commerce.OrderEvent);
  if (state.status === 'none') return doc;
  const lines = state.lines.map(({ productId, sku, name, quantity }) => ({ productId, sku, name, quantity }));
  const shipment =
    event.type === 'OrderShipped'
      ? {
          ...(typeof data.carrier === 'string' ? { carrier: data.carrier } : {}),
          ...(typeof data.tracking === 'string' ? { tracking: data.tracking } : {}),
          shippedAt: at,
        }
      : doc?.shipment;
  const deliveredAt = event.type === 'OrderDelivered' ? at : doc?.deliveredAt;
  return {
    orderId: state.orderId,
    status: state.status,
    lines,
    productIds: [...new Set(lines.map((line) => line.productId))].sort(),
    shippingPostalCode: state.shippingPostalCode,
    ...(shipment ? { shipment } : {}),
    ...(deliveredAt ? { deliveredAt } : {}),
    placedAt: doc?.placedAt ?? at,
    updatedAt: at,
    revision: event.streamRevision,
    state,
  };
};

/** Pure: a product's seller, written once at creation (a product never changes hands). */
export const evolveSellerProduct = (doc: SellerProduct | undefined, event: RecordedEvent): SellerProduct | undefined => {
  if (doc || event.type !== 'ProductCreated') return doc;
  const data = event.data as Data;
  return { productId: String(data.productId), sellerId: String(data.sellerId), revision: event.streamRevision };
};
