/**
 * Figure 5: replay rate — events per second rebuilding the search, availability and booking
 * history read models from a generated history (1 million events in the full run).
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createPool, PostgresEventStore } from '@stayhub/infra';
import { pgProjections } from '@stayhub/projectors';
import { pgRebuildAdapter } from '@stayhub/projectors/replay/pg-target';
import { lineProgress } from '@stayhub/projectors/replay/progress';
import { rebuild } from '@stayhub/projectors/replay/replay';
import { pgEventSource } from '@stayhub/projectors/replay/sources';
import { params } from './shared/args.ts';
import { benchServer, freshDatabase, serverSettings } from './shared/database.ts';
import { bookingHistory, bulkInsert } from './shared/history.ts';
import { memorySampler, memoryOf } from './shared/platform.ts';
import { record } from './shared/results.ts';

const p = params('bench:replay', {
  events: { default: 200_000, help: 'events in the generated history' },
  projections: { default: 'listings,availability,booking_history,products,order_history,carts', help: 'read models rebuilt in one pass' },
  batch: { default: 10_000, help: 'events per batch' },
  seed: { default: 11, help: 'history seed' },
});

const loadBefore = loadavg();
const server = await benchServer();
const db = await freshDatabase(server.adminUrl, 'replay');
const pool = createPool(db.url, 8);
const store = await PostgresEventStore.create(pool);
try {
  let started = performance.now();
  let last = started;
  const written = await bulkInsert(pool, bookingHistory({ events: p.events, seed: p.seed }), {
    onProgress: (done) => {
      if (performance.now() - last > 10_000) {
        last = performance.now();
        console.log(`generating: ${done}/${p.events} events`);
      }
    },
  });
  const generateSeconds = (performance.now() - started) / 1000;
  await pool.query('ANALYZE es_events');
  const { rows: types } = await pool.query<{ type: string; n: number }>('SELECT type, count(*)::int AS n FROM es_events GROUP BY type ORDER BY n DESC');
  const { rows: disorder } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT stream_revision - lag(stream_revision) OVER (PARTITION BY stream_id ORDER BY transaction_id, global_position) AS step FROM es_events) x WHERE step <> 1`,
  );
  if (disorder[0]!.n !== 0) throw new Error(`${disorder[0]!.n} events out of stream order`);
  console.log(`${written} events written in ${generateSeconds.toFixed(0)} s; rebuilding ${p.projections}…`);

  const names = p.projections.split(',');
  const sampler = memorySampler(() => memoryOf(process.pid));
  started = performance.now();
  const outcome = await rebuild(
    {
      pool,
      events: pgEventSource(pool, store),
      adapter: pgRebuildAdapter(pool, pgProjections),
      print: (line) => console.log(line),
      progress: (label) => lineProgress(label, (line) => console.log(line), { everyEvents: 100_000, everyMs: 15_000 }),
    },
    { names, batchSize: p.batch },
  );
  const seconds = (performance.now() - started) / 1000;
  const rows: Record<string, number> = {};
  for (const target of outcome.targets) {
    rows[target.target] = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${target.target}`)).rows[0]!.n;
  }
  record(
    'replay',
    { ...p, database: server.kind, postgres: await serverSettings(db.url) },
    {
      events: outcome.events,
      seconds: Math.round(seconds * 10) / 10,
      eventsPerSecond: Math.round(outcome.events / seconds),
      projections: names,
      rowsBuilt: rows,
      eventTypes: Object.fromEntries(types.map((t) => [t.type, t.n])),
      generateSeconds: Math.round(generateSeconds),
      replayProcessMemory: { peakRssMbSampled: sampler.stop(), ...memoryOf(process.pid) },
    },
    [
      'One pass over the events: each batch is applied to every rebuilt target at once, each in its own transaction with its checkpoint (as `npm run replay -- rebuild` does).',
      'The history is decided by the listing, calendar and booking deciders and written straight into es_events in chunks (not through es_append), to generate it fast.',
    ],
    loadBefore,
  );
} finally {
  await store.close();
  await pool.end();
  await db.drop();
  await server.stop();
}
