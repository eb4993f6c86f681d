/**
 * The replay benchmark's rebuild in its own process, as `npm run replay -- rebuild` runs it: its
 * memory and CPU are the replay's alone (not the history generator's). Prints one JSON line.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createPool, PostgresEventStore } from '@stayhub/event-sourcing';
import { pgProjections, pgRebuildAdapter, rebuild, pgEventSource, lineProgress } from '@stayhub/projectors';

const { values } = parseArgs({ options: { url: { type: 'string' }, projections: { type: 'string' }, batch: { type: 'string' } } });
const pool = createPool(values.url!, 8);
const store = await PostgresEventStore.create(pool);
const log = (line: string) => console.error(line);
// `all`: every PostgreSQL read model the platform runs, as `npm run replay -- rebuild all` rebuilds them.
const names = values.projections === 'all' ? pgProjections.map((p) => p.name) : values.projections!.split(',');
try {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const outcome = await rebuild(
    {
      pool,
      events: pgEventSource(pool),
      adapter: pgRebuildAdapter(pool, pgProjections),
      print: log,
      progress: (label) => lineProgress(label, log, { everyEvents: 1_000_000, everyMs: 30_000 }),
    },
    { names, batchSize: Number(values.batch) },
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({
      events: outcome.events,
      projections: names,
      seconds,
      targets: outcome.targets.map((t) => t.target),
      cpuSeconds: (used.user + used.system) / 1e6,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
} finally {
  await store.close();
  await pool.end();
}
