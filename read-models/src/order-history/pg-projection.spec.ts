import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { commerce } from '@stayhub/domain';
import { afterDeadline, awaitingPayment, confirmed, latePayment, paid, refunded, total, userId } from '@stayhub/domain/testing/orders';
import { createPool, inTransaction, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { evolveOrderDocument } from './order-document.ts';
import { orderHistoryProjection } from './pg-projection.ts';
import { applyEvents } from '../projection.ts';
import { describeProjection, recorded as specRecorded } from '../testing/projection-spec.ts';

let position = 0;
const recordedAll = (orderId: string, events: commerce.OrderEvent[]): RecordedEvent[] =>
  events.map((event, revision) => ({
    eventId: randomUUID(),
    type: event.type,
    schemaVersion: 1,
    streamId: `order-${orderId}`,
    streamRevision: revision,
    globalPosition: String(++position).padStart(20, '0'),
    occurredAt: afterDeadline,
    data: { ...event.data, orderId },
    metadata: {},
  }));

describe('order document', () => {
  it('follows the order through payment with a full timeline, and leaves out the card token', () => {
    const doc = recordedAll('o1', [...awaitingPayment, paid(), confirmed]).reduce(evolveOrderDocument, undefined);
    expect(doc).toMatchObject({ orderId: 'o1', userId, status: 'confirmed', total, paid: total });
    expect(doc!.timeline.map((entry) => entry.type)).toEqual([
      'OrderPlaced',
      'OrderStockHeld',
      'OrderStockHeld',
      'OrderPaymentRequested',
      'OrderPaid',
      'OrderConfirmed',
    ]);
    expect(doc!.timeline[1]).toMatchObject({ sku: 'CUP', revision: 1 });
    expect(JSON.stringify(doc!.timeline)).not.toContain('tok_visa');
  });

  it('shows a parked money task as the payment issue until it is resolved, the same when delivered twice', () => {
    const raised: commerce.OrderEvent = {
      type: 'OrderPaymentIssueRaised',
      data: { orderId: 'o1', taskId: 'refund:o1:cancel', operation: 'refund', error: 'PaymentGatewayUnavailable: down', at: afterDeadline },
    };
    const resolved: commerce.OrderEvent = { type: 'OrderPaymentIssueResolved', data: { orderId: 'o1', taskId: 'refund:o1:cancel', at: afterDeadline } };
    const events = recordedAll('o1', [...awaitingPayment, paid(), confirmed, raised, resolved]);
    const upTo = (n: number) =>
      events
        .slice(0, n)
        .flatMap((e) => [e, e])
        .reduce(evolveOrderDocument, undefined);
    expect(upTo(events.length - 1)!.paymentIssue).toEqual({
      taskId: 'refund:o1:cancel',
      operation: 'refund',
      error: 'PaymentGatewayUnavailable: down',
      since: afterDeadline,
    });
    expect(upTo(events.length)!.paymentIssue).toBeUndefined();
  });

  it('ignores events of an order it never saw placed', () => {
    const [, held] = recordedAll('o2', awaitingPayment);
    expect(evolveOrderDocument(undefined, held!)).toBeUndefined();
  });
});

describe('order history projection', () => {
  let pool: Pool;
  const target = 'order_history';
  const row = async (orderId: string) => (await pool.query(`SELECT * FROM ${target} WHERE order_id = $1`, [orderId])).rows;
  const apply = (event: RecordedEvent) => inTransaction(pool, (client) => applyEvents(client, orderHistoryProjection, [event], target));

  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 4);
    await inTransaction(pool, (client) => orderHistoryProjection.migrate(client, target));
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('gets the same row when every event is delivered twice', async () => {
    // Expired unpaid, then paid late, then refunded: the late payment must be counted once.
    const history = recordedAll('o3', [
      ...awaitingPayment,
      { type: 'OrderExpired', data: { orderId: 'o3', skusToRelease: ['CUP', 'SAUCER'], at: afterDeadline } },
      latePayment('pay1', 'order_closed'),
      refunded('re1'),
    ]);
    for (const event of history) {
      await apply(event);
      const once = await row('o3');
      await apply(event);
      expect(await row('o3')).toEqual(once);
    }
    const [order] = await row('o3');
    expect(order).toMatchObject({ user_id: userId, status: 'refunded' });
    expect(order.doc.timeline).toHaveLength(history.length);
    expect(order.doc.refunded).toEqual(total);
  });
});

const order = (events: readonly commerce.OrderEvent[], from = 0) => specRecorded('order-o1', events, from);

describeProjection('order history projection, batched', {
  projection: orderHistoryProjection,
  tables: (target) => [target],
  guardedByRevision: true,
  cases: [
    {
      name: 'an order placed and paid in one batch is confirmed',
      given: order(awaitingPayment),
      when: order([paid(), confirmed], awaitingPayment.length),
      then: (rows, [table]) => expect(rows[table!]![0]).toMatchObject({ status: 'confirmed', user_id: userId }),
    },
  ],
});
