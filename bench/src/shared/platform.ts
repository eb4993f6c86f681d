import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { benchProcess } from './built.ts';

export type Memory = { rssMb: number; peakRssMb: number };

/** Resident and peak resident memory of a process (Linux `/proc/<pid>/status`: VmRSS, VmHWM). */
export const memoryOf = (pid: number): Memory => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakRssMb: Math.round(kb('VmHWM') / 1024) };
};

/** CPU seconds (user + system) a process has used so far (Linux `/proc/<pid>/stat`, in clock ticks of 1/100 s). */
export const cpuSecondsOf = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

/**
 * Time a process's main thread (for Node, its event loop) has run on a CPU and has waited, runnable,
 * for one so far (Linux `/proc/<pid>/schedstat`, ns → s). On a busy machine the wait says how much of
 * a latency is the scheduler's rather than the program's; `slices`: how many times it got a CPU.
 */
export const schedOf = (pid: number): { runSeconds: number; waitSeconds: number; slices: number } => {
  const [run, wait, slices] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
  return { runSeconds: run! / 1e9, waitSeconds: wait! / 1e9, slices: slices! };
};

/** Resets the kernel's peak (VmHWM) to the current RSS, so that the next peak is the work's own; false where not allowed. */
export const resetPeak = (pid: number): boolean => {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
};

export type Platform = {
  commandUrl: string;
  queryUrl: string;
  pid: number;
  memory: () => Memory;
  resetPeak: () => boolean;
  /** Starts a CPU profile of the platform process; the returned function stops it and writes it to `file`. */
  profile: () => Promise<(file: string) => Promise<void>>;
  stop: () => Promise<void>;
};

const reply = (child: ChildProcess, message: object, answer: string): Promise<void> =>
  new Promise((resolve) => {
    const listener = (m: unknown) => {
      if (typeof m === 'object' && m !== null && answer in m) {
        child.off('message', listener);
        resolve();
      }
    };
    child.on('message', listener);
    child.send(message);
  });

/** Starts the all-in-one platform process (`server.ts`) on a database and waits until it listens. */
export const startPlatform = async (databaseUrl: string, options: { projectors?: boolean; env?: Record<string, string> } = {}): Promise<Platform> => {
  const { file, execArgv } = await benchProcess('platform');
  const child: ChildProcess = fork(file, [], {
    execArgv,
    env: { ...process.env, ...options.env, DATABASE_URL: databaseUrl, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', BENCH_PROJECTORS: options.projectors === false ? 'off' : 'on' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ commandUrl: string; queryUrl: string }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { commandUrl: string; queryUrl: string }));
    child.once('exit', (code) => reject(new Error(`the platform process exited (${code}) before it was ready`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    ...ready,
    pid: child.pid!,
    memory: () => memoryOf(child.pid!),
    resetPeak: () => resetPeak(child.pid!),
    profile: async () => {
      await reply(child, { profile: 'start' }, 'profiling');
      return (file) => reply(child, { profile: 'stop', file }, 'profiled');
    },
    async stop() {
      child.send({ stop: true });
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
};

/** Samples a process's memory every `everyMs` until stopped; the peak is also the kernel's VmHWM. */
export const memorySampler = (memory: () => Memory, everyMs = 250) => {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, memory().rssMb);
    } catch {
      // the process is gone
    }
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
};
