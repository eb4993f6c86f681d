import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { processRuns } from '@stayhub/platform-kit';

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
  // Only a Node process can be a launcher (the pid may since belong to another process).
  if (before !== undefined && Number.isInteger(before) && before > 0 && before !== pid && processRuns(before, 'node'))
    throw new LauncherAlreadyRunning(before, file);
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
