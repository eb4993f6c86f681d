import { parseArgs } from 'node:util';
import { WorkflowRunner, operatorConnection } from '@stayhub/event-sourcing';
import { loadConfig } from '@stayhub/platform-kit';
import { composeCommandSide } from '../compose.ts';

const usage = `Usage: npm run workflows -- <command>

  status                    each workflow's subscription: position, lag, parked events, last error, stuck or not
  parked [workflow]         the events a workflow (or every workflow) could not react to and parked
  retry-parked <workflow>   react to a workflow's parked events again (after a fix); each that succeeds is unparked

Database: DATABASE_URL, or the embedded PostgreSQL that \`npm start\` uses.`;

const print = (line: string) => console.log(line);

const main = async (argv: string[]): Promise<number> => {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h', default: false } } });
  const [command, name] = positionals;
  if (values.help || !command) {
    print(usage);
    return command || values.help ? 0 : 1;
  }
  const config = loadConfig();
  const connection = await operatorConnection(config);
  const side = await composeCommandSide({ databaseUrl: connection.url, config });
  try {
    switch (command) {
      case 'status': {
        const health = await WorkflowRunner.health(side.deps.pool, new Date(), { eventStore: side.deps.eventStore });
        print(`tasks: ${health.pending} pending, ${health.overdue} overdue, ${health.parked} parked`);
        for (const s of health.subscriptions) {
          print(
            `${s.workflow}: position ${s.position || '-'}, lag ${s.lag ?? '?'}, ${s.parked} parked${s.stuck ? ', STUCK' : ''}${s.lastError ? `, last error: ${s.lastError}` : ''}`,
          );
        }
        return health.subscriptions.some((s) => s.stuck) ? 2 : 0;
      }
      case 'parked': {
        const parked = await WorkflowRunner.listParked(side.deps.pool, name);
        if (parked.length === 0) print('(none)');
        for (const p of parked) print(`${p.workflow}  ${p.position}  ${p.eventId}  ${p.type}  ${p.streamId}  ${p.parkedAt}  ${p.error.slice(0, 160)}`);
        return 0;
      }
      case 'retry-parked': {
        if (!name || !side.workflows.workflowNames.includes(name)) throw new Error(`Name a workflow: ${side.workflows.workflowNames.join(', ')}`);
        const result = await side.workflows.retryParked(name);
        print(`${result.retried.length} reacted to and unparked, ${result.failed.length} still failing`);
        for (const f of result.failed) print(`  ${f.eventId}: ${f.error}`);
        return result.failed.length > 0 ? 1 : 0;
      }
      default:
        print(usage);
        return 1;
    }
  } finally {
    await side.close();
    await connection.pool.end();
    await connection.stop();
  }
};

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
