import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@stayhub/platform/testing';
import { descendantsOf } from '@stayhub/platform-kit';
import { benchProcess } from './built.ts';

export type QueryApiProcess = {
  queryUrl: string;
  /** The primary (or the only process) first, then its workers. */
  pids: () => number[];
  stop: () => Promise<void>;
};

/**
 * The query API as `npm start` runs it: its own bundle (`dist/bench/query-api.js`) under plain node,
 * `QUERY_API_WORKERS` processes on one port, on `databaseUrl`; abuse limits off (one load generator
 * on one address is not an abuser). Ready when every worker has answered on the metrics port.
 */
export const startQueryApi = async (
  databaseUrl: string,
  options: {
    workers: number;
    env?: Record<string, string>;
    /** Another build's query API bundle (a dist/bench/query-api.js copied aside). */
    bundle?: string;
  },
): Promise<QueryApiProcess> => {
  const { file, execArgv } = options.bundle ? { file: options.bundle, execArgv: [] } : await benchProcess('query-api');
  const [port, metricsPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [...execArgv, file], {
    env: {
      ...process.env,
      ...options.env,
      DATABASE_URL: databaseUrl,
      QUERY_API_PORT: String(port),
      QUERY_API_WORKERS: String(options.workers),
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123456789',
      PAYMENT_WEBHOOK_SECRET: 'bench-webhook-secret-0123456789abcdef',
      RATE_LIMIT_QUERIES_PER_IP: '1000000000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const workersServing = async () => {
    const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
      (r) => (r.ok ? r.text() : ''),
      () => '',
    );
    if (options.workers === 1) return text.length > 0;
    return (text.match(/^http_requests_served_by_worker\{/gm) ?? []).length === options.workers;
  };
  const deadline = Date.now() + 60_000;
  while (!(await workersServing())) {
    if (gone) throw new Error('the query API exited before it was ready');
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the query API was not ready in 60 s');
    }
    await sleep(100);
  }
  return {
    queryUrl: `http://127.0.0.1:${port}`,
    pids: () => [child.pid!, ...descendantsOf(child.pid!)],
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
};
