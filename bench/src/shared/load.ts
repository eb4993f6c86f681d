import { performance } from 'node:perf_hooks';
import { perSecond, summarise, type Latency } from './stats.ts';

export type LoadOptions = {
  concurrency: number;
  durationMs: number;
  /** Requests started in the first `warmupMs` are not counted. */
  warmupMs?: number;
  /** Stops early after this many requests (e.g. the rooms of the hot hotel). */
  maxRequests?: number;
  /** One request; resolves to its HTTP status (0 for a network error). */
  request: (n: number) => Promise<number>;
  ok?: (status: number) => boolean;
};

export type LoadResult = {
  concurrency: number;
  requests: number;
  succeeded: number;
  statuses: Record<string, number>;
  seconds: number;
  /** Successful requests per second over the measured window. */
  throughput: number;
  latencyMs: Latency;
};

/**
 * A closed-loop load at fixed concurrency: each of `concurrency` clients sends its next request as
 * soon as the previous one is answered. Latency is per request; throughput counts successes.
 */
export const runLoad = async (options: LoadOptions): Promise<LoadResult> => {
  const ok = options.ok ?? ((status: number) => status >= 200 && status < 300);
  const started = performance.now();
  const measureFrom = started + (options.warmupMs ?? 0);
  const end = measureFrom + options.durationMs;
  const max = options.maxRequests ?? Number.POSITIVE_INFINITY;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let succeeded = 0;
  let next = 0;
  let lastDone = measureFrom;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < end && next < max) {
        const n = next++;
        const t0 = performance.now();
        const status = await options.request(n).catch(() => 0);
        const t1 = performance.now();
        if (t0 < measureFrom) continue;
        latencies.push(t1 - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (ok(status)) succeeded++;
        lastDone = Math.max(lastDone, t1);
      }
    }),
  );
  const window = Math.max(1, lastDone - measureFrom);
  return {
    concurrency: options.concurrency,
    requests: latencies.length,
    succeeded,
    statuses,
    seconds: Math.round(window) / 1000,
    throughput: perSecond(succeeded, window),
    latencyMs: summarise(latencies),
  };
};
