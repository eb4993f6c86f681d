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
  const { user, system } = cpuSplitOf(pid);
  return user + system;
};

/** CPU seconds a process has used so far in user space and in the kernel (system calls: sockets, scheduling). */
export const cpuSplitOf = (pid: number): { user: number; system: number } => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
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
const resetPeak = (pid: number): boolean => {
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
  /** The process that serves the command API (the one profiled). */
  pid: number;
  /** Every platform process, the command API's first. */
  pids: number[];
  /** Summed over the platform's processes. */
  memory: () => Memory;
  resetPeak: () => boolean;
  /**
   * Starts a CPU profile of the command API's process (or of the process running `part`); the
   * returned function stops it and writes it to `file`.
   */
  profile: (part?: Part) => Promise<(file: string) => Promise<void>>;
  /** Whether `part` runs in a process of its own, apart from the command API's. */
  apart: (part: Part) => boolean;
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

export type Part = 'commands' | 'workflows' | 'projectors' | 'query';
/**
 * How the platform's parts are spread over processes: `one` process for all; `npm-start` (the
 * command API with the workflows, the projectors and the query API in another); `apart` as `npm
 * start` really runs them (the command API with the workflows, the projectors, the query API: each
 * its own process); `workflows-apart` (the command API alone, the rest in another, as
 * `WORKFLOWS_IN=own-process`).
 */
export const layouts = {
  one: [['commands', 'workflows', 'projectors', 'query']],
  'npm-start': [
    ['commands', 'workflows'],
    ['projectors', 'query'],
  ],
  apart: [['commands', 'workflows'], ['projectors'], ['query']],
  'workflows-apart': [['commands'], ['workflows', 'projectors', 'query']],
} satisfies Record<string, Part[][]>;
export type Layout = keyof typeof layouts;

/**
 * `--projectorsSession` and `--querySession`, for the benches that start the projectors or the query
 * API in a process of its own (`--layout apart`): `own` a session, so a scheduling group, of its own,
 * as `npm start` runs them; `shared` the benchmark's session, as before.
 */
export const sessionOptions = {
  projectorsSession: {
    default: 'own',
    help: "where a process of its own runs the projectors: own (a session, i.e. a scheduling group, of its own, as npm start runs it from 2 Dec) or shared (the benchmark's session, as before)",
  },
  querySession: {
    default: 'own',
    help: "where a process of its own runs the query API: own (a scheduling group of its own, as npm start runs it from 2 Dec 17:00) or shared (the benchmark's session, with the command API, as before)",
  },
};
export const sessionsOf = (p: { projectorsSession: string; querySession: string }): { projectorsSession: 'own' | 'shared'; querySession: 'own' | 'shared' } => {
  for (const [flag, value] of Object.entries(p)) if (value !== 'own' && value !== 'shared') throw new Error(`--${flag} is own or shared`);
  return p as { projectorsSession: 'own' | 'shared'; querySession: 'own' | 'shared' };
};

type Started = { child: ChildProcess; parts: Part[]; commandUrl?: string; queryUrl?: string; exited: Promise<void> };

type StartOptions = {
  projectors?: boolean;
  env?: Record<string, string>;
  /** Another build of the platform's bundle (a comparison with other code). */
  bundle?: string;
  /**
   * Where a process of its own runs the projectors: `own` in a session of its own, as `npm start`
   * starts it (so a scheduling group of its own where the kernel groups CPU time by session),
   * `shared` in the benchmark's session with the other platform processes (as before 2 Dec 13:00).
   */
  projectorsSession?: 'own' | 'shared';
  /** The same for a process of its own running the query API (`own`: as `npm start` starts it from 2 Dec 17:00; unset: the benchmark's session). */
  querySession?: 'own' | 'shared';
};

const forkParts = async (parts: Part[], databaseUrl: string, options: StartOptions): Promise<Started> => {
  const { file, execArgv } = options.bundle ? { file: options.bundle, execArgv: [] } : await benchProcess('platform');
  // Only the process running the projectors records their batches (another would overwrite the file with none).
  const { BENCH_STAGES_FILE: stagesFile, ...env } = options.env ?? {};
  const child: ChildProcess = fork(file, [], {
    execArgv,
    env: {
      ...process.env,
      ...env,
      ...(stagesFile && parts.includes('projectors') ? { BENCH_STAGES_FILE: stagesFile } : {}),
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      BENCH_PROJECTORS: options.projectors === false ? 'off' : (process.env.BENCH_PROJECTORS ?? 'on'),
      BENCH_PARTS: parts.join(','),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached:
      !parts.includes('commands') &&
      ((options.projectorsSession === 'own' && parts.includes('projectors')) || (options.querySession === 'own' && parts.includes('query'))),
  });
  const ready = await new Promise<{ commandUrl?: string; queryUrl?: string }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { commandUrl?: string; queryUrl?: string }));
    child.once('exit', (code) => reject(new Error(`the platform process (${parts.join(', ')}) exited (${code}) before it was ready`)));
  });
  return { child, parts, ...ready, exited: new Promise<void>((resolve) => child.once('exit', () => resolve())) };
};

/** Starts the platform on a database, in one process or as `layout` spreads it, and waits until it listens. */
export const startPlatform = async (databaseUrl: string, options: StartOptions & { layout?: Layout } = {}): Promise<Platform> => {
  const started = await Promise.all(layouts[options.layout ?? 'one'].map((parts) => forkParts(parts, databaseUrl, options)));
  const commands = started.find((s) => s.commandUrl)!;
  const pids = [commands, ...started.filter((s) => s !== commands)].map((s) => s.child.pid!);
  return {
    commandUrl: commands.commandUrl!,
    queryUrl: started.find((s) => s.queryUrl)!.queryUrl!,
    pid: commands.child.pid!,
    pids,
    memory: () => pids.map(memoryOf).reduce((sum, m) => ({ rssMb: sum.rssMb + m.rssMb, peakRssMb: sum.peakRssMb + m.peakRssMb })),
    resetPeak: () => pids.map(resetPeak).every(Boolean),
    profile: async (part) => {
      const { child } = (part && started.find((s) => s.parts.includes(part))) || commands;
      await reply(child, { profile: 'start' }, 'profiling');
      return (file) => reply(child, { profile: 'stop', file }, 'profiled');
    },
    apart: (part) => started.some((s) => s !== commands && s.parts.includes(part)),
    async stop() {
      await Promise.all(
        started.map(async ({ child, exited }) => {
          child.send({ stop: true });
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(timer);
        }),
      );
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
