import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers this process's CPU priority to `nice` (never raises it). On Linux a niceness belongs to a
 * thread, so every thread running now is reniced (the event loop, V8's and libuv's workers); threads
 * started later inherit it from the thread that starts them. Elsewhere only the calling thread is.
 * Returns the event loop thread's niceness afterwards.
 */
export const lowerPriority = (nice: number): number => {
  let threads: number[];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    threads = [0];
  }
  for (const thread of threads) {
    try {
      if (getPriority(thread) < nice) setPriority(thread, nice);
    } catch {
      // the thread has ended meanwhile
    }
  }
  return getPriority();
};
