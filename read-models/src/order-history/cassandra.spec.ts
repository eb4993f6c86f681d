import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cassandraSkipped, cassandraSuite, recording } from '../testing/cassandra.ts';
import { LOCAL_QUORUM } from '../cassandra.ts';
import {
  createOrderTablesCql,
  orderHistoryCql,
  orderHistoryTables,
  orderWrites,
  toOrderSummary,
  toOrderView,
  type OrderHistoryDoc,
} from './cassandra-statements.ts';
import { CassandraOrderHistoryReader, migrateOrderHistory } from './cassandra.ts';
import { decodeOrderCursor } from './port.ts';

const euros = (amount: number) => ({ amount, currency: 'EUR' });
const orderDoc = (orderId: string, placedAt: string, overrides: Partial<OrderHistoryDoc> = {}): OrderHistoryDoc => ({
  orderId,
  userId: 'u1',
  status: 'awaiting_payment',
  lines: [{ productId: 'p1', sku: 'p1-red', name: 'Mug', unitPrice: euros(1_000), quantity: 2, lineTotal: euros(2_000) }],
  total: euros(2_000),
  shippingPostalCode: '1011',
  paymentDeadline: '2030-01-01T00:15:00.000Z',
  paid: euros(0),
  refunded: euros(0),
  placedAt,
  updatedAt: placedAt,
  timeline: [{ type: 'OrderPlaced', at: placedAt, revision: 0 }],
  revision: 0,
  state: { status: 'awaiting_payment', internal: true },
  ...overrides,
});

describe('order history statements', () => {
  const t = orderHistoryTables('stayhub');
  const cql = orderHistoryCql(t);

  it('name the tables per target and cluster a buyer newest first', () => {
    expect(t).toEqual({ keyspace: 'stayhub', byId: 'stayhub.orders_by_id', byUser: 'stayhub.orders_by_user' });
    expect(orderHistoryTables('stayhub', 'order_history_r2').byUser).toBe('stayhub.orders_by_user_r2');
    const [byId, byUser] = createOrderTablesCql(t);
    expect(byId).toContain('order_id text PRIMARY KEY');
    expect(byUser).toContain('PRIMARY KEY ((user_id), placed_at, order_id)');
    expect(byUser).toContain('WITH CLUSTERING ORDER BY (placed_at DESC, order_id DESC)');
  });

  it('upsert both tables at the revision timestamp, the list row without timeline and internals', () => {
    const doc = orderDoc('o1', '2030-01-01T00:00:00.000Z', { revision: 2, status: 'paid' });
    const summary = toOrderSummary(doc);
    expect(summary).not.toHaveProperty('timeline');
    expect(summary).not.toHaveProperty('state');
    expect(summary).not.toHaveProperty('revision');
    expect(toOrderView(doc)).toHaveProperty('timeline');
    expect(toOrderView(doc)).not.toHaveProperty('state');
    expect(orderWrites(cql, doc)).toEqual([
      {
        query:
          'INSERT INTO stayhub.orders_by_id (order_id, user_id, status, placed_at, revision, doc, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?',
        params: ['o1', 'u1', 'paid', new Date('2030-01-01T00:00:00.000Z'), 2, JSON.stringify(doc), new Date('2030-01-01T00:00:00.000Z'), 3],
      },
      {
        query: 'INSERT INTO stayhub.orders_by_user (user_id, placed_at, order_id, status, summary) VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?',
        params: ['u1', new Date('2030-01-01T00:00:00.000Z'), 'o1', 'paid', JSON.stringify(summary), 3],
      },
    ]);
  });
});

// The request shapes recorded on their way to a real Cassandra.
describe.skipIf(Boolean(cassandraSkipped))(`CassandraOrderHistoryReader${cassandraSkipped}`, () => {
  const orders = [
    orderDoc('o1', '2030-01-01T00:00:00.000Z'),
    orderDoc('o2', '2030-01-02T00:00:00.000Z'),
    orderDoc('o3', '2030-01-02T00:00:00.000Z'),
    orderDoc('o4', '2030-01-03T00:00:00.000Z'),
    orderDoc('o5', '2030-01-04T00:00:00.000Z'),
    orderDoc('x1', '2030-01-05T00:00:00.000Z', { userId: 'u2' }),
  ];
  const { client, keyspace } = cassandraSuite();
  const cassandra = recording(client);
  const reader = new CassandraOrderHistoryReader(cassandra, { keyspace, fetchSize: 2 });
  beforeAll(async () => {
    await migrateOrderHistory(cassandra, keyspace);
    const cql = orderHistoryCql(orderHistoryTables(keyspace));
    for (const doc of orders) await cassandra.batch(orderWrites(cql, doc), { prepare: true, logged: true });
  });
  beforeEach(() => {
    cassandra.executed.length = 0;
  });
  const ids = (page: { items: { orderId: string }[] }) => page.items.map((o) => o.orderId);

  it('gets an order with its timeline and without internals', async () => {
    const order = await reader.get('o2');
    expect(order).toMatchObject({ orderId: 'o2', timeline: [{ type: 'OrderPlaced' }] });
    expect(order).not.toHaveProperty('state');
    expect(order).not.toHaveProperty('revision');
    expect(cassandra.executed[0]!.options).toMatchObject({ prepare: true, consistency: LOCAL_QUORUM });
    expect(await reader.get('nope')).toBeUndefined();
  });

  it('pages a buyer newest first (ties by id, descending) by page number', async () => {
    const first = await reader.byUser('u1', { page: 1, pageSize: 2 });
    expect(ids(first)).toEqual(['o5', 'o4']);
    expect(first.hasMore).toBe(true);
    expect(first.items[0]).not.toHaveProperty('timeline');
    expect(ids(await reader.byUser('u1', { page: 2, pageSize: 2 }))).toEqual(['o3', 'o2']);
    const last = await reader.byUser('u1', { page: 3, pageSize: 2 });
    expect(ids(last)).toEqual(['o1']);
    expect(last).toMatchObject({ hasMore: false, nextCursor: null });
  });

  it('pages by cursor with one clustering slice, as deep as it goes', async () => {
    const first = await reader.byUser('u1', { page: 1, pageSize: 2 });
    const cursor = decodeOrderCursor(first.nextCursor!);
    expect(cursor).toEqual({ placedAt: '2030-01-03T00:00:00.000Z', orderId: 'o4' });
    cassandra.executed.length = 0;
    const second = await reader.byUser('u1', { page: 2, pageSize: 2, before: cursor });
    expect(ids(second)).toEqual(['o3', 'o2']);
    expect(cassandra.executed[0]).toMatchObject({
      query: `SELECT summary FROM ${keyspace}.orders_by_user WHERE user_id = ? AND (placed_at, order_id) < (?, ?)`,
      params: ['u1', new Date('2030-01-03T00:00:00.000Z'), 'o4'],
    });
    const third = await reader.byUser('u1', { page: 3, pageSize: 2, before: decodeOrderCursor(second.nextCursor!) });
    expect(ids(third)).toEqual(['o1']);
    expect(third.nextCursor).toBeNull();
    expect(ids(await reader.byUser('u2', { page: 1, pageSize: 2 }))).toEqual(['x1']);
  });

  it('reads the tables of the live target', async () => {
    expect(await migrateOrderHistory(cassandra, keyspace, 'order_history_r4')).toBe(false);
    expect(await migrateOrderHistory(cassandra, keyspace, 'order_history_r4')).toBe(true);
    const live = new CassandraOrderHistoryReader(cassandra, { keyspace, target: async () => 'order_history_r4' });
    expect(await live.byUser('u1', { page: 1, pageSize: 5 })).toMatchObject({ items: [], hasMore: false });
    expect(cassandra.executed.at(-1)!.query).toBe(`SELECT summary FROM ${keyspace}.orders_by_user_r4 WHERE user_id = ?`);
  });
});
