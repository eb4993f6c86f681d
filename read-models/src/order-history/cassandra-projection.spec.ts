import { describe, expect, it } from 'vitest';
import type { commerce } from '@stayhub/domain';
import { afterDeadline, awaitingPayment, confirmed, paid, refunded, total, userId } from '@stayhub/domain/testing/orders';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { cassandraSkipped, cassandraSuite, recording } from '../testing/cassandra.ts';
import { CassandraOrderHistoryReader } from './cassandra.ts';
import type { Park } from '../projection.ts';
import { applyOrdersToCassandra, orderHistoryCassandra } from './cassandra-projection.ts';

const park: Park = async (_event, error) => {
  throw error;
};

let position = 0;
const recordedAll = (orderId: string, events: commerce.OrderEvent[]): RecordedEvent[] =>
  events.map((event, revision) => ({
    eventId: `${orderId}-${revision}`,
    type: event.type,
    schemaVersion: 1,
    streamId: `order-${orderId}`,
    streamRevision: revision,
    globalPosition: String(++position).padStart(20, '0'),
    occurredAt: afterDeadline,
    data: { ...event.data, orderId },
    metadata: {},
  }));

const history = recordedAll('o1', [...awaitingPayment, paid(), confirmed, refunded('re1')]);
const placedAndHeld = history.slice(0, awaitingPayment.length);
const rest = history.slice(awaitingPayment.length);

// Each test writes to a target (tables) of its own in one keyspace on the real Cassandra.
describe.skipIf(Boolean(cassandraSkipped))(`applyOrdersToCassandra${cassandraSkipped}`, () => {
  const { client, keyspace } = cassandraSuite();
  let targets = 0;

  const setup = async () => {
    const cassandra = recording(client);
    const n = ++targets;
    const target = `order_history_t${n}`;
    const projection = orderHistoryCassandra(cassandra, keyspace);
    await projection.prepare(target);
    const reader = new CassandraOrderHistoryReader(cassandra, { keyspace, target: async () => target });
    return { cassandra, projection, reader, target, byId: `${keyspace}.orders_by_id_t${n}` };
  };

  it('follows an order into both tables, one logged batch per order and call', async () => {
    const { cassandra, projection, reader, target } = await setup();
    await projection.applyBatch(placedAndHeld, target, park);
    await projection.applyBatch(rest, target, park);
    expect(cassandra.batches).toHaveLength(2);
    expect(cassandra.batches[1]!.options).toMatchObject({ prepare: true, logged: true });
    const order = await reader.get('o1');
    expect(order).toMatchObject({ orderId: 'o1', userId, status: 'confirmed', paid: total, refunded: total });
    expect(order!.timeline).toHaveLength(history.length);
    expect(order).not.toHaveProperty('state');
    const page = await reader.byUser(userId, { page: 1, pageSize: 10 });
    expect(page.items.map((o) => [o.orderId, o.status, o.refunded])).toEqual([['o1', 'confirmed', total]]);
  });

  it('writes nothing when the same events come again', async () => {
    const { cassandra, projection, reader, target } = await setup();
    await projection.applyBatch(history, target, park);
    const once = await reader.get('o1');
    for (const event of history) await projection.applyBatch([event], target, park);
    await projection.applyBatch(history, target, park);
    expect(cassandra.batches).toHaveLength(1);
    expect(await reader.get('o1')).toEqual(once);
  });

  it('keeps the newer state when a stale writer writes late', async () => {
    const { cassandra, projection, reader, target, byId } = await setup();
    await projection.applyBatch(placedAndHeld, target, park);
    const snapshot = (await cassandra.rows(byId)).map((row) => ({ doc: row.doc }));
    await projection.applyBatch(rest, target, park);
    const newest = await reader.get('o1');
    cassandra.readById = () => snapshot;
    await applyOrdersToCassandra(cassandra, keyspace, target, rest.slice(0, 1));
    cassandra.readById = undefined;
    expect(cassandra.batches).toHaveLength(3);
    expect(await reader.get('o1')).toEqual(newest);
    expect((await reader.byUser(userId, { page: 1, pageSize: 5 })).items.map((o) => o.refunded)).toEqual([total]);
  });

  it('ignores events of an order it never saw placed, and other events', async () => {
    const { cassandra, projection, target } = await setup();
    await projection.applyBatch([...history.slice(1, 3), { ...history[0]!, type: 'BookingPaid' }], target, park);
    expect(cassandra.batches).toHaveLength(0);
  });
});
