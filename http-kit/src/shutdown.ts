import type { Server } from 'node:http';
import { whenLauncherGone } from '@stayhub/platform-kit';

/**
 * Stops a server gracefully: no new connections; requests in flight are answered; a keep-alive
 * connection is closed as soon as it is idle rather than left to time out; after `graceMs`
 * whatever is still open is cut. Resolves when the server is closed.
 */
export const closeGracefully = (server: Server, graceMs = 10_000): Promise<void> =>
  new Promise((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });

/**
 * Runs `stop` on the first SIGTERM or SIGINT, once: Ctrl-C under `npm start` sends SIGINT to every
 * process of the terminal's group and the launcher then sends each app SIGTERM, and a second
 * shutdown would close its pools twice. A repeated signal of the same kind ends the process at once.
 * An app `npm start`'s launcher started also stops when the launcher is gone (`whenLauncherGone`).
 */
export const onStopSignal = (stop: (signal: NodeJS.Signals) => unknown): void => {
  let stopping = false;
  const once = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    void stop(signal);
  };
  process.once('SIGTERM', once);
  process.once('SIGINT', once);
  whenLauncherGone(() => {
    console.error('the launcher is gone: stopping');
    once('SIGTERM');
  });
};
