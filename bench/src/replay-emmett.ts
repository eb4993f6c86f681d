/**
 * Figure 5b: replay side by side with `@event-driven-io/emmett-postgresql`. The same generated
 * history is written into our event store and into Emmett's; then each rebuilds a booking history
 * document projection from it on the same PostgreSQL: ours (`booking_history`, batched folds and
 * multi-row writes) and Emmett's `rebuildPostgreSQLProjections` with a Pongo single-stream
 * projection whose evolve is the same `evolveBookingDocument`.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createPool, PostgresEventStore, type RecordedEvent } from '@stayhub/event-sourcing';
import { pgProjections, pgRebuildAdapter, silentProgress, rebuild, pgEventSource } from '@stayhub/projectors';
import { bookingDocumentHandles, evolveBookingDocument, type BookingDocument } from '@stayhub/read-models';
import { params } from './shared/args.ts';
import { benchServer, freshDatabase, serverSettings } from './shared/database.ts';
import { bookingHistory, bulkInsert, type Stored } from './shared/history.ts';
import { inParallel } from './shared/http.ts';
import { record } from './shared/results.ts';

const p = params('bench:replay-emmett', {
  events: { default: 100_000, help: 'events in the generated history (written to both stores)' },
  seed: { default: 11, help: 'history seed' },
});

const loadBefore = loadavg();
const server = await benchServer();
const db = await freshDatabase(server.adminUrl, 'replay_emmett');
const pool = createPool(db.url, 8);
const store = await PostgresEventStore.create(pool);
try {
  const history: Stored[] = [...bookingHistory({ events: p.events, seed: p.seed })];
  await bulkInsert(pool, history);
  await pool.query('ANALYZE es_events');

  // Ours first: Emmett sets process-wide pg type parsers when imported.
  let started = performance.now();
  const outcome = await rebuild(
    { pool, events: pgEventSource(pool), adapter: pgRebuildAdapter(pool, pgProjections), print: () => undefined, progress: () => silentProgress },
    { names: ['booking_history'] },
  );
  const oursSeconds = (performance.now() - started) / 1000;
  const oursDocs = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${outcome.targets[0]!.target}`)).rows[0]!.n;

  const { getPostgreSQLEventStore, pongoSingleStreamProjection, rebuildPostgreSQLProjections } = await import('@event-driven-io/emmett-postgresql');
  const emmett = getPostgreSQLEventStore(db.url);
  await emmett.schema.migrate();
  const streams = new Map<string, Stored[]>();
  for (const event of history) (streams.get(event.streamId) ?? streams.set(event.streamId, []).get(event.streamId)!).push(event);
  started = performance.now();
  await inParallel([...streams.entries()], 8, async ([streamId, events]) => {
    await emmett.appendToStream(
      streamId,
      events.map((e) => ({ type: e.type, data: e.data as Record<string, unknown> })),
    );
  });
  const emmettAppendSeconds = (performance.now() - started) / 1000;

  const projection = pongoSingleStreamProjection<BookingDocument, { type: string; data: Record<string, unknown> }>({
    collectionName: 'booking_history_emmett',
    canHandle: [...bookingDocumentHandles],
    getDocumentId: (event: { data: Record<string, unknown> }) => String(event.data.bookingId),
    evolve: (doc: BookingDocument | null, event: { type: string; data: Record<string, unknown>; metadata: unknown }) => {
      const metadata = event.metadata as { streamName: string; streamPosition: bigint; globalPosition: bigint; messageId: string };
      const recorded: RecordedEvent = {
        eventId: metadata.messageId,
        type: event.type,
        schemaVersion: 1,
        streamId: metadata.streamName,
        streamRevision: Number(metadata.streamPosition),
        globalPosition: String(metadata.globalPosition),
        occurredAt: new Date().toISOString(),
        data: event.data,
        metadata: {},
      };
      return evolveBookingDocument(doc ?? undefined, recorded) ?? null;
    },
  });
  started = performance.now();
  const consumer = rebuildPostgreSQLProjections({ connectionString: db.url, projections: [projection] });
  await consumer.start();
  const emmettSeconds = (performance.now() - started) / 1000;
  await consumer.close();
  const emmettDocs = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM booking_history_emmett')).rows[0]!.n;
  await emmett.close();

  const rate = (seconds: number) => Math.round(outcome.events / seconds);
  record(
    'replay-emmett',
    { ...p, database: server.kind, postgres: await serverSettings(db.url) },
    {
      events: outcome.events,
      ours: { seconds: Math.round(oursSeconds * 10) / 10, eventsPerSecond: rate(oursSeconds), documents: oursDocs },
      emmett: {
        seconds: Math.round(emmettSeconds * 10) / 10,
        eventsPerSecond: rate(emmettSeconds),
        documents: emmettDocs,
        appendSeconds: Math.round(emmettAppendSeconds),
      },
      ratio: Math.round((emmettSeconds / oursSeconds) * 10) / 10,
    },
    [
      'Both rebuild one booking history document per booking from the same events with the same evolve function, on the same server, one after the other.',
      'Ours: the replay tool (pages of 10,000, documents folded in memory, documents new to the fresh target written with one COPY per page and the others with one multi-row upsert, indexes after the load). Emmett: rebuildPostgreSQLProjections with a Pongo single-stream projection at its defaults (one document read and write per event).',
      'ratio = Emmett seconds / our seconds.',
    ],
    loadBefore,
  );
} finally {
  await store.close();
  await pool.end();
  await db.drop();
  await server.stop();
}
