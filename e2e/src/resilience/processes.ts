import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createPool, type Pool } from '@stayhub/event-sourcing';
import { projectRoot } from '@stayhub/platform-kit';
import { startGatewayServer, type GatewayServer } from '@stayhub/payment-gateway';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';

export const secrets = {
  JWT_SECRET: 'process-secret-process-secret-0123456789abcdef',
  PAYMENT_WEBHOOK_SECRET: 'webhook-secret-webhook-secret-0123456789',
};

export { freePort } from '@stayhub/platform/testing';

/**
 * `npm start`'s launcher (its source, as the tests run it) with `env` on top of a bare environment
 * (no inherited DATABASE_URL or ports), its output gathered for the test's messages.
 */
export const spawnLauncher = (env: Record<string, string>): { child: ChildProcess; output: () => string } => {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'platform/src/launcher/start-all.ts')], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...secrets, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
};

export type AppProcess = {
  child: ChildProcess;
  url: string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
};

/**
 * Runs one app's real entry (`command-api/src/main.ts`, `projectors/src/main.ts`) as a child
 * process, as `npm start` does, and waits until `readyPath` answers 200.
 */
export const startApp = async (
  entry: string,
  env: Record<string, string>,
  options: {
    port: number;
    readyPath?: string;
    timeoutMs?: number /** Node's arguments instead of the entry's source under tsx (e.g. a bundle). */;
    argv?: string[];
    cwd?: string;
  },
): Promise<AppProcess> => {
  const child = spawn(process.execPath, options.argv ?? ['--import', 'tsx', join(projectRoot, entry)], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...secrets, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`${entry} exited before it was ready:\n${output}`);
    const ready = await fetch(`${url}${options.readyPath ?? '/health'}`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${entry} not ready in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, exited, output: () => output };
};

export const startCommandApi = (env: Record<string, string>, port: number) =>
  startApp('command-api/src/main.ts', { ...env, COMMAND_API_PORT: String(port) }, { port });

/** A JSON call that reports a dead connection as status 0 instead of throwing. */
export const call = async (url: string, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> => {
  try {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed };
  } catch {
    return { status: 0, body: undefined };
  }
};

/** Signs a user up (202 whatever the email) and logs them in: the login's answer carries the token. */
export const signUp = async (url: string, user: { email: string; password: string; name: string; role?: 'guest' | 'host' }) => {
  const registered = await call(url, 'POST', '/auth/register', user);
  if (registered.status !== 202) throw new Error(`register ${user.email}: ${registered.status} ${JSON.stringify(registered.body)}`);
  return call(url, 'POST', '/auth/login', { email: user.email, password: user.password });
};

export type ProcessFixture = { gateway: GatewayServer; databaseUrl: string; pool: Pool; running: AppProcess[] };

/** For a spec file that runs apps as processes: a simulated gateway, a fresh database with a pool on it, and the apps it started (killed after). */
export const processFixture = (): ProcessFixture => {
  const fixture = { running: [] } as unknown as ProcessFixture;
  beforeAll(async () => {
    fixture.gateway = await startGatewayServer({ webhookSecret: secrets.PAYMENT_WEBHOOK_SECRET });
    fixture.databaseUrl = await testDatabaseUrl();
    fixture.pool = createPool(fixture.databaseUrl, 4);
  });
  afterAll(async () => {
    for (const app of fixture.running) app.child.kill('SIGKILL');
    await fixture.pool?.end();
    await fixture.gateway?.close();
  });
  return fixture;
};
