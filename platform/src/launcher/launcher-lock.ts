import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type LauncherClaim = {
  /** `crashed`: a launcher ran before this one and did not stop itself (it was killed): whatever it left running is this one's to stop. */
  previous: 'none' | 'crashed';
  /** Removes the file, if it still names this process. */
  release: () => void;
};

/** Thrown when the launcher named in the file still runs: two launchers would fight over the ports and the data. */
export class LauncherAlreadyRunning extends Error {
  constructor(
    readonly pid: number,
    file: string,
  ) {
    super(`StayHub is already running (launcher pid ${pid}, ${file}): stop it first (Ctrl-C in its terminal, or kill ${pid})`);
  }
}

const runs = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // A pid is reused once its process has gone: only a Node process can be a launcher.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return process.platform !== 'linux';
  }
};

/**
 * Makes this process the one launcher of the platform whose data lives beside `file` (a pid file):
 * refuses while another runs, and says whether the one before it stopped itself (it removes the file
 * on its way out) or was killed (the file is left naming a process that is gone).
 */
export const claimLauncher = (file: string, pid = process.pid): LauncherClaim => {
  let before: number | undefined;
  try {
    before = Number(readFileSync(file, 'utf8').trim());
  } catch {
    before = undefined;
  }
  if (before !== undefined && Number.isInteger(before) && before > 0 && before !== pid && runs(before)) throw new LauncherAlreadyRunning(before, file);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${pid}\n`);
  return {
    previous: before === undefined ? 'none' : 'crashed',
    release: () => {
      try {
        if (Number(readFileSync(file, 'utf8').trim()) === pid) rmSync(file);
      } catch {
        // already gone
      }
    },
  };
};
