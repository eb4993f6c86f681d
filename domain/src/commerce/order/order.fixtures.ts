// Test fixtures shared by the order and checkout workflow specs.
import type { Money } from '../../shared/money.ts';
import type { OrderCommand, OrderEvent, PlaceOrderLine } from './messages.ts';

export const orderId = 'o1';
export const userId = 'u1';
export const now = '2026-03-01T10:00:00.000Z';
export const deadline = '2026-03-01T10:15:00.000Z';
export const afterDeadline = '2026-03-01T10:20:00.000Z';
export const eur = (amount: number): Money => ({ amount, currency: 'EUR' });

export const cupLine: PlaceOrderLine = { productId: 'p1', sku: 'CUP', name: 'Espresso cup', unitPrice: eur(1250), quantity: 2 };
export const saucerLine: PlaceOrderLine = { productId: 'p2', sku: 'SAUCER', name: 'Saucer', unitPrice: eur(499), quantity: 3 };
export const total = eur(2 * 1250 + 3 * 499);

export const placeOrder = (lines: PlaceOrderLine[] = [cupLine, saucerLine], extra: { fromCart?: boolean; shippingPostalCode?: string } = {}): OrderCommand => ({
  type: 'PlaceOrder',
  data: {
    orderId,
    userId,
    lines,
    shippingPostalCode: extra.shippingPostalCode ?? '10115',
    paymentDeadline: deadline,
    fromCart: extra.fromCart ?? false,
    now,
  },
});

export const placed = (fromCart = false): OrderEvent => ({
  type: 'OrderPlaced',
  data: {
    orderId,
    userId,
    lines: [
      { productId: 'p1', sku: 'CUP', name: 'Espresso cup', unitPrice: eur(1250), quantity: 2, lineTotal: eur(2500) },
      { productId: 'p2', sku: 'SAUCER', name: 'Saucer', unitPrice: eur(499), quantity: 3, lineTotal: eur(1497) },
    ],
    total,
    shippingPostalCode: '10115',
    paymentDeadline: deadline,
    fromCart,
    at: now,
  },
});

export const stockHeld = (sku: string): OrderEvent => ({ type: 'OrderStockHeld', data: { orderId, sku, at: now } });
export const lateStockHeld = (sku: string, at = now): OrderEvent => ({ type: 'OrderLateStockHeld', data: { orderId, sku, at } });
export const paymentRequested: OrderEvent = { type: 'OrderPaymentRequested', data: { orderId, amount: total, at: now } };
export const paid = (paymentId = 'pay1', amount = total): OrderEvent => ({ type: 'OrderPaid', data: { orderId, paymentId, amount, at: now } });
export const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { orderId, skus: ['CUP', 'SAUCER'], at: now } };
export const shipped: OrderEvent = { type: 'OrderShipped', data: { orderId, by: 'seller', at: now } };
export const delivered: OrderEvent = { type: 'OrderDelivered', data: { orderId, at: now } };
export const expired = (skusToRelease: string[] = ['CUP', 'SAUCER']): OrderEvent => ({
  type: 'OrderExpired',
  data: { orderId, skusToRelease, at: afterDeadline },
});
export const outOfStock = (skusToRelease: string[], unavailableSku: string): OrderEvent => ({
  type: 'OrderFailed',
  data: { orderId, reason: 'out_of_stock', skusToRelease, unavailableSku, at: now },
});
export const declined: OrderEvent = {
  type: 'OrderFailed',
  data: { orderId, reason: 'payment_declined', skusToRelease: ['CUP', 'SAUCER'], paymentId: 'pay1', declineReason: 'card_declined', at: now },
};
export const latePayment = (paymentId: string, reason: 'order_closed' | 'already_paid' | 'amount_mismatch', amount = total): OrderEvent => ({
  type: 'OrderLatePaymentReceived',
  data: { orderId, paymentId, amount, reason, at: afterDeadline },
});
export const refunded = (refundId: string, amount = total): OrderEvent => ({ type: 'OrderRefunded', data: { orderId, refundId, amount, at: afterDeadline } });

/** Histories by the state they lead to. */
export const awaitingPayment = [placed(), stockHeld('CUP'), stockHeld('SAUCER'), paymentRequested];
export const confirmedOrder = [...awaitingPayment, paid(), confirmed];
