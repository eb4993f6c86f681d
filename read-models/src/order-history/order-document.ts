import type { RecordedEvent } from '@stayhub/event-sourcing';
import { commerce, type PaymentIssue } from '@stayhub/domain';

type Money = { amount: number; currency: string };
type Order = Exclude<commerce.OrderState, { status: 'none' }>;

type TimelineEntry = { type: string; at: string; revision: number } & Record<string, unknown>;

/** An order as its buyer lists and reads it: lines, totals, status and every transition. */
export type OrderDocument = {
  orderId: string;
  userId: string;
  status: string;
  lines: commerce.OrderLine[];
  total: Money;
  shippingPostalCode: string;
  paymentDeadline: string;
  paid: Money;
  refunded: Money;
  /** The oldest money task parked for a person; absent when all is well. */
  paymentIssue?: PaymentIssue;
  timeline: TimelineEntry[];
  placedAt: string;
  updatedAt: string;
  /** The order stream revision already applied: a redelivered event is ignored. */
  revision: number;
  /** The order as the domain folds it, so that status and amounts mean exactly what the decider means. */
  state: Order;
};

export const orderDocumentHandles = new Set<string>(commerce.orderEventTypes);

// Left out of the timeline: ids the document has already, the card token, and the lines (listed once, above).
const HIDDEN = new Set(['orderId', 'userId', 'at', 'lines', 'paymentMethod']);
const details = (data: Record<string, unknown>) => Object.fromEntries(Object.entries(data).filter(([key]) => !HIDDEN.has(key)));

type Derived = 'status' | 'lines' | 'total' | 'shippingPostalCode' | 'paymentDeadline' | 'paid' | 'refunded' | 'paymentIssue';
const withState = (doc: Omit<OrderDocument, Derived>, state: Order): OrderDocument => ({
  ...doc,
  ...(state.paymentIssues?.[0] ? { paymentIssue: state.paymentIssues[0] } : {}),
  status: state.status,
  lines: state.lines,
  total: state.total,
  shippingPostalCode: state.shippingPostalCode,
  paymentDeadline: state.paymentDeadline,
  paid: state.paid,
  refunded: state.refunded,
  state,
});

/** Pure: the next document for an event of the order's stream, or the same one if the event is old news. */
export const evolveOrderDocument = (doc: OrderDocument | undefined, event: RecordedEvent): OrderDocument | undefined => {
  if (doc ? event.streamRevision <= doc.revision : event.type !== 'OrderPlaced') return doc;
  const data = event.data as Record<string, unknown>;
  const at = typeof data.at === 'string' ? data.at : event.occurredAt;
  const orderEvent = { type: event.type, data } as commerce.OrderEvent;
  const state = commerce.orderDecider.evolve(doc?.state ?? commerce.orderDecider.initialState, orderEvent);
  if (state.status === 'none') return doc;
  const entry: TimelineEntry = { type: event.type, at, revision: event.streamRevision, ...details(data) };
  return withState(
    {
      orderId: state.orderId,
      userId: state.userId,
      timeline: [...(doc?.timeline ?? []), entry],
      placedAt: doc?.placedAt ?? at,
      updatedAt: at,
      revision: event.streamRevision,
      state,
    },
    state,
  );
};
