import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { call, freePort, startCommandApi, type AppProcess } from './processes.ts';

/**
 * A switch between command-api and its database: a TCP proxy to the test server that can be cut
 * (every connection dropped, nothing accepted) and restored, to lose the database without
 * stopping a server other test files share.
 */
const databaseSwitch = async (target: URL) => {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  return {
    port,
    on: () =>
      new Promise<void>((resolve) => {
        server = createServer((client) => {
          const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
          for (const socket of [client, upstream]) {
            sockets.add(socket);
            socket.on('error', () => undefined);
            socket.on('close', () => sockets.delete(socket));
          }
          client.pipe(upstream).pipe(client);
          client.on('close', () => upstream.destroy());
          upstream.on('close', () => client.destroy());
        });
        server.listen(port, '127.0.0.1', () => resolve());
      }),
    off: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        if (!server) return resolve();
        server.close(() => resolve());
        server = undefined;
      }),
  };
};

let app: AppProcess | undefined;
let link: Awaited<ReturnType<typeof databaseSwitch>> | undefined;
afterAll(async () => {
  app?.child.kill('SIGKILL');
  await link?.off();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('command-api without its database', () => {
  it('starts and waits for a database that is not up yet, answers 503 with Retry-After while it is gone, and carries on when it is back', async () => {
    const real = new URL(await testDatabaseUrl());
    link = await databaseSwitch(real);
    const url = new URL(real);
    url.port = String(link.port);
    const port = await freePort();

    const starting = startCommandApi({ DATABASE_URL: url.toString() }, port);
    await sleep(3000);
    let exited = false;
    starting.catch(() => (exited = true));
    expect(exited, 'command-api gave up while the database was not up').toBe(false);
    await link.on();
    app = await starting;

    const register = (n: number) =>
      call(app!.url, 'POST', '/auth/register', { email: `user${n}@wait.test`, password: 'correct horse battery', name: `User ${n}` });
    expect((await register(1)).status).toBe(202);

    await link.off();
    const refused = await fetch(`${app.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'user2@wait.test', password: 'correct horse battery', name: 'User 2' }),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(app.url, 'GET', '/health')).status).toBe(503);

    await link.on();
    let again = await register(3);
    for (let i = 0; i < 40 && again.status !== 202; i++) {
      await sleep(250);
      again = await register(3);
    }
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect((await call(app.url, 'GET', '/health')).status).toBe(200);
    expect(app.child.exitCode).toBeNull();
  });
});
