import { describe, expect, it } from 'vitest';
import { fold } from '../../shared/decider.ts';
import { specFor, type SpecCase } from '../../shared/spec.ts';
import { OrderCommand as OrderCommandSchema, OrderEvent as OrderEventSchema, type OrderCommand, type OrderEvent, type OrderStatus } from './messages.ts';
import {
  afterDeadline,
  awaitingPayment,
  confirmed,
  confirmedOrder,
  cupLine,
  deadline,
  declined,
  delivered,
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
  refunded,
  saucerLine,
  shipped,
  stockHeld,
  total,
  userId,
} from './order.fixtures.ts';
import { orderDecider, orderStreamId, paymentDeadlineFor } from './order.ts';

type Row = SpecCase<OrderCommand, OrderEvent>;
const cmd = <T extends OrderCommand['type']>(type: T, data: Record<string, unknown>, at = now) =>
  ({ type, data: { orderId, ...data, now: at } }) as OrderCommand;

const stockHeldCmd = (sku: string, at = now) => cmd('RecordStockHeld', { sku }, at);
const unavailable = (sku: string) => cmd('RecordStockUnavailable', { sku });
const succeeded = (paymentId: string, amount = total, at = now) => cmd('RecordPaymentSucceeded', { paymentId, amount }, at);
const failedPayment = (data: Record<string, unknown>) => cmd('RecordPaymentFailed', { reason: 'card_declined', ...data });
const expire = (at: string) => cmd('ExpireOrder', {}, at);
const cancel = (actorId = userId, reason?: string) => cmd('CancelOrder', { actorId, ...(reason ? { reason } : {}) });
const ship = (data: Record<string, unknown> = {}) => cmd('ShipOrder', { actorId: 'seller', ...data });
const deliver = () => cmd('DeliverOrder', {});
const recordRefund = (refundId: string, amount = total) => cmd('RecordRefund', { refundId, amount }, afterDeadline);

const place: Row[] = [
  { name: 'places an order whose total is the sum of price × quantity', when: placeOrder(), then: [placed()] },
  { name: 'remembers that it came from the cart', when: placeOrder(undefined, { fromCart: true }), then: [placed(true)] },
  {
    name: 'merges lines of the same SKU',
    when: placeOrder([{ ...cupLine, quantity: 1 }, saucerLine, { ...cupLine, quantity: 1 }]),
    then: [placed()],
  },
  {
    name: 'refuses lines of one SKU at different prices',
    when: placeOrder([cupLine, { ...cupLine, unitPrice: eur(1) }]),
    throws: 'ORDER_LINE_INVALID',
  },
  { name: 'refuses an empty order', when: placeOrder([]), throws: 'CART_EMPTY' },
  {
    name: 'refuses mixed currencies',
    when: placeOrder([cupLine, { ...saucerLine, unitPrice: { amount: 499, currency: 'USD' } }]),
    throws: 'CURRENCY_MISMATCH',
  },
  { name: 'refuses a quantity of 0', when: placeOrder([{ ...cupLine, quantity: 0 }]), throws: 'AMOUNT_INVALID' },
  {
    name: 'refuses a total that overflows',
    when: placeOrder([{ ...cupLine, unitPrice: eur(Number.MAX_SAFE_INTEGER), quantity: 2 }]),
    throws: 'AMOUNT_INVALID',
  },
  {
    name: 'refuses a total of two lines whose sum overflows',
    when: placeOrder([
      { ...cupLine, unitPrice: eur(Number.MAX_SAFE_INTEGER), quantity: 1 },
      { ...saucerLine, unitPrice: eur(Number.MAX_SAFE_INTEGER), quantity: 1 },
    ]),
    throws: 'AMOUNT_INVALID',
  },
  { name: 'refuses to place twice', given: [placed()], when: placeOrder(), throws: 'ORDER_EXISTS' },
  {
    name: 'refuses products that do not ship to the postal code',
    when: placeOrder([{ ...cupLine, shipping: { postalPrefixes: ['75'], deliveryDays: 2 } }, saucerLine]),
    throws: 'NOT_DELIVERABLE',
    details: { skus: ['CUP'] },
  },
  {
    name: 'accepts products that ship to the postal code',
    when: placeOrder([{ ...cupLine, shipping: { postalPrefixes: ['101'], deliveryDays: 2 } }, saucerLine]),
    then: [placed()],
  },
];

const stock: Row[] = [
  { name: 'records a held line', given: [placed()], when: stockHeldCmd('CUP'), then: [stockHeld('CUP')] },
  {
    name: 'requests payment once every line is held',
    given: [placed(), stockHeld('CUP')],
    when: stockHeldCmd('SAUCER'),
    then: [stockHeld('SAUCER'), paymentRequested],
  },
  { name: 'a line reported held twice decides nothing', given: [placed(), stockHeld('CUP')], when: stockHeldCmd('CUP'), then: [] },
  { name: 'refuses a SKU the order does not have', given: [placed()], when: stockHeldCmd('MUG'), throws: 'ORDER_LINE_INVALID' },
  { name: 'refuses an unknown order', when: stockHeldCmd('CUP'), throws: 'ORDER_NOT_FOUND' },
  {
    name: 'a hold after the order failed is handed back',
    given: [placed(), outOfStock([], 'SAUCER')],
    when: stockHeldCmd('CUP'),
    then: [lateStockHeld('CUP')],
  },
  {
    name: 'a hold after the order expired is handed back',
    given: [placed(), expired([])],
    when: stockHeldCmd('CUP', afterDeadline),
    then: [lateStockHeld('CUP', afterDeadline)],
  },
  { name: 'a late hold reported twice decides nothing', given: [placed(), expired([]), lateStockHeld('CUP')], when: stockHeldCmd('CUP'), then: [] },
  {
    name: 'fails the order when a line is out of stock, releasing what was held',
    given: [placed(), stockHeld('CUP')],
    when: unavailable('SAUCER'),
    then: [outOfStock(['CUP'], 'SAUCER')],
  },
  { name: 'a second unavailable line decides nothing', given: [placed(), outOfStock([], 'SAUCER')], when: unavailable('CUP'), then: [] },
  { name: 'stock unavailable after expiry decides nothing', given: [placed(), expired([])], when: unavailable('CUP'), then: [] },
];

const payment: Row[] = [
  { name: 'a payment pays and confirms the order', given: awaitingPayment, when: succeeded('pay1'), then: [paid(), confirmed] },
  { name: 'the same payment reported twice has one effect (double webhook)', given: confirmedOrder, when: succeeded('pay1'), then: [] },
  {
    name: 'a second payment of a paid order is refunded',
    given: confirmedOrder,
    when: succeeded('pay2', total, afterDeadline),
    then: [latePayment('pay2', 'already_paid')],
  },
  {
    name: 'a payment that succeeds after expiry is refunded',
    given: [...awaitingPayment, expired()],
    when: succeeded('pay1', total, afterDeadline),
    then: [latePayment('pay1', 'order_closed')],
  },
  {
    name: 'the late success reported twice has one effect',
    given: [...awaitingPayment, expired(), latePayment('pay1', 'order_closed')],
    when: succeeded('pay1', total, afterDeadline),
    then: [],
  },
  {
    name: 'a success after a decline is refunded',
    given: [...awaitingPayment, declined],
    when: succeeded('pay2', total, afterDeadline),
    then: [latePayment('pay2', 'order_closed')],
  },
  {
    name: 'a success after cancellation is refunded',
    given: [
      ...awaitingPayment,
      { type: 'OrderCancelled', data: { orderId, by: userId, refund: eur(0), skusToRelease: ['CUP', 'SAUCER'], skusToRestock: [], at: now } },
    ],
    when: succeeded('pay1', total, afterDeadline),
    then: [latePayment('pay1', 'order_closed')],
  },
  {
    name: 'a payment of the wrong amount is refunded and the order still waits',
    given: awaitingPayment,
    when: succeeded('pay1', eur(1), afterDeadline),
    then: [latePayment('pay1', 'amount_mismatch', eur(1))],
  },
  { name: 'refuses a payment before it was requested', given: [placed(), stockHeld('CUP')], when: succeeded('pay1'), throws: 'ORDER_STATE' },
  { name: 'refuses a payment of an unknown order', when: succeeded('pay1'), throws: 'ORDER_NOT_FOUND' },
  {
    name: 'a declined payment fails the order and releases its stock',
    given: awaitingPayment,
    when: failedPayment({ paymentId: 'pay1' }),
    then: [declined],
  },
  {
    name: 'a decline without a payment id',
    given: awaitingPayment,
    when: failedPayment({}),
    then: [{ type: 'OrderFailed', data: { orderId, reason: 'payment_declined', skusToRelease: ['CUP', 'SAUCER'], declineReason: 'card_declined', at: now } }],
  },
  { name: 'a decline after payment decides nothing', given: confirmedOrder, when: failedPayment({ paymentId: 'pay2' }), then: [] },
  { name: 'a decline before payment was requested decides nothing', given: [placed()], when: failedPayment({}), then: [] },
  { name: 'a decline after expiry decides nothing', given: [...awaitingPayment, expired()], when: failedPayment({ paymentId: 'pay1' }), then: [] },
  { name: 'a decline reported twice has one effect', given: [...awaitingPayment, declined], when: failedPayment({ paymentId: 'pay1' }), then: [] },
];

const expiry: Row[] = [
  {
    name: 'expires an unpaid order at its deadline',
    given: awaitingPayment,
    when: expire(deadline),
    then: [{ type: 'OrderExpired', data: { orderId, skusToRelease: ['CUP', 'SAUCER'], at: deadline } }],
  },
  {
    name: 'expires an order still waiting for stock, releasing what was held',
    given: [placed(), stockHeld('CUP')],
    when: expire(afterDeadline),
    then: [expired(['CUP'])],
  },
  { name: 'does not expire before the deadline', given: awaitingPayment, when: expire('2026-03-01T10:14:59.999Z'), then: [] },
  { name: 'a paid order does not expire', given: confirmedOrder, when: expire(afterDeadline), then: [] },
  { name: 'expiring twice decides nothing', given: [...awaitingPayment, expired()], when: expire(afterDeadline), then: [] },
  { name: 'a failed order does not expire', given: [...awaitingPayment, declined], when: expire(afterDeadline), then: [] },
  { name: 'refuses to expire an unknown order', when: expire(afterDeadline), throws: 'ORDER_NOT_FOUND' },
];

const cancellation: Row[] = [
  {
    name: 'the buyer cancels an unpaid order: held stock is released, nothing refunded',
    given: awaitingPayment,
    when: cancel(),
    then: [{ type: 'OrderCancelled', data: { orderId, by: userId, refund: eur(0), skusToRelease: ['CUP', 'SAUCER'], skusToRestock: [], at: now } }],
  },
  {
    name: 'cancelling before any stock was held releases nothing',
    given: [placed()],
    when: cancel(),
    then: [{ type: 'OrderCancelled', data: { orderId, by: userId, refund: eur(0), skusToRelease: [], skusToRestock: [], at: now } }],
  },
  {
    name: 'the buyer cancels a confirmed order: the payment is refunded and stock restocked',
    given: confirmedOrder,
    when: cancel(userId, 'changed my mind'),
    then: [
      {
        type: 'OrderCancelled',
        data: {
          orderId,
          by: userId,
          reason: 'changed my mind',
          refund: total,
          paymentId: 'pay1',
          skusToRelease: [],
          skusToRestock: [
            { sku: 'CUP', quantity: 2 },
            { sku: 'SAUCER', quantity: 3 },
          ],
          at: now,
        },
      },
    ],
  },
  { name: 'only the buyer cancels', given: confirmedOrder, when: cancel('someone'), throws: 'NOT_ORDER_OWNER' },
  { name: 'a shipped order cannot be cancelled', given: [...confirmedOrder, shipped], when: cancel(), throws: 'ORDER_STATE' },
  { name: 'a delivered order cannot be cancelled', given: [...confirmedOrder, shipped, delivered], when: cancel(), throws: 'ORDER_STATE' },
  { name: 'an expired order cannot be cancelled', given: [...awaitingPayment, expired()], when: cancel(), throws: 'ORDER_STATE' },
  { name: 'a failed order cannot be cancelled', given: [...awaitingPayment, declined], when: cancel(), throws: 'ORDER_STATE' },
  {
    name: 'cancelling twice decides nothing',
    given: [placed(), { type: 'OrderCancelled', data: { orderId, by: userId, refund: eur(0), skusToRelease: [], skusToRestock: [], at: now } }],
    when: cancel(),
    then: [],
  },
  { name: 'refuses to cancel an unknown order', when: cancel(), throws: 'ORDER_NOT_FOUND' },
];

const fulfilment: Row[] = [
  {
    name: 'ships a confirmed order',
    given: confirmedOrder,
    when: ship({ carrier: 'DHL', tracking: 'JD0001' }),
    then: [{ type: 'OrderShipped', data: { orderId, by: 'seller', carrier: 'DHL', tracking: 'JD0001', at: now } }],
  },
  { name: 'ships without tracking', given: confirmedOrder, when: ship(), then: [shipped] },
  { name: 'an unpaid order does not ship', given: awaitingPayment, when: ship(), throws: 'ORDER_STATE' },
  { name: 'an expired order does not ship', given: [...awaitingPayment, expired()], when: ship(), throws: 'ORDER_STATE' },
  { name: 'shipping twice decides nothing', given: [...confirmedOrder, shipped], when: ship(), then: [] },
  { name: 'delivers a shipped order', given: [...confirmedOrder, shipped], when: deliver(), then: [delivered] },
  { name: 'an order not shipped is not delivered', given: confirmedOrder, when: deliver(), throws: 'ORDER_STATE' },
  { name: 'delivering twice decides nothing', given: [...confirmedOrder, shipped, delivered], when: deliver(), then: [] },
];

const refunds: Row[] = [
  { name: 'records a refund', given: [...awaitingPayment, expired(), latePayment('pay1', 'order_closed')], when: recordRefund('r1'), then: [refunded('r1')] },
  {
    name: 'the same refund twice has one effect',
    given: [...awaitingPayment, expired(), latePayment('pay1', 'order_closed'), refunded('r1')],
    when: recordRefund('r1'),
    then: [],
  },
  { name: 'refuses a refund of an unknown order', when: recordRefund('r1'), throws: 'ORDER_NOT_FOUND' },
];

describe('orderDecider', () => {
  const spec = specFor(orderDecider);
  describe('placing', () => it.each(place)('$name', spec.run));
  describe('stock', () => it.each(stock)('$name', spec.run));
  describe('payment', () => it.each(payment)('$name', spec.run));
  describe('expiry', () => it.each(expiry)('$name', spec.run));
  describe('cancellation', () => it.each(cancellation)('$name', spec.run));
  describe('fulfilment', () => it.each(fulfilment)('$name', spec.run));
  describe('refunds', () => it.each(refunds)('$name', spec.run));

  const cancelledPaid: OrderEvent = {
    type: 'OrderCancelled',
    data: { orderId, by: userId, refund: total, paymentId: 'pay1', skusToRelease: [], skusToRestock: [], at: now },
  };
  const statuses: [string, OrderEvent[], OrderStatus][] = [
    ['nothing yet', [], 'none'],
    ['placed', [placed()], 'placed'],
    ['some stock held', [placed(), stockHeld('CUP')], 'placed'],
    ['all stock held', [placed(), stockHeld('CUP'), stockHeld('SAUCER')], 'stock_held'],
    ['payment requested', awaitingPayment, 'payment_pending'],
    ['paid', [...awaitingPayment, paid()], 'paid'],
    ['confirmed', confirmedOrder, 'confirmed'],
    ['shipped', [...confirmedOrder, shipped], 'shipped'],
    ['delivered', [...confirmedOrder, shipped, delivered], 'delivered'],
    ['declined', [...awaitingPayment, declined], 'failed'],
    ['out of stock', [placed(), outOfStock([], 'CUP')], 'failed'],
    ['expired', [...awaitingPayment, expired()], 'expired'],
    ['late payment not refunded yet', [...awaitingPayment, expired(), latePayment('pay1', 'order_closed')], 'expired'],
    ['late payment refunded', [...awaitingPayment, expired(), latePayment('pay1', 'order_closed'), refunded('r1')], 'refunded'],
    ['late payment partly refunded', [...awaitingPayment, expired(), latePayment('pay1', 'order_closed'), refunded('r1', eur(10))], 'expired'],
    ['cancelled unpaid', [...awaitingPayment, { ...cancelledPaid, data: { ...cancelledPaid.data, refund: eur(0) } }], 'cancelled'],
    ['cancelled after payment, refunded', [...confirmedOrder, cancelledPaid, refunded('r1')], 'refunded'],
    ['duplicate payment refunded on a confirmed order', [...confirmedOrder, latePayment('pay2', 'already_paid'), refunded('r1')], 'confirmed'],
  ];
  it.each(statuses)('status after %s', (_name, history, status) => expect(fold(orderDecider, history).status).toBe(status));

  it('keeps every transition as JSON the schemas accept', () => {
    for (const history of [
      confirmedOrder,
      [...confirmedOrder, shipped, delivered],
      [...awaitingPayment, expired(), latePayment('pay1', 'order_closed'), refunded('r1')],
    ]) {
      for (const event of history) expect(OrderEventSchema.parse(JSON.parse(JSON.stringify(event)))).toEqual(event);
    }
    expect(OrderCommandSchema.parse(placeOrder())).toEqual(placeOrder());
    expect(OrderCommandSchema.safeParse(placeOrder([{ ...cupLine, quantity: 0 }])).success).toBe(false);
  });

  it('defaults the payment deadline to 15 minutes', () => expect(paymentDeadlineFor(now)).toBe(deadline));
  it('names its stream', () => expect(orderStreamId('o1')).toBe('order-o1'));
});

describe('payment issues of an order', () => {
  const TASK = 'refund:o1:cancel';
  const record = (taskId = TASK) => cmd('RecordPaymentIssue', { taskId, operation: 'refund', error: 'PaymentGatewayUnavailable: down' });
  const resolve = () => cmd('ResolvePaymentIssue', { taskId: TASK });
  const raised = (taskId = TASK): OrderEvent => ({
    type: 'OrderPaymentIssueRaised',
    data: { orderId, taskId, operation: 'refund', error: 'PaymentGatewayUnavailable: down', at: now },
  });
  const resolved: OrderEvent = { type: 'OrderPaymentIssueResolved', data: { orderId, taskId: TASK, at: now } };
  it.each<Row>([
    { name: 'a parked money task raises an issue on the order', given: confirmedOrder, when: record(), then: [raised()] },
    { name: 'raised once per task', given: [...confirmedOrder, raised()], when: record(), then: [] },
    { name: 'the task succeeding later resolves it', given: [...confirmedOrder, raised()], when: resolve(), then: [resolved] },
    { name: 'nothing to resolve when none is open', given: confirmedOrder, when: resolve(), then: [] },
    { name: 'unknown order', when: record(), throws: 'ORDER_NOT_FOUND' },
  ])('$name', specFor(orderDecider).run);
});
