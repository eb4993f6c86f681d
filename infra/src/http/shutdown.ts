import type { Server } from 'node:http';

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
