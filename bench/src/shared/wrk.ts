import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './load.ts';

/** Whether `wrk` (the C load generator: ~0.02–0.05 ms of CPU a request, against ~0.5–0.7 ms for Node's fetch) is on PATH. */
export const wrkOnPath = (): boolean => spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;

const SCRIPT = fileURLToPath(new URL('./wrk-paths.lua', import.meta.url));
const TICKS_PER_SECOND = 100;

type WrkOutput = {
  requests: number;
  durationUs: number;
  statuses: Record<string, number>;
  latencyUs: { mean: number; p50: number; p90: number; p99: number; max: number };
};

/** A set of GET paths written once for wrk to draw from, in order (the same paths the Node generator would draw). */
export const wrkPaths = (paths: readonly string[]) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  const file = join(dir, 'paths.txt');
  writeFileSync(file, `${paths.join('\n')}\n`);
  return { file, count: paths.length, remove: () => rmSync(dir, { recursive: true, force: true }) };
};

/**
 * A closed-loop load by wrk: `concurrency` keep-alive connections on `threads` threads, each asking
 * the paths of `paths` in turn from line `from` on, for `durationMs`. Returns the load's result as
 * `runLoad` does (latency from wrk's histogram, statuses counted by the script, network errors as 0)
 * and the CPU wrk itself used a request.
 */
export const runWrk = async (options: {
  base: string;
  paths: { file: string };
  from: number;
  concurrency: number;
  durationMs: number;
  threads?: number;
}): Promise<LoadResult & { clientCpuMs: number }> => {
  const threads = Math.min(options.threads ?? 1, options.concurrency);
  const args = [
    ...['-t', String(threads), '-c', String(options.concurrency), '-d', `${Math.max(1, Math.round(options.durationMs / 1000))}s`],
    ...['--timeout', '10s', '-s', SCRIPT, options.base, '--', options.paths.file, String(options.from), String(threads)],
  ];
  // wrk's CPU: the shell's children's user + system ticks once it has waited for wrk (/proc fields 16 and 17).
  const shell = `wrk "$@"; echo "WRK-CPU $(cut -d' ' -f16,17 /proc/$$/stat)"`;
  const child = spawn('sh', ['-c', shell, 'wrk', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const result = /^WRK-RESULT (.*)$/m.exec(stdout)?.[1];
  const cpu = /^WRK-CPU (\d+) (\d+)$/m.exec(stdout);
  if (code !== 0 || !result || !cpu) throw new Error(`wrk failed (exit ${code}): ${stdout}`);
  const out = JSON.parse(result) as WrkOutput;
  const ms = (us: number) => Math.round(us / 10) / 100;
  const succeeded = Object.entries(out.statuses).reduce((sum, [status, n]) => (Number(status) >= 200 && Number(status) < 300 ? sum + n : sum), 0);
  const seconds = out.durationUs / 1e6;
  return {
    concurrency: options.concurrency,
    requests: out.requests,
    succeeded,
    statuses: out.statuses,
    seconds: Math.round(seconds * 1000) / 1000,
    throughput: Math.round((succeeded / seconds) * 10) / 10,
    latencyMs: {
      count: out.requests,
      mean: ms(out.latencyUs.mean),
      p50: ms(out.latencyUs.p50),
      p90: ms(out.latencyUs.p90),
      p99: ms(out.latencyUs.p99),
      max: ms(out.latencyUs.max),
    },
    clientCpuMs: Math.round((((Number(cpu[1]) + Number(cpu[2])) / TICKS_PER_SECOND) * 1000 * 100) / Math.max(1, out.requests)) / 100,
  };
};
