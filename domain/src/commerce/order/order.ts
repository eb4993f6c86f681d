import type { z } from 'zod';
import { assertNever, unknownEvent, type Decider } from '../../shared/decider.ts';
import { ensure, fail } from '../../shared/errors.ts';
import { money, sum, times, zero, type Money } from '../../shared/money.ts';
import { addMinutes } from '../../shared/time.ts';
import { shipsTo } from '../product/product.ts';
import type {
  CancelOrder,
  DeliverOrder,
  ExpireOrder,
  OrderCommand,
  OrderEvent,
  OrderLine,
  OrderStatus,
  PlaceOrder,
  PlaceOrderLine,
  RecordPaymentFailed,
  RecordPaymentIssue,
  RecordPaymentSucceeded,
  RecordRefund,
  RecordStockHeld,
  RecordStockUnavailable,
  ResolvePaymentIssue,
  ShipOrder,
} from './messages.ts';
import { isOpen, withIssue, withoutIssue, type PaymentIssue } from '../../shared/payment-issue.ts';

export const orderStreamId = (orderId: string): string => `order-${orderId}`;

const DEFAULT_PAYMENT_MINUTES = 15;
export const paymentDeadlineFor = (now: string, minutes: number = DEFAULT_PAYMENT_MINUTES): string => addMinutes(now, minutes);

type Order = {
  status: Exclude<OrderStatus, 'none'>;
  orderId: string;
  userId: string;
  lines: OrderLine[];
  total: Money;
  shippingPostalCode: string;
  paymentDeadline: string;
  fromCart: boolean;
  heldSkus: string[];
  stockConfirmed: boolean;
  /** The payment the order kept, once paid. */
  paymentId: string | null;
  paid: Money;
  /** Every payment reported, kept or not, so that a repeated report has no second effect. */
  paymentIds: string[];
  received: Money;
  refundIds: string[];
  refunded: Money;
  /** Money tasks parked for a person, oldest first; empty when all is well. */
  paymentIssues: PaymentIssue[];
};
export type OrderState = { status: 'none' } | Order;

const awaitingPayment: readonly OrderStatus[] = ['placed', 'stock_held', 'payment_pending'];
const closed: readonly OrderStatus[] = ['failed', 'expired', 'cancelled', 'refunded'];

const existing = (state: OrderState): Order => (state.status === 'none' ? fail('ORDER_NOT_FOUND', 'No such order') : state);

/** Lines naming the same SKU become one, so that one order holds one stock hold per SKU. */
const mergeLines = (lines: readonly PlaceOrderLine[]): PlaceOrderLine[] => {
  const bySku = new Map<string, PlaceOrderLine>();
  for (const line of lines) {
    ensure(Number.isSafeInteger(line.quantity) && line.quantity > 0, 'AMOUNT_INVALID', 'Quantity must be a whole number above 0', { sku: line.sku });
    const seen = bySku.get(line.sku);
    if (!seen) {
      bySku.set(line.sku, line);
      continue;
    }
    const same = seen.productId === line.productId && seen.unitPrice.amount === line.unitPrice.amount && seen.unitPrice.currency === line.unitPrice.currency;
    ensure(same, 'ORDER_LINE_INVALID', `Lines for ${line.sku} disagree on product or price`, { sku: line.sku });
    bySku.set(line.sku, { ...seen, quantity: seen.quantity + line.quantity, shipping: seen.shipping ?? line.shipping });
  }
  return [...bySku.values()];
};

const place = ({ data }: z.infer<typeof PlaceOrder>, state: OrderState): OrderEvent[] => {
  ensure(state.status === 'none', 'ORDER_EXISTS', 'The order already exists', { orderId: data.orderId });
  ensure(data.lines.length > 0, 'CART_EMPTY', 'An order needs at least one line');
  const merged = mergeLines(data.lines);
  const undeliverable = merged.filter((line) => line.shipping && !shipsTo(line.shipping, data.shippingPostalCode)).map((line) => line.sku);
  ensure(undeliverable.length === 0, 'NOT_DELIVERABLE', `Not delivered to ${data.shippingPostalCode}`, { skus: undeliverable });
  const lines: OrderLine[] = merged.map(({ productId, sku, name, unitPrice, quantity }) => ({
    productId,
    sku,
    name,
    unitPrice,
    quantity,
    lineTotal: times(unitPrice, quantity),
  }));
  const total = sum(
    lines.map((line) => line.lineTotal),
    lines[0]!.unitPrice.currency,
  );
  const { orderId, userId, shippingPostalCode, paymentDeadline, fromCart, now } = data;
  return [{ type: 'OrderPlaced', data: { orderId, userId, lines, total, shippingPostalCode, paymentDeadline, fromCart, at: now } }];
};

const lineSku = (order: Order, sku: string): void =>
  ensure(
    order.lines.some((line) => line.sku === sku),
    'ORDER_LINE_INVALID',
    `The order has no line for ${sku}`,
    { sku },
  );

const recordStockHeld = ({ data }: z.infer<typeof RecordStockHeld>, state: OrderState): OrderEvent[] => {
  const order = existing(state);
  lineSku(order, data.sku);
  if (order.heldSkus.includes(data.sku)) return [];
  const { orderId, sku, now: at } = data;
  // A hold that lands after the order closed would otherwise stay reserved forever.
  if (closed.includes(order.status)) return [{ type: 'OrderLateStockHeld', data: { orderId, sku, at } }];
  ensure(order.status === 'placed', 'ORDER_STATE', `Stock held while the order is ${order.status}`, { status: order.status });
  const allHeld = order.lines.every((line) => line.sku === sku || order.heldSkus.includes(line.sku));
  const held: OrderEvent = { type: 'OrderStockHeld', data: { orderId, sku, at } };
  if (!allHeld) return [held];
  return [held, { type: 'OrderPaymentRequested', data: { orderId, amount: order.total, at } }];
};

const recordStockUnavailable = ({ data }: z.infer<typeof RecordStockUnavailable>, state: OrderState): OrderEvent[] => {
  const order = existing(state);
  lineSku(order, data.sku);
  if (order.status !== 'placed') return [];
  return [
    {
      type: 'OrderFailed',
      data: { orderId: data.orderId, reason: 'out_of_stock', skusToRelease: order.heldSkus, unavailableSku: data.sku, at: data.now },
    },
  ];
};

const sameMoney = (a: Money, b: Money): boolean => a.amount === b.amount && a.currency === b.currency;

const recordPaymentSucceeded = ({ data }: z.infer<typeof RecordPaymentSucceeded>, state: OrderState): OrderEvent[] => {
  const order = existing(state);
  const { orderId, paymentId, amount, now: at } = data;
  if (order.paymentIds.includes(paymentId)) return [];
  const late = (reason: 'order_closed' | 'already_paid' | 'amount_mismatch'): OrderEvent[] => [
    { type: 'OrderLatePaymentReceived', data: { orderId, paymentId, amount, reason, at } },
  ];
  if (closed.includes(order.status)) return late('order_closed');
  if (order.paymentId !== null) return late('already_paid');
  ensure(order.status === 'payment_pending', 'ORDER_STATE', 'No payment was requested yet', { status: order.status });
  if (!sameMoney(amount, order.total)) return late('amount_mismatch');
  return [
    { type: 'OrderPaid', data: { orderId, paymentId, amount, at } },
    { type: 'OrderConfirmed', data: { orderId, skus: order.lines.map((line) => line.sku), at } },
  ];
};

const recordPaymentFailed = ({ data }: z.infer<typeof RecordPaymentFailed>, state: OrderState): OrderEvent[] => {
  const order = existing(state);
  if (order.status !== 'payment_pending') return [];
  return [
    {
      type: 'OrderFailed',
      data: {
        orderId: data.orderId,
        reason: 'payment_declined',
        skusToRelease: order.heldSkus,
        ...(data.paymentId === undefined ? {} : { paymentId: data.paymentId }),
        declineReason: data.reason,
        at: data.now,
      },
    },
  ];
};

const expire = ({ data }: z.infer<typeof ExpireOrder>, state: OrderState): OrderEvent[] => {
  const order = existing(state);
  if (!awaitingPayment.includes(order.status) || Date.parse(data.now) < Date.parse(order.paymentDeadline)) return [];
  return [{ type: 'OrderExpired', data: { orderId: data.orderId, skusToRelease: order.heldSkus, at: data.now } }];
};

const cancel = ({ data }: z.infer<typeof CancelOrder>, state: OrderState): OrderEvent[] => {
  const order = existing(state);
  ensure(order.userId === data.actorId, 'NOT_ORDER_OWNER', 'Only the buyer may cancel this order');
  if (order.status === 'cancelled') return [];
  ensure([...awaitingPayment, 'paid', 'confirmed'].includes(order.status), 'ORDER_STATE', `An order ${order.status} cannot be cancelled`, {
    status: order.status,
  });
  // Confirmed stock has left the shelf: it comes back as a receipt, not as a released hold.
  const skusToRestock = order.stockConfirmed ? order.lines.map(({ sku, quantity }) => ({ sku, quantity })) : [];
  return [
    {
      type: 'OrderCancelled',
      data: {
        orderId: data.orderId,
        by: data.actorId,
        ...(data.reason === undefined ? {} : { reason: data.reason }),
        refund: order.paid,
        ...(order.paymentId === null ? {} : { paymentId: order.paymentId }),
        skusToRelease: order.stockConfirmed ? [] : order.heldSkus,
        skusToRestock,
        at: data.now,
      },
    },
  ];
};

const ship = ({ data }: z.infer<typeof ShipOrder>, state: OrderState): OrderEvent[] => {
  const order = existing(state);
  if (order.status === 'shipped' || order.status === 'delivered') return [];
  ensure(order.status === 'confirmed', 'ORDER_STATE', `An order ${order.status} cannot ship`, { status: order.status });
  const { orderId, actorId, carrier, tracking, now } = data;
  return [
    {
      type: 'OrderShipped',
      data: { orderId, by: actorId, ...(carrier === undefined ? {} : { carrier }), ...(tracking === undefined ? {} : { tracking }), at: now },
    },
  ];
};

const deliver = ({ data }: z.infer<typeof DeliverOrder>, state: OrderState): OrderEvent[] => {
  const order = existing(state);
  if (order.status === 'delivered') return [];
  ensure(order.status === 'shipped', 'ORDER_STATE', `An order ${order.status} cannot be delivered`, { status: order.status });
  return [{ type: 'OrderDelivered', data: { orderId: data.orderId, ...(data.actorId === undefined ? {} : { by: data.actorId }), at: data.now } }];
};

const recordRefund = ({ data }: z.infer<typeof RecordRefund>, state: OrderState): OrderEvent[] => {
  const order = existing(state);
  // The gateway has refunded already: a fact to record, not a request to judge.
  if (order.refundIds.includes(data.refundId)) return [];
  return [{ type: 'OrderRefunded', data: { orderId: data.orderId, refundId: data.refundId, amount: data.amount, at: data.now } }];
};

const recordIssue = ({ data }: z.infer<typeof RecordPaymentIssue>, state: OrderState): OrderEvent[] => {
  const order = existing(state);
  if (isOpen(order.paymentIssues, data.taskId)) return [];
  const { taskId, operation, error, now: at } = data;
  return [{ type: 'OrderPaymentIssueRaised', data: { orderId: order.orderId, taskId, operation, error, at } }];
};

const resolveIssue = ({ data }: z.infer<typeof ResolvePaymentIssue>, state: OrderState): OrderEvent[] => {
  const order = existing(state);
  if (!isOpen(order.paymentIssues, data.taskId)) return [];
  return [{ type: 'OrderPaymentIssueResolved', data: { orderId: order.orderId, taskId: data.taskId, at: data.now } }];
};

const decide = (command: OrderCommand, state: OrderState): OrderEvent[] => {
  switch (command.type) {
    case 'PlaceOrder':
      return place(command, state);
    case 'RecordStockHeld':
      return recordStockHeld(command, state);
    case 'RecordStockUnavailable':
      return recordStockUnavailable(command, state);
    case 'RecordPaymentSucceeded':
      return recordPaymentSucceeded(command, state);
    case 'RecordPaymentFailed':
      return recordPaymentFailed(command, state);
    case 'ExpireOrder':
      return expire(command, state);
    case 'CancelOrder':
      return cancel(command, state);
    case 'ShipOrder':
      return ship(command, state);
    case 'DeliverOrder':
      return deliver(command, state);
    case 'RecordRefund':
      return recordRefund(command, state);
    case 'RecordPaymentIssue':
      return recordIssue(command, state);
    case 'ResolvePaymentIssue':
      return resolveIssue(command, state);
    default:
      return assertNever(command);
  }
};

/** Totals in the order currency; evolve never throws, so a foreign amount is left out rather than refused. */
const plus = (a: Money, b: Money): Money => (a.currency === b.currency ? money(a.amount + b.amount, a.currency) : a);

const on = (state: OrderState, change: (order: Order) => Partial<Order>): OrderState => (state.status === 'none' ? state : { ...state, ...change(state) });

const evolve = (state: OrderState, event: OrderEvent): OrderState => {
  switch (event.type) {
    case 'OrderPlaced': {
      const { at: _at, ...placed } = event.data;
      const none = zero(placed.total.currency);
      return {
        status: 'placed',
        ...placed,
        heldSkus: [],
        stockConfirmed: false,
        paymentId: null,
        paid: none,
        paymentIds: [],
        received: none,
        refundIds: [],
        refunded: none,
        paymentIssues: [],
      };
    }
    case 'OrderStockHeld':
      return on(state, (order) => {
        const heldSkus = order.heldSkus.includes(event.data.sku) ? order.heldSkus : [...order.heldSkus, event.data.sku];
        const allHeld = order.lines.every((line) => heldSkus.includes(line.sku));
        return { heldSkus, status: order.status === 'placed' && allHeld ? 'stock_held' : order.status };
      });
    case 'OrderLateStockHeld':
      // Recorded so that a repeated report is ignored; the workflow releases it.
      return on(state, (order) => ({ heldSkus: [...order.heldSkus, event.data.sku] }));
    case 'OrderPaymentRequested':
      return on(state, () => ({ status: 'payment_pending' }));
    case 'OrderFailed':
      return on(state, () => ({ status: 'failed' }));
    case 'OrderPaid':
      return on(state, (order) => ({
        status: 'paid',
        paymentId: event.data.paymentId,
        paid: event.data.amount,
        paymentIds: [...order.paymentIds, event.data.paymentId],
        received: plus(order.received, event.data.amount),
      }));
    case 'OrderConfirmed':
      return on(state, () => ({ status: 'confirmed', stockConfirmed: true }));
    case 'OrderLatePaymentReceived':
      return on(state, (order) => ({
        paymentIds: [...order.paymentIds, event.data.paymentId],
        received: plus(order.received, event.data.amount),
      }));
    case 'OrderExpired':
      return on(state, () => ({ status: 'expired' }));
    case 'OrderCancelled':
      return on(state, () => ({ status: 'cancelled' }));
    case 'OrderShipped':
      return on(state, () => ({ status: 'shipped' }));
    case 'OrderDelivered':
      return on(state, () => ({ status: 'delivered' }));
    case 'OrderRefunded':
      return on(state, (order) => {
        const refunded = plus(order.refunded, event.data.amount);
        const settled = closed.includes(order.status) && refunded.amount >= order.received.amount && refunded.amount > 0;
        return { refunded, refundIds: [...order.refundIds, event.data.refundId], status: settled ? 'refunded' : order.status };
      });
    case 'OrderPaymentIssueRaised': {
      const { taskId, operation, error, at } = event.data;
      // an order folded before issues existed (a stored read-model state) has none
      return on(state, (order) => ({ paymentIssues: withIssue(order.paymentIssues ?? [], { taskId, operation, error, since: at }) }));
    }
    case 'OrderPaymentIssueResolved':
      return on(state, (order) => ({ paymentIssues: withoutIssue(order.paymentIssues ?? [], event.data.taskId) }));
    default:
      return unknownEvent(state, event);
  }
};

export const orderDecider: Decider<OrderCommand, OrderState, OrderEvent> = {
  initialState: { status: 'none' },
  evolve,
  decide,
};
