import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedDataDir, startEmbeddedPostgres, stopLeftoverServer } from './embedded.ts';
import { postgresAnswers } from './pool.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'stayhub-embedded-'));

afterAll(async () => {
  await stopLeftoverServer(dataDir);
  rmSync(embeddedDataDir(dataDir), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

/** A port something else holds: a listener that accepts and never answers. */
const heldPort = async (): Promise<{ port: number; server: Server }> => {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
};

const freePort = async (): Promise<number> => {
  const { port, server } = await heldPort();
  await new Promise((resolve) => server.close(resolve));
  return port;
};

describe('an embedded server left running, and one that cannot start', () => {
  it('stops the server running on a data folder whoever started it, so that the next start is its own', async () => {
    const port = await freePort();
    const server = await startEmbeddedPostgres({ dataDir, port });
    const pidFile = join(embeddedDataDir(dataDir), 'postmaster.pid');
    expect(existsSync(pidFile)).toBe(true);

    const stopped = await stopLeftoverServer(dataDir);

    expect(stopped).toBeGreaterThan(0);
    expect(await server.exited).toBeDefined();
    expect(existsSync(pidFile)).toBe(false);
    expect(await postgresAnswers(server.url)).toBe(false);
    expect(await stopLeftoverServer(dataDir)).toBeUndefined();
    const again = await startEmbeddedPostgres({ dataDir, port });
    expect(again.exited).toBeDefined(); // started by this call, not a reused one
    await again.stop();
  }, 120_000);

  it('says why a server did not start (its own words), instead of failing with nothing', async () => {
    const { port, server } = await heldPort();
    try {
      await expect(startEmbeddedPostgres({ dataDir, port })).rejects.toThrow(
        new RegExp(`did not start on port ${port} .*(Address already in use|could not create any TCP/IP sockets)`),
      );
    } finally {
      server.close();
    }
    expect(await stopLeftoverServer(dataDir)).toBeUndefined();
  }, 120_000);
});
