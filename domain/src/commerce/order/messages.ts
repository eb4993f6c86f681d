import { z } from 'zod';
import { Money } from '../../shared/money.ts';
import { PaymentIssueFields } from '../../shared/payment-issue.ts';
import { Id, Instant } from '../../shared/primitives.ts';
import { PostalCode, Quantity, Sku } from '../primitives.ts';
import { ProductShipping } from '../product/product.ts';

export const OrderStatus = z.enum([
  'none',
  'placed',
  'stock_held',
  'payment_pending',
  'paid',
  'confirmed',
  'shipped',
  'delivered',
  'failed',
  'expired',
  'cancelled',
  'refunded',
]);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** A line as the caller snapshotted it from the product stream; `shipping` lets the domain check delivery. */
export const PlaceOrderLine = z.object({
  productId: Id,
  sku: Sku,
  name: z.string().min(1).max(200),
  unitPrice: Money,
  quantity: Quantity,
  shipping: ProductShipping.optional(),
});
export type PlaceOrderLine = z.infer<typeof PlaceOrderLine>;

export const OrderLine = z.object({
  productId: Id,
  sku: Sku,
  name: z.string().min(1).max(200),
  unitPrice: Money,
  quantity: Quantity,
  lineTotal: Money,
});
export type OrderLine = z.infer<typeof OrderLine>;

const RestockLine = z.object({ sku: Sku, quantity: Quantity });

const command = <T extends string, D extends z.ZodRawShape>(type: T, data: D) =>
  z.object({ type: z.literal(type), data: z.object({ orderId: Id, ...data, now: Instant }) });

// Commands: every one names its order and carries `now`.
export const PlaceOrder = command('PlaceOrder', {
  userId: Id,
  lines: z.array(PlaceOrderLine).max(100),
  shippingPostalCode: PostalCode,
  paymentDeadline: Instant,
  fromCart: z.boolean(),
});
export const RecordStockHeld = command('RecordStockHeld', { sku: Sku });
export const RecordStockUnavailable = command('RecordStockUnavailable', { sku: Sku });
export const RecordPaymentSucceeded = command('RecordPaymentSucceeded', { paymentId: Id, amount: Money });
export const RecordPaymentFailed = command('RecordPaymentFailed', { paymentId: Id.optional(), reason: z.string().max(500) });
export const ExpireOrder = command('ExpireOrder', {});
export const CancelOrder = command('CancelOrder', { actorId: Id, reason: z.string().max(500).optional() });
export const ShipOrder = command('ShipOrder', { actorId: Id, carrier: z.string().max(100).optional(), tracking: z.string().max(200).optional() });
export const DeliverOrder = command('DeliverOrder', { actorId: Id.optional() });
export const RecordRefund = command('RecordRefund', { refundId: Id, amount: Money });
export const RecordPaymentIssue = command('RecordPaymentIssue', PaymentIssueFields);
export const ResolvePaymentIssue = command('ResolvePaymentIssue', { taskId: PaymentIssueFields.taskId });

export const OrderCommand = z.discriminatedUnion('type', [
  PlaceOrder,
  RecordStockHeld,
  RecordStockUnavailable,
  RecordPaymentSucceeded,
  RecordPaymentFailed,
  ExpireOrder,
  CancelOrder,
  ShipOrder,
  DeliverOrder,
  RecordRefund,
  RecordPaymentIssue,
  ResolvePaymentIssue,
]);
export type OrderCommand = z.infer<typeof OrderCommand>;

// Events
const OrderPlacedData = z.object({
  orderId: Id,
  userId: Id,
  lines: z.array(OrderLine).min(1),
  total: Money,
  shippingPostalCode: PostalCode,
  paymentDeadline: Instant,
  fromCart: z.boolean(),
  at: Instant,
});
const OrderStockHeldData = z.object({ orderId: Id, sku: Sku, at: Instant });
/** Stock held for an order that had already closed: the workflow gives it back. */
const OrderLateStockHeldData = z.object({ orderId: Id, sku: Sku, at: Instant });
const OrderPaymentRequestedData = z.object({ orderId: Id, amount: Money, at: Instant });
const OrderFailedData = z.object({
  orderId: Id,
  reason: z.enum(['out_of_stock', 'payment_declined']),
  skusToRelease: z.array(Sku),
  unavailableSku: Sku.optional(),
  paymentId: Id.optional(),
  declineReason: z.string().optional(),
  at: Instant,
});
const OrderPaidData = z.object({ orderId: Id, paymentId: Id, amount: Money, at: Instant });
const OrderConfirmedData = z.object({ orderId: Id, skus: z.array(Sku), at: Instant });
/** Money the order cannot keep: it closed before the payment arrived, was paid already, or the amount is wrong. */
export const OrderLatePaymentReceivedData = z.object({
  orderId: Id,
  paymentId: Id,
  amount: Money,
  reason: z.enum(['order_closed', 'already_paid', 'amount_mismatch']),
  at: Instant,
});
const OrderExpiredData = z.object({ orderId: Id, skusToRelease: z.array(Sku), at: Instant });
const OrderCancelledData = z.object({
  orderId: Id,
  by: Id,
  reason: z.string().optional(),
  refund: Money,
  paymentId: Id.optional(),
  skusToRelease: z.array(Sku),
  skusToRestock: z.array(RestockLine),
  at: Instant,
});
const OrderShippedData = z.object({ orderId: Id, by: Id, carrier: z.string().optional(), tracking: z.string().optional(), at: Instant });
const OrderDeliveredData = z.object({ orderId: Id, by: Id.optional(), at: Instant });
const OrderRefundedData = z.object({ orderId: Id, refundId: Id, amount: Money, at: Instant });
const OrderPaymentIssueRaisedData = z.object({ orderId: Id, ...PaymentIssueFields, at: Instant });
const OrderPaymentIssueResolvedData = z.object({ orderId: Id, taskId: PaymentIssueFields.taskId, at: Instant });

export const OrderEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('OrderPlaced'), data: OrderPlacedData }),
  z.object({ type: z.literal('OrderStockHeld'), data: OrderStockHeldData }),
  z.object({ type: z.literal('OrderLateStockHeld'), data: OrderLateStockHeldData }),
  z.object({ type: z.literal('OrderPaymentRequested'), data: OrderPaymentRequestedData }),
  z.object({ type: z.literal('OrderFailed'), data: OrderFailedData }),
  z.object({ type: z.literal('OrderPaid'), data: OrderPaidData }),
  z.object({ type: z.literal('OrderConfirmed'), data: OrderConfirmedData }),
  z.object({ type: z.literal('OrderLatePaymentReceived'), data: OrderLatePaymentReceivedData }),
  z.object({ type: z.literal('OrderExpired'), data: OrderExpiredData }),
  z.object({ type: z.literal('OrderCancelled'), data: OrderCancelledData }),
  z.object({ type: z.literal('OrderShipped'), data: OrderShippedData }),
  z.object({ type: z.literal('OrderDelivered'), data: OrderDeliveredData }),
  z.object({ type: z.literal('OrderRefunded'), data: OrderRefundedData }),
  z.object({ type: z.literal('OrderPaymentIssueRaised'), data: OrderPaymentIssueRaisedData }),
  z.object({ type: z.literal('OrderPaymentIssueResolved'), data: OrderPaymentIssueResolvedData }),
]);
export type OrderEvent = z.infer<typeof OrderEvent>;
export const orderEventTypes = OrderEvent.options.map((option) => option.shape.type.value);
