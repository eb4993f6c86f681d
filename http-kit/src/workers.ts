import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import { aggregateWorkerMetrics, loadProcessPlumbing, metricsOfAllWorkers, type Logger } from '@stayhub/platform-kit';
import { grantRateLeases } from './rate-leases.ts';
import { onStopSignal } from './shutdown.ts';

/** An API serving in one process: its server, and how to stop it (finish the requests in flight, close its pools). */
export type Serving = { server: Server; stop: () => Promise<void> };

/** Where a worker's slot (1 … N) travels to it; a replacement takes the slot of the worker it replaces. */
const SLOT = 'STAYHUB_WORKER_SLOT' satisfies keyof ReturnType<typeof loadProcessPlumbing>;

/** A worker that ran this long before it exited is replaced at once; one that dies sooner, after a delay that doubles (a crash loop). */
const HEALTHY_MS = 10_000;

/**
 * Runs an API in `workers` processes sharing its port (node:cluster: the primary accepts each
 * connection and hands it to the workers in turn; Node 20 has no `reusePort`), or in this process
 * alone when `workers` is 1. Call it from the entry module: the primary runs `prepare` once and forks
 * the workers, which run the same module and `serve`. The primary keeps what must be one for all
 * workers: the rate limiters' counts (a client's limit holds across workers, `LeasedRateWindows`) and
 * the sum of their metrics (`/metrics` on any worker speaks for the whole API). A worker that exits is
 * replaced, and the log says so; SIGTERM or SIGINT to the primary drains every worker (each finishes
 * its requests in flight and closes its pools) before the primary exits. Should the primary die, its
 * workers exit with it (Node's cluster ends a worker whose primary is gone): no orphans.
 */
export const serveInWorkers = async (options: {
  name: string;
  workers: number;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Once, before any worker starts (e.g. wait for the database). */
  prepare?: () => Promise<void>;
  /** In each worker, or in this process alone: `worker` is the worker's slot (1 … N), undefined alone. */
  serve: (worker: string | undefined) => Promise<Serving>;
  /** How long a worker may take to drain before it is killed. */
  graceMs?: number;
}): Promise<void> => {
  if (cluster.isWorker) return serveAsWorker(options.serve);
  await options.prepare?.();
  if (options.workers <= 1) {
    const serving = await options.serve(undefined);
    onStopSignal(async () => {
      await serving.stop();
      process.exit(0);
    });
    return;
  }
  grantRateLeases();
  aggregateWorkerMetrics();
  let stopping = false;
  const running = new Set<Worker>();
  const fork = (slot: number, quickExits = 0) => {
    const startedAt = Date.now();
    const worker = cluster.fork({ [SLOT]: String(slot) });
    running.add(worker);
    worker.once('exit', (code, signal) => {
      running.delete(worker);
      if (stopping) return;
      const quick = Date.now() - startedAt < HEALTHY_MS ? quickExits + 1 : 0;
      const delayMs = quick === 0 ? 0 : Math.min(10_000, 250 * 2 ** quick);
      options.log.error(`${options.name} worker ${slot} (pid ${worker.process.pid}) exited (${signal ?? code}); starting another in ${delayMs} ms`);
      setTimeout(() => stopping || fork(slot, quick), delayMs);
    });
  };
  const listening = new Set<number>();
  cluster.on('listening', (worker) => {
    const before = listening.size;
    listening.add(worker.id);
    if (before < options.workers && listening.size === options.workers) options.log.info(`${options.name}: all ${options.workers} worker processes listening`);
  });
  for (let slot = 1; slot <= options.workers; slot++) fork(slot);
  onStopSignal(async () => {
    stopping = true;
    await Promise.all(
      [...running].map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM');
            setTimeout(() => worker.process.kill('SIGKILL'), (options.graceMs ?? 10_000) + 2_000).unref();
          }),
      ),
    );
    process.exit(0);
  });
};

const serveAsWorker = async (serve: (worker: string | undefined) => Promise<Serving>): Promise<void> => {
  const slot = loadProcessPlumbing().STAYHUB_WORKER_SLOT ?? String(cluster.worker?.id);
  const { served } = metricsOfAllWorkers(slot);
  const serving = await serve(slot);
  serving.server.on('request', served);
  // The primary stops the workers (SIGTERM); Ctrl-C's SIGINT reaches every process of the terminal's
  // group, and a worker that left on it before the primary heard it would be replaced.
  process.on('SIGINT', () => undefined);
  process.once('SIGTERM', async () => {
    await serving.stop();
    process.exit(0);
  });
};
