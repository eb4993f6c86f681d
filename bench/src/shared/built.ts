import { join } from 'node:path';
import { projectRoot } from '@stayhub/platform-kit';
import { appEntries, buildApps, entryFile } from '@stayhub/platform';

/** The benchmarks' own server processes, bundled like the apps. */
const benchEntries = {
  platform: 'bench/src/shared/server.ts',
  peer: 'bench/src/peer/server.ts',
  'append-worker': 'bench/src/append/worker.ts',
  chat: appEntries.chat,
  'query-api': appEntries['query-api'],
} as const;

export type BenchProcess = keyof typeof benchEntries;

let built: Promise<string> | undefined;

/**
 * How to run one of the benchmark's processes: the benchmarks measure what production runs, so each
 * is the bundle of its source, built fresh once per benchmark run into `dist/bench/` and run by plain
 * `node`; `BENCH_FROM_SOURCE=1` runs the TypeScript source under tsx instead (for comparisons).
 */
export const benchProcess = async (name: BenchProcess): Promise<{ file: string; execArgv: string[] }> => {
  if (process.env.BENCH_FROM_SOURCE === '1') return { file: entryFile(projectRoot, benchEntries[name]), execArgv: ['--import', 'tsx'] };
  built ??= buildApps(projectRoot, join(projectRoot, 'dist/bench'), benchEntries).then(({ outDir }) => outDir);
  return { file: join(await built, `${name}.js`), execArgv: [] };
};
