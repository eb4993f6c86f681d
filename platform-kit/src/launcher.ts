import { loadProcessPlumbing } from './config/config.ts';

/** Where `npm start`'s launcher tells the apps it starts its own pid. */
export const LAUNCHER_PID = 'STAYHUB_LAUNCHER_PID' satisfies keyof ReturnType<typeof loadProcessPlumbing>;

/**
 * Calls `gone` once when the launcher that started this process (its parent, the pid in
 * `STAYHUB_LAUNCHER_PID`) is no longer its parent: it was killed and could not stop its apps. An app
 * in a session of its own hears no terminal's signal, and nothing else would end it. Does nothing in
 * a process the launcher did not start itself (a cluster worker's parent is its primary). Checks
 * once a second, without keeping the process alive.
 */
export const whenLauncherGone = (gone: () => void, every = 1_000): void => {
  const launcher = loadProcessPlumbing().STAYHUB_LAUNCHER_PID;
  if (launcher === undefined || process.ppid !== launcher) return;
  const watch = setInterval(() => {
    if (process.ppid === launcher) return;
    clearInterval(watch);
    gone();
  }, every);
  watch.unref();
};
