import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '../../results');

const gitCommit = (): string => {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit}+uncommitted` : commit;
  } catch {
    return 'unknown';
  }
};

/** Where and when a run happened; the load average says how busy the machine was with other work. */
const machine = () => ({
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  freeMemoryGb: Math.round((freemem() / 2 ** 30) * 10) / 10,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
});

export type Run = {
  date: string;
  commit: string;
  machine: ReturnType<typeof machine>;
  params: Record<string, unknown>;
  figures: Record<string, unknown>;
  notes?: string[];
};

/** Appends one run to `bench/results/<name>.json` (an array of runs, oldest first) and prints it. */
export const record = (name: string, params: Record<string, unknown>, figures: Record<string, unknown>, notes: string[] = [], loadBefore?: number[]): Run => {
  const run: Run = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine: { ...machine(), ...(loadBefore ? { loadavgAtStart: loadBefore } : {}) },
    params,
    figures,
    ...(notes.length > 0 ? { notes } : {}),
  };
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.json`);
  const runs: Run[] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
  runs.push(run);
  writeFileSync(file, `${JSON.stringify(runs, null, 2)}\n`);
  console.log(JSON.stringify({ [name]: figures }, null, 2));
  console.log(`appended to ${file}`);
  return run;
};
