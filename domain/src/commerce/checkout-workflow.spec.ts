import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { DomainError } from '../shared/errors.ts';
import { CheckoutReaction, checkoutReactions, type CheckoutTask } from './checkout-workflow.ts';
import type { OrderCommand, OrderEvent } from './order/messages.ts';
import {
  afterDeadline,
  confirmed,
  deadline,
  declined,
  eur,
  expired,
  latePayment,
  lateStockHeld,
  now,
  orderId,
  outOfStock,
  paid,
  paymentRequested,
  placed,
  placeOrder,
  shipped,
  stockHeld,
  total,
  userId,
} from './order/order.fixtures.ts';
import { orderDecider, orderStreamId, type OrderState } from './order/order.ts';
import { availableOf, stockDecider, type StockEvent, type StockState } from './stock/stock.ts';

const streamId = orderStreamId(orderId);
const reactionsTo = (event: OrderEvent) => checkoutReactions({ ...event, streamId });

const cancelled = (data: Partial<Extract<OrderEvent, { type: 'OrderCancelled' }>['data']>): OrderEvent => ({
  type: 'OrderCancelled',
  data: { orderId, by: userId, refund: eur(0), skusToRelease: [], skusToRestock: [], at: now, ...data },
});

const table: [string, OrderEvent, CheckoutReaction[]][] = [
  [
    'OrderPlaced: hold each line now, expire at the deadline',
    placed(),
    [
      { taskId: 'hold-stock:o1:CUP', dueAt: now, task: { type: 'HoldStock', orderId, sku: 'CUP', quantity: 2, expiresAt: deadline } },
      { taskId: 'hold-stock:o1:SAUCER', dueAt: now, task: { type: 'HoldStock', orderId, sku: 'SAUCER', quantity: 3, expiresAt: deadline } },
      { taskId: 'expire-order:o1', dueAt: deadline, task: { type: 'ExpireOrder', orderId } },
    ],
  ],
  [
    'OrderPlaced from the cart: also clear the cart',
    placed(true),
    [
      { taskId: 'hold-stock:o1:CUP', dueAt: now, task: { type: 'HoldStock', orderId, sku: 'CUP', quantity: 2, expiresAt: deadline } },
      { taskId: 'hold-stock:o1:SAUCER', dueAt: now, task: { type: 'HoldStock', orderId, sku: 'SAUCER', quantity: 3, expiresAt: deadline } },
      { taskId: 'clear-cart:o1', dueAt: now, task: { type: 'ClearCart', userId, orderId } },
      { taskId: 'expire-order:o1', dueAt: deadline, task: { type: 'ExpireOrder', orderId } },
    ],
  ],
  ['OrderStockHeld: nothing', stockHeld('CUP'), []],
  [
    'OrderPaymentRequested: request the payment',
    paymentRequested,
    [{ taskId: 'request-payment:o1', dueAt: now, task: { type: 'RequestPayment', orderId, amount: total } }],
  ],
  ['OrderPaid: nothing', paid(), []],
  [
    'OrderConfirmed: confirm each line',
    confirmed,
    [
      { taskId: 'confirm-stock:o1:CUP', dueAt: now, task: { type: 'ConfirmStock', orderId, sku: 'CUP' } },
      { taskId: 'confirm-stock:o1:SAUCER', dueAt: now, task: { type: 'ConfirmStock', orderId, sku: 'SAUCER' } },
    ],
  ],
  [
    'OrderFailed out of stock: release what was held',
    outOfStock(['CUP'], 'SAUCER'),
    [{ taskId: 'release-stock:o1:CUP', dueAt: now, task: { type: 'ReleaseStock', orderId, sku: 'CUP', reason: 'out_of_stock' } }],
  ],
  [
    'OrderFailed declined: release every line',
    declined,
    [
      { taskId: 'release-stock:o1:CUP', dueAt: now, task: { type: 'ReleaseStock', orderId, sku: 'CUP', reason: 'payment_declined' } },
      { taskId: 'release-stock:o1:SAUCER', dueAt: now, task: { type: 'ReleaseStock', orderId, sku: 'SAUCER', reason: 'payment_declined' } },
    ],
  ],
  [
    'OrderExpired: release',
    expired(['CUP']),
    [{ taskId: 'release-stock:o1:CUP', dueAt: afterDeadline, task: { type: 'ReleaseStock', orderId, sku: 'CUP', reason: 'expired' } }],
  ],
  [
    'OrderLateStockHeld: give the late hold back',
    lateStockHeld('SAUCER'),
    [{ taskId: 'release-stock:o1:SAUCER', dueAt: now, task: { type: 'ReleaseStock', orderId, sku: 'SAUCER', reason: 'order_closed' } }],
  ],
  [
    'OrderLatePaymentReceived after expiry: refund it',
    latePayment('pay1', 'order_closed'),
    [{ taskId: 'refund:o1:pay1', dueAt: afterDeadline, task: { type: 'RefundPayment', orderId, paymentId: 'pay1', amount: total, reason: 'order_closed' } }],
  ],
  [
    'OrderLatePaymentReceived twice paid: refund the second',
    latePayment('pay2', 'already_paid', eur(5)),
    [{ taskId: 'refund:o1:pay2', dueAt: afterDeadline, task: { type: 'RefundPayment', orderId, paymentId: 'pay2', amount: eur(5), reason: 'already_paid' } }],
  ],
  [
    'OrderCancelled unpaid: release held stock only',
    cancelled({ skusToRelease: ['CUP', 'SAUCER'] }),
    [
      { taskId: 'release-stock:o1:CUP', dueAt: now, task: { type: 'ReleaseStock', orderId, sku: 'CUP', reason: 'cancelled' } },
      { taskId: 'release-stock:o1:SAUCER', dueAt: now, task: { type: 'ReleaseStock', orderId, sku: 'SAUCER', reason: 'cancelled' } },
    ],
  ],
  [
    'OrderCancelled after payment: restock and refund',
    cancelled({ refund: total, paymentId: 'pay1', skusToRestock: [{ sku: 'CUP', quantity: 2 }] }),
    [
      { taskId: 'restock:o1:CUP', dueAt: now, task: { type: 'ReceiveStock', orderId, sku: 'CUP', quantity: 2, receiptId: 'cancel:o1:CUP' } },
      { taskId: 'refund:o1:cancel', dueAt: now, task: { type: 'RefundPayment', orderId, paymentId: 'pay1', amount: total, reason: 'cancelled' } },
    ],
  ],
  ['OrderShipped: nothing', shipped, []],
  ['OrderDelivered: nothing', { type: 'OrderDelivered', data: { orderId, at: now } }, []],
  ['OrderRefunded: nothing', { type: 'OrderRefunded', data: { orderId, refundId: 'r1', amount: total, at: now } }, []],
];

describe('checkoutReactions', () => {
  it.each(table)('%s', (_name, event, expected) => {
    const reactions = reactionsTo(event);
    expect(reactions).toEqual(expected);
    for (const reaction of reactions) expect(CheckoutReaction.parse(JSON.parse(JSON.stringify(reaction)))).toEqual(reaction);
  });

  it('ignores events of other streams and unknown types', () => {
    expect(checkoutReactions({ ...placed(), streamId: 'booking-o1' })).toEqual([]);
    expect(checkoutReactions({ type: 'StockHeld', data: {}, streamId })).toEqual([]);
  });

  it('refuses a malformed order event rather than guess', () =>
    expect(() => checkoutReactions({ type: 'OrderPlaced', data: { orderId }, streamId })).toThrow());

  it('gives a redelivered event the same task ids', () => expect(reactionsTo(placed())).toEqual(reactionsTo(placed())));
});

/**
 * The checkout end to end in memory: the order and stock deciders plus a runner that performs due tasks
 * in order, with a gateway answer chosen by each scenario. It proves the saga's promises together.
 */
type Gateway = (paymentCount: number) => 'succeeds' | 'declines' | 'silent';
const simulate = (onHand: Record<string, number>, gateway: Gateway, extra: (run: Run) => void = () => {}) => {
  const run = new Run(onHand, gateway);
  run.order(placeOrder(undefined, { fromCart: true }));
  run.drain(now);
  extra(run);
  return run;
};

class Run {
  orderEvents: OrderEvent[] = [];
  stock = new Map<string, StockEvent[]>();
  queue: CheckoutReaction[] = [];
  performed: CheckoutTask[] = [];
  payments = 0;

  constructor(
    onHand: Record<string, number>,
    private readonly gateway: Gateway,
  ) {
    for (const [sku, quantity] of Object.entries(onHand))
      this.stock.set(sku, [{ type: 'StockReceived', data: { sku, receiptId: 'initial', quantity, at: now } }]);
  }

  get state(): OrderState {
    return fold(orderDecider, this.orderEvents);
  }
  stockOf(sku: string): StockState {
    return fold(stockDecider, this.stock.get(sku) ?? []);
  }

  order(command: OrderCommand): OrderEvent[] {
    const events = orderDecider.decide(command, this.state);
    this.orderEvents.push(...events);
    for (const event of events) for (const reaction of reactionsTo(event)) if (!this.queue.some((r) => r.taskId === reaction.taskId)) this.queue.push(reaction);
    return events;
  }

  private stockCommand(sku: string, command: Parameters<typeof stockDecider.decide>[0]): void {
    const events = stockDecider.decide(command, this.stockOf(sku));
    this.stock.set(sku, [...(this.stock.get(sku) ?? []), ...events]);
  }

  /** Performs every task due by `at`, including those they cause. */
  drain(at: string): void {
    for (let next = this.nextDue(at); next; next = this.nextDue(at)) {
      this.queue = this.queue.filter((r) => r !== next);
      this.perform(next.task, next.dueAt);
    }
  }

  private nextDue(at: string) {
    return this.queue.find((r) => Date.parse(r.dueAt) <= Date.parse(at));
  }

  private perform(task: CheckoutTask, at: string): void {
    this.performed.push(task);
    switch (task.type) {
      case 'HoldStock':
        try {
          this.stockCommand(task.sku, {
            type: 'HoldStock',
            data: { sku: task.sku, holdId: task.orderId, quantity: task.quantity, expiresAt: task.expiresAt, now: at },
          });
          this.order({ type: 'RecordStockHeld', data: { orderId: task.orderId, sku: task.sku, now: at } });
        } catch (error) {
          if (!(error instanceof DomainError) || error.code !== 'OUT_OF_STOCK') throw error;
          this.order({ type: 'RecordStockUnavailable', data: { orderId: task.orderId, sku: task.sku, now: at } });
        }
        return;
      case 'RequestPayment': {
        const answer = this.gateway(++this.payments);
        if (answer === 'succeeds')
          this.order({ type: 'RecordPaymentSucceeded', data: { orderId: task.orderId, paymentId: 'pay1', amount: task.amount, now: at } });
        if (answer === 'declines')
          this.order({ type: 'RecordPaymentFailed', data: { orderId: task.orderId, paymentId: 'pay1', reason: 'card_declined', now: at } });
        return;
      }
      case 'ExpireOrder':
        this.order({ type: 'ExpireOrder', data: { orderId: task.orderId, now: at } });
        return;
      case 'ConfirmStock':
        this.stockCommand(task.sku, { type: 'ConfirmStock', data: { sku: task.sku, holdId: task.orderId, now: at } });
        return;
      case 'ReleaseStock':
        this.stockCommand(task.sku, { type: 'ReleaseStock', data: { sku: task.sku, holdId: task.orderId, reason: task.reason, now: at } });
        return;
      case 'ReceiveStock':
        this.stockCommand(task.sku, { type: 'ReceiveStock', data: { sku: task.sku, quantity: task.quantity, receiptId: task.receiptId, now: at } });
        return;
      case 'RefundPayment':
        this.order({ type: 'RecordRefund', data: { orderId: task.orderId, refundId: `refund-${task.paymentId ?? 'x'}`, amount: task.amount, now: at } });
        return;
      case 'ClearCart':
        return;
    }
  }
}

describe('checkout, end to end in memory', () => {
  it('a paid order confirms its stock: it leaves the shelf', () => {
    const run = simulate({ CUP: 5, SAUCER: 3 }, () => 'succeeds');
    expect(run.state.status).toBe('confirmed');
    expect(run.stockOf('CUP')).toMatchObject({ onHand: 3 });
    expect(run.stockOf('SAUCER')).toMatchObject({ onHand: 0 });
    expect(run.performed.filter((t) => t.type === 'ClearCart')).toHaveLength(1);
    run.drain(afterDeadline);
    expect(run.state.status).toBe('confirmed');
  });

  it('a declined payment releases the stock', () => {
    const run = simulate({ CUP: 5, SAUCER: 3 }, () => 'declines');
    expect(run.state.status).toBe('failed');
    expect(availableOf(run.stockOf('CUP'))).toBe(5);
    expect(availableOf(run.stockOf('SAUCER'))).toBe(3);
  });

  it('one line out of stock fails the order and releases the other', () => {
    const run = simulate({ CUP: 5, SAUCER: 2 }, () => 'succeeds');
    expect(run.state.status).toBe('failed');
    expect(availableOf(run.stockOf('CUP'))).toBe(5);
    expect(run.payments).toBe(0);
  });

  it('a payment that never answers releases the stock at the deadline, and a late success is refunded', () => {
    const run = simulate({ CUP: 5, SAUCER: 3 }, () => 'silent');
    expect(run.state.status).toBe('payment_pending');
    expect(availableOf(run.stockOf('CUP'))).toBe(3);
    run.drain(afterDeadline);
    expect(run.state.status).toBe('expired');
    expect(availableOf(run.stockOf('CUP'))).toBe(5);
    run.order({ type: 'RecordPaymentSucceeded', data: { orderId, paymentId: 'pay-late', amount: total, now: afterDeadline } });
    run.order({ type: 'RecordPaymentSucceeded', data: { orderId, paymentId: 'pay-late', amount: total, now: afterDeadline } });
    run.drain(afterDeadline);
    expect(run.performed.filter((t) => t.type === 'RefundPayment')).toEqual([
      { type: 'RefundPayment', orderId, paymentId: 'pay-late', amount: total, reason: 'order_closed' },
    ]);
    expect(run.state.status).toBe('refunded');
    expect(availableOf(run.stockOf('CUP'))).toBe(5);
  });

  it('a cancelled paid order is refunded and restocked', () => {
    const run = simulate(
      { CUP: 5, SAUCER: 3 },
      () => 'succeeds',
      (r) => {
        r.order({ type: 'CancelOrder', data: { orderId, actorId: userId, now } });
        r.drain(now);
      },
    );
    expect(run.state.status).toBe('refunded');
    expect(run.stockOf('CUP')).toMatchObject({ onHand: 5 });
    expect(availableOf(run.stockOf('SAUCER'))).toBe(3);
  });
});
