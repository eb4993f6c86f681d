import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { redisAnswers } from '@stayhub/event-sourcing';
import { commandExists, freePort, startProcess, stopProcess, waitUntil, type Engine } from './process.ts';

/** Debian's redis-server on a free port, nothing persisted: suites keep to their own key prefixes. */
export const startRedis = async (dir: string): Promise<Engine> => {
  if (!(await commandExists('redis-server'))) throw new Error('redis-server is not installed (apt-get install -y redis-server)');
  const began = Date.now();
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const log = join(dir, 'redis.log');
  const child = startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], log);
  const url = `redis://127.0.0.1:${port}`;
  await waitUntil('redis-server', () => redisAnswers(url, 1_000), child, log, 30_000);
  return { name: 'redis', env: { REDIS_URL: url }, startedInMs: Date.now() - began, stop: () => stopProcess(child) };
};
