import { parseArgs } from 'node:util';
import { type Pool, operatorConnection } from '@stayhub/event-sourcing';
import { loadConfig, type Config } from '@stayhub/platform-kit';
import { connectAvailabilityStore, readStoreClientsFromConfig, listingSearchElasticsearch, productSearchElasticsearch } from '@stayhub/read-models';
import { withAvailabilityStore } from './availability-store.ts';
import { withSearchIndexes } from './search-index-target.ts';
import { pgProjections, projectionNamed } from '../projections.ts';
import { listParked, retryParked } from './parked.ts';
import { pgRebuildAdapter } from './pg-target.ts';
import { barProgress, lineProgress } from './progress.ts';
import { listProjections, rebuild, REPLAY_BATCH } from './replay.ts';
import { pgEventSource } from './sources.ts';

const usage = `Usage: npm run replay -- <command>

  list                              projections: live target, position, lag, parked events, rebuild under way
  rebuild <name|all> [options]      rebuild into a fresh target <name>_r<n> beside the live one
      --from <position>             start after this global position (default: the beginning)
      --swap                        when caught up, switch readers to the rebuilt target and drop the old one
      --verify                      compare the rebuilt target with the live one, row by row, and print differences
      --dry-run                     print what would be done, write nothing
      --restart                     drop an unfinished rebuild of <name> and start a fresh one
      --batch <n>                   events per batch (default 10000)
  parked <name>                     list the events a projection parked
  retry-parked <name>               apply parked events again (after a fix); each one that succeeds is removed

Projections: ${pgProjections.map((p) => p.name).join(', ')}. Ctrl-C stops a rebuild after the batch in hand; rerun to resume.
Database: DATABASE_URL, or the embedded PostgreSQL that \`npm start\` uses. With AVAILABILITY=redis, availability is rebuilt under a new Redis key prefix;
with SEARCH=elasticsearch, listings and products into new indexes that their aliases swap to.`;

const connect = async (config: Config): Promise<{ pool: Pool; stop: () => Promise<void> }> => {
  if (config.EVENT_STORE !== 'postgres') throw new Error('The replay tool reads the PostgreSQL event store; EVENT_STORE=esdb is not supported yet');
  return operatorConnection(config);
};

const print = (line: string) => console.log(line);

const table = (rows: Record<string, unknown>[]): string => {
  if (rows.length === 0) return '(none)';
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((row) => columns.map((c) => String(row[c] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns), ...cells.map(line)].join('\n');
};

const projectionOrExit = (name: string | undefined) => {
  const projection = name ? projectionNamed(name) : undefined;
  if (!projection) throw new Error(`Name a projection: ${pgProjections.map((p) => p.name).join(', ')}`);
  return projection;
};

const main = async (argv: string[]): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      swap: { type: 'boolean', default: false },
      verify: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      restart: { type: 'boolean', default: false },
      batch: { type: 'string', default: String(REPLAY_BATCH) },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, name] = positionals;
  if (values.help || !command) {
    print(usage);
    return command || values.help ? 0 : 1;
  }
  const batchSize = Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('--batch must be a positive integer');

  const config = loadConfig();
  const { pool, stop } = await connect(config);
  try {
    switch (command) {
      case 'list': {
        const rows = await listProjections(
          pool,
          pgProjections.map((p) => p.name),
          pgEventSource(pool),
        );
        print(
          table(
            rows.map((r) => ({
              projection: r.name,
              target: r.target,
              position: r.position || '-',
              lag: r.lag,
              parked: r.parked,
              rebuilding: r.rebuilding ?? '',
            })),
          ),
        );
        return 0;
      }
      case 'rebuild': {
        if (!name) throw new Error('rebuild needs a projection name or `all`');
        const names = name === 'all' ? pgProjections.map((p) => p.name) : [projectionOrExit(name).name];
        const stopping = new AbortController();
        process.on('SIGINT', () => {
          if (stopping.signal.aborted) process.exit(130);
          console.error('\nstopping after the batch in hand (Ctrl-C again to quit at once)');
          stopping.abort();
        });
        const log = (message: string, context?: Record<string, unknown>) => console.error(message, context ?? '');
        const availability = await connectAvailabilityStore(config);
        // SEARCH=elasticsearch: listing and product search are rebuilt as new indexes behind their aliases.
        const stores = readStoreClientsFromConfig(config);
        const search = stores.elasticsearch && {
          client: stores.elasticsearch,
          projections: [
            listingSearchElasticsearch(stores.elasticsearch, stores.listingsAlias),
            productSearchElasticsearch(stores.elasticsearch, stores.productsAlias),
          ],
        };
        const outcome = await rebuild(
          {
            pool,
            events: pgEventSource(pool),
            adapter: withSearchIndexes(withAvailabilityStore(pgRebuildAdapter(pool, pgProjections, log), pool, availability, log), pool, search, log),
            print,
            progress: (label) => (process.stdout.isTTY ? barProgress(label) : lineProgress(label, print)),
          },
          {
            names,
            batchSize,
            swap: values.swap,
            verify: values.verify,
            dryRun: values['dry-run'],
            restart: values.restart,
            signal: stopping.signal,
            ...(values.from !== undefined ? { from: values.from } : {}),
          },
        );
        await availability?.close();
        await stores.close();
        if (outcome.status === 'interrupted') print(`resume with: npm run replay -- ${argv.filter((a) => a !== '--restart').join(' ')}`);
        const differing = Object.values(outcome.comparisons).some((c) => c.tables.some((t) => t.differences > 0));
        return outcome.status === 'interrupted' ? 130 : differing ? 2 : 0;
      }
      case 'parked': {
        const parked = await listParked(pool, projectionOrExit(name).name);
        print(
          table(
            parked.map((p) => ({ position: p.position, event: p.eventId, type: p.type, stream: p.streamId, parked: p.parkedAt, error: p.error.slice(0, 120) })),
          ),
        );
        return 0;
      }
      case 'retry-parked': {
        const result = await retryParked(pool, projectionOrExit(name));
        print(`${result.retried.length} applied and unparked, ${result.failed.length} still failing`);
        for (const f of result.failed) print(`  ${f.eventId}: ${f.error}`);
        return result.failed.length > 0 ? 1 : 0;
      }
      default:
        print(usage);
        return 1;
    }
  } finally {
    await pool.end();
    await stop();
  }
};

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
