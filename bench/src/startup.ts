/**
 * Start time and memory of each app: its TypeScript source under tsx (how every process ran before
 * the production build) against its bundle under plain node (how the image and `npm start` run it),
 * side by side in one run, alternating which goes first. Start time is from spawn to the first answer
 * of `/health`; memory is the resident set then and after a few idle seconds.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '@stayhub/platform-kit';
import { appEntries, type AppName, buildApps, entryFile } from '@stayhub/platform';
import { freePort } from '@stayhub/platform/testing';
import { params } from './shared/args.ts';
import { benchServer, freshDatabase, serverMemoryReader } from './shared/database.ts';
import { embeddedDataDir, postgresAnswers } from '@stayhub/event-sourcing';
import { memoryOf } from './shared/platform.ts';
import { record } from './shared/results.ts';

const p = params('bench:startup', {
  rounds: { default: 5, help: 'starts of each app per way of running it (0: none, only the launcher below)' },
  idle: { default: 3, help: 'seconds after ready before the idle memory is read' },
  launcherRounds: {
    default: 0,
    help: "`npm start`'s launcher (this checkout's `dist/startup/start.js`), started on new data folders (initdb) and again on the same ones, this many times each",
  },
  launcherOneServer: {
    default: false,
    help: "also this checkout's launcher with CHAT_DATABASE_URL naming the platform's database (one server, no second initdb), in turns: what the chat's own server costs the start",
  },
  launcherBefore: {
    default: '',
    help: "another checkout's built `dist` folder (e.g. main's, `npm run build` in a worktree of its own) whose launcher starts in turns with this one's",
  },
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

/**
 * `npm start`'s own start: spawn → every app it started answers `/health` with 200 (the query API
 * once the projectors made its tables), its databases its own embedded servers on new data folders
 * (`fresh`: initdb first) or on those of the start before (`again`). Then the memory of each server
 * (PSS of its processes) and the launcher's stop.
 */
type LauncherStart = { databasesMs: number; readyMs: number; stopMs: number; postgresMb: Record<string, number | null> };
const startLauncher = async (launcherFile: string, folder: string, oneServer: boolean): Promise<LauncherStart> => {
  const [pgPort, chatPgPort, command, query, payments, projectors, chat, web] = await Promise.all(Array.from({ length: 8 }, () => freePort()));
  let output = '';
  const began = performance.now();
  let databasesMs = 0;
  // its own embedded servers, whatever this shell names
  const { DATABASE_URL: _database, CHAT_DATABASE_URL: _chatDatabase, ...inherited } = process.env;
  const child = spawn(process.execPath, [launcherFile], {
    env: {
      ...inherited,
      EMBEDDED_PG_DIR: join(folder, 'postgres'),
      EMBEDDED_PG_PORT: String(pgPort),
      EMBEDDED_CHAT_PG_DIR: join(folder, 'postgres-chat'),
      EMBEDDED_CHAT_PG_PORT: String(chatPgPort),
      ...(oneServer ? { CHAT_DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${pgPort}/stayhub` } : {}),
      COMMAND_API_PORT: String(command),
      QUERY_API_PORT: String(query),
      PAYMENT_GATEWAY_PORT: String(payments),
      PROJECTORS_PORT: String(projectors),
      CHAT_PORT: String(chat),
      WEB_PORT: String(web),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const read = (chunk: Buffer) => {
    output += chunk.toString();
    // the launcher spawns its apps once its databases are up
    if (!databasesMs && output.includes('[start] command-api http://')) databasesMs = Math.round(performance.now() - began);
  };
  child.stdout?.on('data', read);
  child.stderr?.on('data', read);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (const port of [command, query, chat]) {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`the launcher exited before it was ready:\n${output}`);
        if (
          (await fetch(`http://127.0.0.1:${port}/health`).then(
            (r) => r.status,
            () => 0,
          )) === 200
        )
          break;
        await sleep(50);
      }
    }
    const readyMs = Math.round(performance.now() - began);
    await sleep(p.idle * 1000);
    const postgresMb: Record<string, number | null> = {};
    for (const [name, port] of [
      ['platform', pgPort],
      ['chat', chatPgPort],
    ] as const) {
      const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
      postgresMb[name] = (await postgresAnswers(url)) ? ((await serverMemoryReader(url))() ?? null) : null;
    }
    const stopping = performance.now();
    child.kill('SIGTERM');
    await exited;
    return { databasesMs, readyMs, stopMs: Math.round(performance.now() - stopping), postgresMb };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
};

if (p.launcherRounds > 0) {
  const launchers: Record<string, { file: string; oneServer: boolean }> = {
    after: { file: join(outDir, 'start.js'), oneServer: false },
    ...(p.launcherOneServer ? { 'after, one server': { file: join(outDir, 'start.js'), oneServer: true } } : {}),
    ...(p.launcherBefore ? { before: { file: join(p.launcherBefore, 'start.js'), oneServer: false } } : {}),
  };
  const starts: Record<string, { fresh: LauncherStart[]; again: LauncherStart[] }> = {};
  for (let round = 0; round < p.launcherRounds; round++) {
    const order = Object.keys(launchers);
    if (round % 2 === 1) order.reverse();
    for (const name of order) {
      const folder = mkdtempSync(join(tmpdir(), 'stayhub-bench-startup-'));
      try {
        const { file, oneServer } = launchers[name]!;
        const fresh = await startLauncher(file, folder, oneServer);
        const again = await startLauncher(file, folder, oneServer);
        starts[name] ??= { fresh: [], again: [] };
        starts[name].fresh.push(fresh);
        starts[name].again.push(again);
        console.log(`launcher ${name}, round ${round + 1}: new folders ${JSON.stringify(fresh)}; again ${JSON.stringify(again)}`);
      } finally {
        for (const dir of ['postgres', 'postgres-chat']) rmSync(embeddedDataDir(join(folder, dir)), { recursive: true, force: true });
        rmSync(folder, { recursive: true, force: true });
      }
    }
  }
  const of = (samples: LauncherStart[]) => ({
    databasesMsMedian: median(samples.map((s) => s.databasesMs)),
    readyMsMedian: median(samples.map((s) => s.readyMs)),
    stopMsMedian: median(samples.map((s) => s.stopMs)),
    postgresMbMedian: Object.fromEntries(
      Object.keys(samples[0]!.postgresMb).map((name) => {
        const values = samples.flatMap((s) => (s.postgresMb[name] === null ? [] : [s.postgresMb[name]!]));
        return [name, values.length ? median(values) : null];
      }),
    ),
    samples,
  });
  record(
    'startup',
    { ...p, part: 'launcher' },
    Object.fromEntries(Object.entries(starts).map(([name, { fresh, again }]) => [name, { newFolders: of(fresh), again: of(again) }])),
    [
      `npm start's launcher (its bundle under node, as npm start runs it), ${p.launcherRounds} rounds, the launchers in turns: on new data folders (initdb), then again on the same ones; medians`,
      'databasesMs: spawn → the launcher starts its apps (its embedded servers up, their databases made); readyMs: → command-api, query-api and chat answer /health with 200',
      'postgresMb: PSS of each embedded server’s processes summed, idle after ready (chat: null when the launcher runs no server for the chat)',
      ...(p.launcherOneServer ? ["after, one server: this launcher with CHAT_DATABASE_URL naming the platform's database (no server for the chat)"] : []),
      ...(p.launcherBefore ? [`before: the launcher built in ${p.launcherBefore}`] : []),
    ],
    loadBefore,
  );
}

if (p.rounds > 0) {
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
          console.log(
            `${app.name} from ${way}, round ${round + 1}: ready in ${sample.readyMs} ms, ${sample.rssAtReadyMb} MB then, ${sample.rssIdleMb} MB idle`,
          );
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
}
