/**
 * Start time and memory of each app: its TypeScript source under tsx (how every process ran before
 * the production build) against its bundle under plain node (how the image and `npm start` run it),
 * side by side in one run, alternating which goes first. Start time is from spawn to the first answer
 * of `/health`; memory is the resident set then and after a few idle seconds.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '@stayhub/platform-kit';
import { appEntries, type AppName, buildApps, entryFile } from '@stayhub/platform';
import { freePort } from '@stayhub/platform/testing';
import { params } from './shared/args.ts';
import { benchServer, freshDatabase } from './shared/database.ts';
import { memoryOf } from './shared/platform.ts';
import { record } from './shared/results.ts';

const p = params('bench:startup', {
  rounds: { default: 5, help: 'starts of each app per way of running it' },
  idle: { default: 3, help: 'seconds after ready before the idle memory is read' },
});

const apps: { name: AppName; portVariable: string }[] = [
  { name: 'command-api', portVariable: 'COMMAND_API_PORT' },
  { name: 'query-api', portVariable: 'QUERY_API_PORT' },
  { name: 'projectors', portVariable: 'PROJECTORS_PORT' },
  { name: 'chat', portVariable: 'CHAT_PORT' },
  { name: 'payments', portVariable: 'PAYMENT_GATEWAY_PORT' },
];
type Way = 'source' | 'build';
type Sample = { readyMs: number; rssAtReadyMb: number; rssIdleMb: number };

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : Math.round(((sorted[middle - 1]! + sorted[middle]!) / 2) * 10) / 10;
};

const loadBefore = loadavg();
const { outDir } = await buildApps(projectRoot, join(projectRoot, 'dist/startup'));
const server = await benchServer();
const db = await freshDatabase(server.adminUrl, 'startup');

const startOnce = async (app: (typeof apps)[number], way: Way): Promise<Sample> => {
  const port = await freePort();
  const argv = way === 'build' ? [join(outDir, `${app.name}.js`)] : ['--import', 'tsx', entryFile(projectRoot, appEntries[app.name])];
  const began = performance.now();
  const child = spawn(process.execPath, argv, {
    env: { ...process.env, DATABASE_URL: db.url, [app.portVariable]: String(port), LOG_LEVEL: 'warn', PAYMENTS: 'simulated' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${app.name} (${way}) exited before it was ready`);
      // Serving: any answer counts (the query API says 503 until the projectors have made their tables).
      if (
        await fetch(`http://127.0.0.1:${port}/health`).then(
          () => true,
          () => false,
        )
      )
        break;
      await sleep(20);
    }
    const readyMs = Math.round(performance.now() - began);
    const rssAtReadyMb = memoryOf(child.pid!).rssMb;
    await sleep(p.idle * 1000);
    return { readyMs, rssAtReadyMb, rssIdleMb: memoryOf(child.pid!).rssMb };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
};

try {
  const samples: Record<string, Record<Way, Sample[]>> = {};
  for (let round = 0; round < p.rounds; round++) {
    for (const app of apps) {
      for (const way of (round % 2 === 0 ? ['source', 'build'] : ['build', 'source']) as Way[]) {
        const sample = await startOnce(app, way);
        const ways = samples[app.name] ?? { source: [], build: [] };
        samples[app.name] = ways;
        ways[way].push(sample);
        console.log(`${app.name} from ${way}, round ${round + 1}: ready in ${sample.readyMs} ms, ${sample.rssAtReadyMb} MB then, ${sample.rssIdleMb} MB idle`);
      }
    }
  }
  const figures = Object.fromEntries(
    Object.entries(samples).map(([name, ways]) => {
      const of = (way: Way) => ({
        readyMsMedian: median(ways[way].map((s) => s.readyMs)),
        rssAtReadyMbMedian: median(ways[way].map((s) => s.rssAtReadyMb)),
        rssIdleMbMedian: median(ways[way].map((s) => s.rssIdleMb)),
      });
      const source = of('source');
      const build = of('build');
      return [
        name,
        {
          source,
          build,
          readyRatioBuildToSource: Math.round((build.readyMsMedian / source.readyMsMedian) * 100) / 100,
          rssIdleRatioBuildToSource: Math.round((build.rssIdleMbMedian / source.rssIdleMbMedian) * 100) / 100,
        },
      ];
    }),
  );
  record(
    'startup',
    p,
    figures,
    [`${p.rounds} starts per app and way, alternating which goes first; medians; one PostgreSQL database shared by all starts`],
    loadBefore,
  );
} finally {
  await db.drop();
  await server.stop();
}
