import { z } from 'zod';
import { assertNever } from '../shared/decider.ts';
import { Money } from '../shared/money.ts';
import { OrderEvent, OrderLatePaymentReceivedData, orderEventTypes } from './order/messages.ts';
import { Id, Instant } from '../shared/primitives.ts';
import { Quantity, Sku } from './primitives.ts';
import { StockReleaseReason } from './stock/stock.ts';

/**
 * What the checkout saga does after each order event: pure decisions, run by a durable task runner.
 * A task id is deterministic, so a redelivered event schedules nothing twice, and doubles as the
 * idempotency key of the effect (stock receipt, payment request, refund).
 */
const HoldStockTask = z.object({ type: z.literal('HoldStock'), orderId: Id, sku: Sku, quantity: Quantity, expiresAt: Instant });
/** Charges the order with the card token kept in its payment record (never in an event or a task). */
const RequestPaymentTask = z.object({ type: z.literal('RequestPayment'), orderId: Id, amount: Money });
const ExpireOrderTask = z.object({ type: z.literal('ExpireOrder'), orderId: Id });
const ConfirmStockTask = z.object({ type: z.literal('ConfirmStock'), orderId: Id, sku: Sku });
const ReleaseStockTask = z.object({ type: z.literal('ReleaseStock'), orderId: Id, sku: Sku, reason: StockReleaseReason });
/** Confirmed stock of an order cancelled before shipping goes back on the shelf. */
const ReceiveStockTask = z.object({ type: z.literal('ReceiveStock'), orderId: Id, sku: Sku, quantity: Quantity, receiptId: Id });
const RefundReason = z.enum([...OrderLatePaymentReceivedData.shape.reason.options, 'cancelled']);
type RefundReason = z.infer<typeof RefundReason>;
const RefundPaymentTask = z.object({
  type: z.literal('RefundPayment'),
  orderId: Id,
  paymentId: Id.optional(),
  amount: Money,
  reason: RefundReason,
});
const ClearCartTask = z.object({ type: z.literal('ClearCart'), userId: Id, orderId: Id });

export const CheckoutTask = z.discriminatedUnion('type', [
  HoldStockTask,
  RequestPaymentTask,
  ExpireOrderTask,
  ConfirmStockTask,
  ReleaseStockTask,
  ReceiveStockTask,
  RefundPaymentTask,
  ClearCartTask,
]);
export type CheckoutTask = z.infer<typeof CheckoutTask>;

export const CheckoutReaction = z.object({ taskId: z.string().min(1), dueAt: Instant, task: CheckoutTask });
export type CheckoutReaction = z.infer<typeof CheckoutReaction>;

export type CheckoutSourceEvent = { type: string; data: unknown; streamId: string };

const handled = new Set<string>(orderEventTypes);

const now = (at: string, taskId: string, task: CheckoutTask): CheckoutReaction => ({ taskId, dueAt: at, task });

const releases = (orderId: string, skus: readonly string[], reason: StockReleaseReason, at: string): CheckoutReaction[] =>
  skus.map((sku) => now(at, `release-stock:${orderId}:${sku}`, { type: 'ReleaseStock', orderId, sku, reason }));

const react = (event: OrderEvent): CheckoutReaction[] => {
  switch (event.type) {
    case 'OrderPlaced': {
      const { orderId, userId, lines, paymentDeadline, fromCart, at } = event.data;
      return [
        ...lines.map(({ sku, quantity }) => now(at, `hold-stock:${orderId}:${sku}`, { type: 'HoldStock', orderId, sku, quantity, expiresAt: paymentDeadline })),
        ...(fromCart ? [now(at, `clear-cart:${orderId}`, { type: 'ClearCart', userId, orderId })] : []),
        { taskId: `expire-order:${orderId}`, dueAt: paymentDeadline, task: { type: 'ExpireOrder', orderId } },
      ];
    }
    case 'OrderPaymentRequested': {
      const { orderId, amount, at } = event.data;
      return [now(at, `request-payment:${orderId}`, { type: 'RequestPayment', orderId, amount })];
    }
    case 'OrderConfirmed': {
      const { orderId, skus, at } = event.data;
      return skus.map((sku) => now(at, `confirm-stock:${orderId}:${sku}`, { type: 'ConfirmStock', orderId, sku }));
    }
    case 'OrderFailed':
      return releases(event.data.orderId, event.data.skusToRelease, event.data.reason, event.data.at);
    case 'OrderExpired':
      return releases(event.data.orderId, event.data.skusToRelease, 'expired', event.data.at);
    case 'OrderLateStockHeld':
      return releases(event.data.orderId, [event.data.sku], 'order_closed', event.data.at);
    case 'OrderCancelled': {
      const { orderId, refund, paymentId, skusToRelease, skusToRestock, at } = event.data;
      return [
        ...releases(orderId, skusToRelease, 'cancelled', at),
        ...skusToRestock.map(({ sku, quantity }) =>
          now(at, `restock:${orderId}:${sku}`, { type: 'ReceiveStock', orderId, sku, quantity, receiptId: `cancel:${orderId}:${sku}` }),
        ),
        ...(refund.amount > 0
          ? [
              now(at, `refund:${orderId}:cancel`, {
                type: 'RefundPayment',
                orderId,
                ...(paymentId === undefined ? {} : { paymentId }),
                amount: refund,
                reason: 'cancelled',
              }),
            ]
          : []),
      ];
    }
    case 'OrderLatePaymentReceived': {
      const { orderId, paymentId, amount, reason, at } = event.data;
      return [now(at, `refund:${orderId}:${paymentId}`, { type: 'RefundPayment', orderId, paymentId, amount, reason })];
    }
    case 'OrderStockHeld':
    case 'OrderPaid':
    case 'OrderShipped':
    case 'OrderDelivered':
    case 'OrderRefunded':
    case 'OrderPaymentIssueRaised':
    case 'OrderPaymentIssueResolved':
      return [];
    default:
      return assertNever(event);
  }
};

/** The tasks an event calls for; events of other streams or types call for none. Malformed order events throw. */
export const checkoutReactions = (event: CheckoutSourceEvent): CheckoutReaction[] => {
  if (!event.streamId.startsWith('order-') || !handled.has(event.type)) return [];
  return react(OrderEvent.parse({ type: event.type, data: event.data }));
};
