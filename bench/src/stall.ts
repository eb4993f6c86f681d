/**
 * Figure 8: how long a transaction elsewhere on the server holds the projections back. A reader of
 * the log never passes a transaction still in flight (its events could commit later at an earlier
 * position), so every transaction that holds a transaction id, in this database or any other on the
 * server, holds the projections back until it ends. Measured: append → applied by the booking
 * history projection, with no other transaction, with one held open in the same database and in
 * another, and with one the server ends after `idle_in_transaction_session_timeout`.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { requested } from '@stayhub/domain/testing/bookings';
import { createPool, PostgresEventStore } from '@stayhub/event-sourcing';
import { migrateProjector, runPgProjections } from '@stayhub/projectors';
import { readCheckpoint, bookingHistoryProjection } from '@stayhub/read-models';
import { params } from './shared/args.ts';
import { benchServer, freshDatabase, serverSettings } from './shared/database.ts';
import { record } from './shared/results.ts';
import { summarise } from './shared/stats.ts';

const p = params('bench:stall', {
  probes: { default: 15, help: 'appends measured with nothing else running' },
  holdMs: { default: 3_000, help: 'how long the other transaction stays open' },
  timeoutMs: { default: 1_000, help: 'idle_in_transaction_session_timeout of the other session in the last case' },
});

const loadBefore = loadavg();
const server = await benchServer();
const db = await freshDatabase(server.adminUrl, 'stall');
const pool = createPool(db.url, 8);
const store = await PostgresEventStore.create(pool);
const stop = new AbortController();
let running: Promise<void> | undefined;
try {
  await migrateProjector(pool, [bookingHistoryProjection]);
  running = runPgProjections(pool, store, [bookingHistoryProjection], stop.signal);

  let n = 0;
  /** Appends one booking and waits until the projection has applied it: milliseconds. */
  const probe = async (): Promise<number> => {
    const bookingId = `stall-${n++}`;
    const { position } = await store.append(`booking-${bookingId}`, [{ eventId: randomUUID(), ...requested({ bookingId }) }], 'no_stream');
    const appended = performance.now();
    while ((await readCheckpoint(pool, 'booking_history')) < position) await sleep(2);
    return performance.now() - appended;
  };
  /** A session elsewhere that takes a transaction id and keeps its transaction open (or has it ended by the server). */
  const holdOpen = async (url: string, options: { timeoutMs?: number } = {}) => {
    const client = new pg.Client(url);
    client.on('error', () => undefined); // the server ends it in the timeout case
    await client.connect();
    if (options.timeoutMs) await client.query(`SET idle_in_transaction_session_timeout = ${options.timeoutMs}`);
    await client.query('BEGIN');
    await client.query('SELECT pg_current_xact_id()');
    const held = performance.now();
    return {
      heldMs: () => performance.now() - held,
      end: async () => {
        await client.query('COMMIT').catch(() => undefined);
        await client.end().catch(() => undefined);
      },
    };
  };
  const heldCase = async (url: string, options: { timeoutMs?: number } = {}) => {
    const other = await holdOpen(url, options);
    await sleep(100);
    const appendedAfterMs = other.heldMs();
    const measuring = probe();
    const ended = options.timeoutMs ? Promise.resolve() : sleep(p.holdMs).then(other.end);
    const lagMs = await measuring;
    await ended;
    if (options.timeoutMs) await other.end();
    return { lagMs: Math.round(lagMs), appendedAfterMs: Math.round(appendedAfterMs), otherOpenMs: options.timeoutMs ?? p.holdMs };
  };

  await probe(); // warm
  const alone: number[] = [];
  for (let i = 0; i < p.probes; i++) alone.push(await probe());
  const sameDatabase = await heldCase(db.url);
  const otherDatabase = await heldCase(server.adminUrl);
  const endedByTimeout = await heldCase(db.url, { timeoutMs: p.timeoutMs });
  record(
    'stall',
    { ...p, database: server.kind, postgres: await serverSettings(db.url) },
    { aloneLagMs: summarise(alone), sameDatabase, otherDatabase, endedByTimeout },
    [
      'lagMs: append answered → the booking history checkpoint at its position (the projection in this process, waking on the append). In the held cases another session took a transaction id (BEGIN; SELECT pg_current_xact_id()) 100 ms before the append and kept its transaction open for otherOpenMs.',
      "The projections are held back for as long as the other transaction stays open, whatever database it is in: the runner bounds nothing here. The bound is the server's: idle_in_transaction_session_timeout (and transaction_timeout on PostgreSQL 17+) for the roles that may open transactions.",
    ],
    loadBefore,
  );
} finally {
  stop.abort();
  await running?.catch(() => undefined);
  await store.close();
  await pool.end();
  await db.drop();
  await server.stop();
}
