import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The threads of a process on Linux (a niceness belongs to a thread there); elsewhere the process itself. */
const threadsOf = (pid: number | 'self'): number[] => {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [pid === 'self' ? 0 : pid];
  }
};

/** Lowers every thread of a process to `nice`, never raising one; whether any thread changed. */
const lowerThreads = (pid: number | 'self', nice: number): boolean => {
  let lowered = false;
  for (const thread of threadsOf(pid)) {
    try {
      if (getPriority(thread) < nice) {
        setPriority(thread, nice);
        lowered = true;
      }
    } catch {
      // the thread has ended meanwhile
    }
  }
  return lowered;
};

/**
 * Lowers this process's CPU priority to `nice` (never raises it). On Linux a niceness belongs to a
 * thread, so every thread running now is reniced (the event loop, V8's and libuv's workers); threads
 * started later inherit it from the thread that starts them. Elsewhere only the calling thread is.
 * Returns the event loop thread's niceness afterwards.
 */
export const lowerPriority = (nice: number): number => {
  lowerThreads('self', nice);
  return getPriority();
};

/** The processes a process has started, from the kernel's per-thread lists (`CONFIG_PROC_CHILDREN`); undefined where they are missing. */
const childrenOf = (pid: number): number[] | undefined => {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return []; // exited meanwhile
  }
  const children: number[] = [];
  for (const thread of threads) {
    let list: string;
    try {
      list = readFileSync(`/proc/${pid}/task/${thread}/children`, 'utf8');
    } catch {
      if (!existsSync(`/proc/self/task/${process.pid}/children`)) return undefined;
      continue; // the thread has ended meanwhile
    }
    for (const child of list.trim().split(' ')) if (child) children.push(Number(child));
  }
  return children;
};

/** Every process below `pid`, children and theirs (Linux: the kernel's children lists, else one read of all of `/proc`; elsewhere none). */
export const descendantsOf = (pid: number): number[] => {
  const found: number[] = [];
  for (const pending = [pid]; pending.length > 0; ) {
    const children = childrenOf(pending.pop()!);
    if (children === undefined) return descendantsByScan(pid);
    found.push(...children);
    pending.push(...children);
  }
  return found;
};

/** `descendantsOf` by reading every process's parent from `/proc` (a kernel without children lists). */
const descendantsByScan = (pid: number): number[] => {
  const childrenByParent = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[1]);
      childrenByParent.set(parent, [...(childrenByParent.get(parent) ?? []), Number(entry)]);
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  for (const pending = [pid]; pending.length > 0; ) {
    const children = childrenByParent.get(pending.pop()!) ?? [];
    found.push(...children);
    pending.push(...children);
  }
  return found;
};

/** Whether the kernel shares CPU time out by session first (`sched_autogroup_enabled`): then a thread's niceness only ranks it within its session's group. */
export const autogroupsOn = (): boolean => {
  try {
    return readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1';
  } catch {
    return false;
  }
};

/**
 * Lowers the scheduling group of a process that leads a session of its own (each of PostgreSQL's
 * processes does: `setsid()` as it starts) to `nice`, never raising it; whether it changed. With
 * autogroups on, such a process competes with every other session as one group weighted by the
 * group's niceness (`/proc/<pid>/autogroup`), which a new session starts at 0 and its threads'
 * niceness does not change. A process in another's session is left to its threads' niceness: its
 * group holds others (the launcher's, say), which must keep theirs.
 */
/** The niceness of a process's session group (`/proc/<pid>/autogroup`: "/autogroup-N nice K"); undefined where there is none to read. */
export const groupNicenessOf = (pid: number): number | undefined => {
  try {
    const nice = / nice (-?\d+)/.exec(readFileSync(`/proc/${pid}/autogroup`, 'utf8'))?.[1];
    return nice === undefined ? undefined : Number(nice);
  } catch {
    return undefined;
  }
};

const lowerGroup = (pid: number, nice: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const session = Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[3]);
    if (session !== pid) return false;
    const current = groupNicenessOf(pid);
    if (current === undefined || current >= nice) return false;
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
    return true;
  } catch {
    return false; // exited meanwhile, or no autogroup file
  }
};

/** Lowers a process's threads and, where it leads a session of its own under autogroups, its group; whether anything changed. */
const lowerProcess = (pid: number, nice: number, groups: boolean): boolean => {
  const threads = lowerThreads(pid, nice);
  return (groups && lowerGroup(pid, nice)) || threads;
};

/**
 * Lowers another process and every process below it to `nice` (never raising one): a server that
 * forks a process per connection (PostgreSQL's postmaster) then runs all of it there, since its
 * children forked later inherit the niceness of the process that forks them. The process itself is
 * lowered first and those below it after, again until a pass lowers none, so that none forked
 * meanwhile is missed. Where the kernel groups CPU time by session, the group of each process that
 * leads a session of its own is lowered too (a process forked later starts a new group at 0: see
 * `keepTreeLowered`). Linux only; elsewhere it does nothing.
 */
export const lowerPriorityOfTree = (pid: number, nice: number): void => {
  if (process.platform !== 'linux') return;
  const groups = autogroupsOn();
  lowerProcess(pid, nice, groups);
  for (let lowered = true; lowered; ) lowered = descendantsOf(pid).filter((descendant) => lowerProcess(descendant, nice, groups)).length > 0;
};

/**
 * `lowerPriorityOfTree` now and then again every `everyMs` while the process runs: under autogroups
 * a backend forked after the start (a pool opening a connection) inherits its threads' niceness but
 * not its group's, so each sweep lowers the groups of those forked since (a few reads of `/proc`).
 * Nothing repeats where the kernel does not group by session. Returns the stop.
 */
export const keepTreeLowered = (pid: number, nice: number, everyMs = 2_000): (() => void) => {
  lowerPriorityOfTree(pid, nice);
  if (process.platform !== 'linux' || !autogroupsOn()) return () => undefined;
  const timer = setInterval(() => lowerPriorityOfTree(pid, nice), everyMs);
  timer.unref();
  return () => clearInterval(timer);
};
