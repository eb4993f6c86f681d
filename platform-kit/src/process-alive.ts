import { readFileSync } from 'node:fs';

/**
 * Whether process `pid` runs and its command line contains `command` (a pid file can outlive its
 * process and the pid be reused by another). Where there is no /proc to read, a running pid is taken
 * on trust.
 */
export const processRuns = (pid: number, command: string): boolean => {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false; // EPERM: it runs, as another user
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(command);
  } catch {
    return process.platform !== 'linux';
  }
};
