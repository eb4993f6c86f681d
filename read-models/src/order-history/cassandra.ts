import { migrateTables, readOptions, runDdl, scanPartition, type CqlClient, type CqlOptions, type Replication } from '../cassandra.ts';
import {
  createOrderTablesCql,
  dropOrderTablesCql,
  ORDER_HISTORY,
  orderHistoryCql,
  orderHistoryTables,
  parseOrderDoc,
  parseOrderSummary,
  toOrderView,
} from './cassandra-statements.ts';
import { encodeOrderCursor, type OrderHistoryReader, type OrderListQuery, type OrderPage, type OrderView } from './port.ts';

export type CassandraOrderHistoryOptions = {
  keyspace: string;
  /** The live target (e.g. from `projection_targets`); `order_history` when omitted. */
  target?: () => Promise<string>;
  consistency?: number;
  fetchSize?: number;
};

/** Creates the keyspace and the target's tables if needed; `false` when they did not exist before (nothing held). */
export const migrateOrderHistory = (client: CqlClient, keyspace: string, target: string = ORDER_HISTORY, replication?: Replication): Promise<boolean> => {
  const tables = orderHistoryTables(keyspace, target);
  return migrateTables(client, keyspace, { probe: tables.byId, create: createOrderTablesCql(tables) }, replication);
};

export const dropOrderHistory = (client: CqlClient, keyspace: string, target: string): Promise<void> =>
  runDdl(client, dropOrderTablesCql(orderHistoryTables(keyspace, target)));

/** Order history on Cassandra, paging like `PgOrderHistoryReader` (keyset cursor or page number, newest first). */
export class CassandraOrderHistoryReader implements OrderHistoryReader {
  constructor(
    private readonly client: CqlClient,
    private readonly options: CassandraOrderHistoryOptions,
  ) {}

  async get(orderId: string): Promise<OrderView | undefined> {
    const cql = await this.cql();
    const { rows } = await this.client.execute(cql.selectById, [orderId], this.queryOptions());
    return rows[0] && toOrderView(parseOrderDoc(rows[0]));
  }

  async byUser(userId: string, query: OrderListQuery): Promise<OrderPage> {
    const cql = await this.cql();
    const before = query.before;
    const offset = before ? 0 : (query.page - 1) * query.pageSize;
    const limit = offset + query.pageSize + 1;
    const options = (pageState?: string) => this.queryOptions(pageState);
    // A cursor is one clustering slice of the user's partition; a page number skips rows in order.
    const rows = before
      ? await scanPartition(this.client, cql.selectByUserBefore, [userId, new Date(before.placedAt), before.orderId], {
          limit,
          parse: parseOrderSummary,
          options,
        })
      : await scanPartition(this.client, cql.selectByUser, [userId], { limit, parse: parseOrderSummary, options });
    const slice = rows.slice(offset);
    const items = slice.slice(0, query.pageSize);
    const hasMore = slice.length > query.pageSize;
    const last = items.at(-1);
    return {
      items,
      page: query.page,
      pageSize: query.pageSize,
      hasMore,
      nextCursor: hasMore && last ? encodeOrderCursor({ placedAt: last.placedAt, orderId: last.orderId }) : null,
    };
  }

  private async cql() {
    return orderHistoryCql(orderHistoryTables(this.options.keyspace, (await this.options.target?.()) ?? ORDER_HISTORY));
  }

  private queryOptions(pageState?: string): CqlOptions {
    return readOptions(this.options, pageState);
  }
}
