import { identifier, targetSuffix, writeTimestamp, type CqlStatement } from '../cassandra.ts';
import type { OrderSummary, OrderView } from './port.ts';

/**
 * Pure CQL for order history on Cassandra: by id, and by buyer in a partition per user clustered
 * newest first (placed_at DESC, order_id DESC, the order of the PostgreSQL index), so a keyset page
 * is one slice of one partition. Writes carry `USING TIMESTAMP <revision + 1>` like booking history:
 * an older state delivered late never overwrites a newer one.
 */

/** What the projector stores: the view plus internals readers never see (`state` is the domain's fold). */
export type OrderHistoryDoc = OrderView & { revision: number; state?: unknown };

export type OrderHistoryTables = { keyspace: string; byId: string; byUser: string };

export const ORDER_HISTORY = 'order_history';

export const orderHistoryTables = (keyspace: string, target: string = ORDER_HISTORY): OrderHistoryTables => {
  const suffix = targetSuffix(ORDER_HISTORY, target);
  const ks = identifier(keyspace);
  return { keyspace: ks, byId: `${ks}.${identifier(`orders_by_id${suffix}`)}`, byUser: `${ks}.${identifier(`orders_by_user${suffix}`)}` };
};

export const createOrderTablesCql = (t: OrderHistoryTables): string[] => [
  `CREATE TABLE IF NOT EXISTS ${t.byId} (
  order_id text PRIMARY KEY,
  user_id text,
  status text,
  placed_at timestamp,
  revision bigint,
  doc text,
  updated_at timestamp
)`,
  `CREATE TABLE IF NOT EXISTS ${t.byUser} (
  user_id text,
  placed_at timestamp,
  order_id text,
  status text,
  summary text,
  PRIMARY KEY ((user_id), placed_at, order_id)
) WITH CLUSTERING ORDER BY (placed_at DESC, order_id DESC)`,
];

export const dropOrderTablesCql = (t: OrderHistoryTables): string[] => [t.byId, t.byUser].map((table) => `DROP TABLE IF EXISTS ${table}`);

export const orderHistoryCql = (t: OrderHistoryTables) => ({
  insertById: `INSERT INTO ${t.byId} (order_id, user_id, status, placed_at, revision, doc, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
  insertByUser: `INSERT INTO ${t.byUser} (user_id, placed_at, order_id, status, summary) VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?`,
  selectById: `SELECT doc FROM ${t.byId} WHERE order_id = ?`,
  selectByUser: `SELECT summary FROM ${t.byUser} WHERE user_id = ?`,
  selectByUserBefore: `SELECT summary FROM ${t.byUser} WHERE user_id = ? AND (placed_at, order_id) < (?, ?)`,
});

export type OrderHistoryCql = ReturnType<typeof orderHistoryCql>;

export const toOrderView = (doc: OrderHistoryDoc): OrderView => {
  const { revision: _revision, state: _state, ...view } = doc;
  return view;
};

export const toOrderSummary = (doc: OrderHistoryDoc): OrderSummary => {
  const { timeline: _timeline, ...summary } = toOrderView(doc);
  return summary;
};

/** The two upserts that take the tables to `doc` (an order never changes partition or clustering key). */
export const orderWrites = (cql: OrderHistoryCql, doc: OrderHistoryDoc): CqlStatement[] => {
  const ts = writeTimestamp(doc.revision);
  const placedAt = new Date(doc.placedAt);
  return [
    {
      query: cql.insertById,
      params: [doc.orderId, doc.userId, doc.status, placedAt, doc.revision, JSON.stringify(doc), new Date(doc.updatedAt), ts],
    },
    { query: cql.insertByUser, params: [doc.userId, placedAt, doc.orderId, doc.status, JSON.stringify(toOrderSummary(doc)), ts] },
  ];
};

export const parseOrderDoc = (row: { doc?: unknown }): OrderHistoryDoc => JSON.parse(String(row.doc)) as OrderHistoryDoc;
export const parseOrderSummary = (row: { summary?: unknown }): OrderSummary => JSON.parse(String(row.summary)) as OrderSummary;
