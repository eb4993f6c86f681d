import type { RecordedEvent } from '@stayhub/event-sourcing';
import { LOCAL_QUORUM, type CqlClient, type Replication } from '../cassandra.ts';
import { dropOrderHistory, migrateOrderHistory } from './cassandra.ts';
import { orderHistoryCql, orderHistoryTables, orderWrites, parseOrderDoc, type OrderHistoryCql } from './cassandra-statements.ts';
import { failLoudly, type CassandraWriteOptions } from '../booking-history/cassandra-projection.ts';
import type { ExternalProjection, Park } from '../projection.ts';
import { evolveOrderDocument, orderDocumentHandles, type OrderDocument } from './order-document.ts';
import { ORDER_HISTORY } from './pg-projection.ts';

export type CassandraOrderWriteOptions = CassandraWriteOptions;

const orderIdOf = (event: RecordedEvent): string => (event.data as { orderId: string }).orderId;

/** Read, evolve, write one order: the stored revision makes redelivery a no-op, the timestamps beat stale writers. */
const applyToOrder = async (client: CqlClient, cql: OrderHistoryCql, orderId: string, events: RecordedEvent[], consistency: number, park: Park) => {
  const { rows } = await client.execute(cql.selectById, [orderId], { prepare: true, consistency });
  const before = rows[0] ? (parseOrderDoc(rows[0]) as unknown as OrderDocument) : undefined;
  let doc = before;
  for (const event of events) {
    try {
      doc = evolveOrderDocument(doc, event);
    } catch (error) {
      await park(event, error);
    }
  }
  if (!doc || doc === before) return;
  await client.batch(orderWrites(cql, doc), { prepare: true, logged: true, consistency });
};

/** Applies a batch of events to the order history tables of a target; safe to call again with the same events. */
export const applyOrdersToCassandra = async (
  client: CqlClient,
  keyspace: string,
  target: string,
  events: readonly RecordedEvent[],
  options: CassandraOrderWriteOptions = {},
): Promise<void> => {
  const cql = orderHistoryCql(orderHistoryTables(keyspace, target));
  const eventsOf = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    if (!orderDocumentHandles.has(event.type)) continue;
    const id = orderIdOf(event);
    eventsOf.set(id, [...(eventsOf.get(id) ?? []), event]);
  }
  const consistency = options.consistency ?? LOCAL_QUORUM;
  const ids = [...eventsOf.keys()];
  const concurrency = options.concurrency ?? 32;
  for (let i = 0; i < ids.length; i += concurrency) {
    await Promise.all(ids.slice(i, i + concurrency).map((id) => applyToOrder(client, cql, id, eventsOf.get(id)!, consistency, options.park ?? failLoudly)));
  }
};

/** The order history projection on Cassandra, for the external runner, a Kafka consumer group and the replay tool (`target` names the tables). */
export const orderHistoryCassandra = (
  client: CqlClient,
  keyspace: string,
  options: Omit<CassandraOrderWriteOptions, 'park'> & { replication?: Replication } = {},
): ExternalProjection => ({
  name: ORDER_HISTORY,
  handles: orderDocumentHandles,
  prepare: (target) => migrateOrderHistory(client, keyspace, target, options.replication),
  applyBatch: (events, target, park) => applyOrdersToCassandra(client, keyspace, target, events, { ...options, park }),
  drop: (target) => dropOrderHistory(client, keyspace, target),
});
