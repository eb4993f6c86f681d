import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { commerce } from '@stayhub/domain';
import { awaitingPayment, confirmed, paid, total, userId } from '@stayhub/domain/testing/orders';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { CassandraOrderHistoryReader } from './cassandra.ts';
import { orderHistoryCql, orderHistoryTables, orderWrites, type OrderHistoryDoc } from './cassandra-statements.ts';
import { decodeOrderCursor } from './port.ts';
import type { Park } from '../projection.ts';
import { cassandraSkipped, cassandraSuite } from '../testing/cassandra.ts';
import { orderHistoryCassandra } from './cassandra-projection.ts';

const park: Park = async (_event, error) => {
  throw error;
};

let position = 0;
const orderEvents = (orderId: string, at: string, events: commerce.OrderEvent[]): RecordedEvent[] =>
  events.map((event, revision) => ({
    eventId: randomUUID(),
    type: event.type,
    schemaVersion: 1,
    streamId: `order-${orderId}`,
    streamRevision: revision,
    globalPosition: String(++position).padStart(20, '0'),
    occurredAt: at,
    data: { ...event.data, orderId, at },
    metadata: {},
  }));

// Runs against the Cassandra the test setup starts, or the cluster CASSANDRA_CONTACT_POINTS names.
describe.skipIf(Boolean(cassandraSkipped))(`Cassandra order history${cassandraSkipped}`, () => {
  const { client, keyspace } = cassandraSuite();
  const projection = orderHistoryCassandra(client, keyspace);
  const reader = new CassandraOrderHistoryReader(client, { keyspace, fetchSize: 2 });
  const ids = (page: { items: { orderId: string }[] }) => page.items.map((o) => o.orderId);
  const full = [...awaitingPayment, paid(), confirmed];
  const histories = [
    orderEvents('o1', '2030-01-01T00:00:00.000Z', full),
    orderEvents('o2', '2030-01-02T00:00:00.000Z', awaitingPayment),
    orderEvents('o3', '2030-01-02T00:00:00.000Z', awaitingPayment),
    orderEvents('o4', '2030-01-03T00:00:00.000Z', full),
  ];

  beforeAll(async () => {
    expect(await projection.prepare('order_history')).toBe(false);
    await projection.applyBatch(histories.flat(), 'order_history', park);
  });

  it('gets an order with its whole timeline', async () => {
    const order = await reader.get('o1');
    expect(order).toMatchObject({ orderId: 'o1', userId, status: 'confirmed', paid: total });
    expect(order!.timeline).toHaveLength(full.length);
    expect(order).not.toHaveProperty('state');
    expect(await reader.get('nope')).toBeUndefined();
  });

  it('lists a buyer newest first by page number and by cursor alike', async () => {
    const first = await reader.byUser(userId, { page: 1, pageSize: 2 });
    expect(ids(first)).toEqual(['o4', 'o3']);
    expect(first.hasMore).toBe(true);
    const byPage = await reader.byUser(userId, { page: 2, pageSize: 2 });
    const byCursor = await reader.byUser(userId, { page: 2, pageSize: 2, before: decodeOrderCursor(first.nextCursor!) });
    expect(ids(byPage)).toEqual(['o2', 'o1']);
    expect(byCursor).toEqual(byPage);
    expect(byPage.hasMore).toBe(false);
  });

  it('ignores redelivered events and an older state written late', async () => {
    const before = await reader.get('o4');
    await projection.applyBatch(histories[3]!, 'order_history', park);
    expect(await reader.get('o4')).toEqual(before);

    const cql = orderHistoryCql(orderHistoryTables(keyspace));
    const stale: OrderHistoryDoc = { ...before!, revision: 0, status: 'awaiting_payment', timeline: before!.timeline.slice(0, 1) };
    await client.batch(orderWrites(cql, stale), { prepare: true, logged: true });
    expect(await reader.get('o4')).toEqual(before);
    expect((await reader.byUser(userId, { page: 1, pageSize: 1 })).items[0]).toMatchObject({ orderId: 'o4', status: before!.status });
  });
});
