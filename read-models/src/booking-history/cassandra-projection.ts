import type { RecordedEvent } from '@stayhub/event-sourcing';
import { LOCAL_QUORUM, type CqlClient, type Replication } from '../cassandra.ts';
import { dropBookingHistory, migrateBookingHistory } from './cassandra.ts';
import { bookingHistoryCql, bookingHistoryTables, bookingWrites, parseBookingDoc, type BookingHistoryCql } from './cassandra-statements.ts';
import type { ExternalProjection, Park } from '../projection.ts';
import { bookingDocumentHandles, evolveBookingDocument, type BookingDocument } from './booking-document.ts';
import { BOOKING_HISTORY } from './pg-projection.ts';

export type CassandraWriteOptions = {
  consistency?: number;
  concurrency?: number;
  /** Where an event that can never apply goes (the runner's dead letter); without it, such an event fails the batch. */
  park?: Park;
};

export const failLoudly: Park = async (_event, error) => {
  throw error;
};

const bookingIdOf = (event: RecordedEvent): string => (event.data as { bookingId: string }).bookingId;

/**
 * Read, evolve, write one booking. The read makes redelivery a no-op (the document has the
 * revision); the revision timestamps make a stale writer's late batch lose to the newer state.
 */
const applyToBooking = async (client: CqlClient, cql: BookingHistoryCql, bookingId: string, events: RecordedEvent[], consistency: number, park: Park) => {
  const { rows } = await client.execute(cql.selectById, [bookingId], { prepare: true, consistency });
  const before = rows[0] ? (parseBookingDoc(rows[0]) as BookingDocument) : undefined;
  const starts = new Set(before ? [before.start] : []);
  let doc = before;
  for (const event of events) {
    try {
      doc = evolveBookingDocument(doc, event);
    } catch (error) {
      await park(event, error);
    }
    if (doc) starts.add(doc.start);
  }
  if (!doc || doc === before) return;
  // Logged: the three tables of one booking change together or not at all.
  await client.batch(bookingWrites(cql, doc, starts), { prepare: true, logged: true, consistency });
};

/** Applies a batch of events to the booking history tables of a target; safe to call again with the same events. */
export const applyToCassandra = async (
  client: CqlClient,
  keyspace: string,
  target: string,
  events: readonly RecordedEvent[],
  options: CassandraWriteOptions = {},
): Promise<void> => {
  const cql = bookingHistoryCql(bookingHistoryTables(keyspace, target));
  const eventsOf = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    if (!bookingDocumentHandles.has(event.type)) continue;
    const id = bookingIdOf(event);
    eventsOf.set(id, [...(eventsOf.get(id) ?? []), event]);
  }
  const consistency = options.consistency ?? LOCAL_QUORUM;
  const ids = [...eventsOf.keys()];
  const concurrency = options.concurrency ?? 32;
  for (let i = 0; i < ids.length; i += concurrency) {
    await Promise.all(ids.slice(i, i + concurrency).map((id) => applyToBooking(client, cql, id, eventsOf.get(id)!, consistency, options.park ?? failLoudly)));
  }
};

/** The booking history projection on Cassandra, for the external runner, a Kafka consumer group and the replay tool (`target` names the tables). */
export const bookingHistoryCassandra = (
  client: CqlClient,
  keyspace: string,
  options: Omit<CassandraWriteOptions, 'park'> & { replication?: Replication } = {},
): ExternalProjection => ({
  name: BOOKING_HISTORY,
  handles: bookingDocumentHandles,
  prepare: (target) => migrateBookingHistory(client, keyspace, target, options.replication),
  applyBatch: (events, target, park) => applyToCassandra(client, keyspace, target, events, { ...options, park }),
  drop: (target) => dropBookingHistory(client, keyspace, target),
});
