import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { projectRoot } from '@stayhub/platform-kit';

/** A port nobody listens on right now. */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export type Platform = { url: string; databaseUrl: string; log: () => string; stop: () => Promise<void> };

/**
 * The real platform, started the way `npm start` starts it (the launcher, each part its own
 * process, the web app built if missing), on a fresh database of the test server and free ports.
 */
export const startPlatform = async (databaseUrl: string, env: Record<string, string> = {}): Promise<Platform> => {
  const [command, query, payments, projectors, chat, web] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  const output: string[] = [];
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'platform/src/launcher/start-all.ts')], {
    cwd: projectRoot,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      COMMAND_API_PORT: String(command),
      QUERY_API_PORT: String(query),
      PAYMENT_GATEWAY_PORT: String(payments),
      PROJECTORS_PORT: String(projectors),
      CHAT_PORT: String(chat),
      WEB_PORT: String(web),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${web}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the platform exited (${child.exitCode}):\n${output.join('')}`);
    try {
      const response = await fetch(`${url}/api/parts`);
      const body = (await response.json()) as { parts: { status: string }[] };
      if (body.parts.every((part) => part.status === 'ok') && (await fetch(url)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`the platform did not come up within 180 s:\n${output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return {
    url,
    databaseUrl,
    log: () => output.join(''),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => {
          if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
        }, 20_000).unref();
      }),
  };
};

export const outputDir = (): string => {
  const dir = join(projectRoot, 'web/test-output');
  mkdirSync(dir, { recursive: true });
  return dir;
};
