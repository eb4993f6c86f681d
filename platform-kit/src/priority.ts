import { readdirSync, readFileSync } from 'node:fs';
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

/** Every process below `pid`, children and theirs (Linux: one read of `/proc`; elsewhere none). */
const descendantsOf = (pid: number): number[] => {
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

/**
 * Lowers another process and every process below it to `nice` (never raising one): a server that
 * forks a process per connection (PostgreSQL's postmaster) then runs all of it there, since its
 * children forked later inherit the niceness of the process that forks them. The process itself is
 * lowered first and those below it after, again until a pass lowers none, so that none forked
 * meanwhile is missed. Linux only; elsewhere it does nothing.
 */
export const lowerPriorityOfTree = (pid: number, nice: number): void => {
  if (process.platform !== 'linux') return;
  lowerThreads(pid, nice);
  for (let lowered = true; lowered; ) lowered = descendantsOf(pid).filter((descendant) => lowerThreads(descendant, nice)).length > 0;
};
