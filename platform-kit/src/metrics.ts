import cluster, { type Worker } from 'node:cluster';
import type { RequestHandler } from 'express';
import client from 'prom-client';

const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

const requests = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP requests by method, route and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

/** Each (method, route, status)'s child of the histogram, looked up once: as many as the histogram has series. */
const requestSeries = new Map<string, client.Histogram.Internal<string>>();

export const httpMetrics = (): RequestHandler => (req, res, next) => {
  const startedAt = performance.now();
  res.once('finish', () => {
    const route = (req.route?.path as string | undefined) ?? 'unmatched';
    const key = `${req.method} ${route} ${res.statusCode}`;
    let series = requestSeries.get(key);
    if (!series) {
      series = requests.labels(req.method, route, String(res.statusCode));
      requestSeries.set(key, series);
    }
    series.observe((performance.now() - startedAt) / 1000);
  });
  next();
};

export const gauge = (name: string, help: string, labelNames: string[] = []) =>
  (registry.getSingleMetric(name) as client.Gauge | undefined) ?? new client.Gauge({ name, help, labelNames, registers: [registry] });

export const counter = (name: string, help: string, labelNames: string[] = []) =>
  (registry.getSingleMetric(name) as client.Counter | undefined) ?? new client.Counter({ name, help, labelNames, registers: [registry] });

export const histogram = (name: string, help: string, labelNames: string[] = [], buckets?: number[]) =>
  (registry.getSingleMetric(name) as client.Histogram | undefined) ??
  new client.Histogram({ name, help, labelNames, registers: [registry], ...(buckets ? { buckets } : {}) });

/** Seconds from a millisecond up to ten seconds: the durations of a request, a decision, an append. */
export const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** Where `/metrics` reads its text: this process's registry, or every worker's summed by the primary (`metricsOfAllWorkers`). */
let source: () => Promise<string> = () => registry.metrics();

export const metricsText = (): Promise<string> => source();
export const metricsContentType = registry.contentType;

const ASK = 'stayhub:metrics-of-all-workers';
const ANSWER = 'stayhub:metrics-of-all-workers:answer';
const COLLECT = 'stayhub:metrics-of-a-worker';
const COLLECTED = 'stayhub:metrics-of-a-worker:answer';
type Answer = { type: typeof ANSWER; id: number; text?: string; error?: string };
type Collected = { type: typeof COLLECTED; id: number; metrics: client.MetricObjectWithValues<client.MetricValue<string>>[] };

/**
 * In the primary of a cluster: answers a worker that asks for the figures of all workers with the
 * sum of every listening worker's registry (prom-client's `AggregatorRegistry.aggregate`: counters
 * and histograms summed, each default metric as prom-client aggregates it), so that `/metrics` on any
 * worker speaks for the whole API. A worker still starting is left out rather than waited for; one
 * that does not answer within two seconds too. Figures labelled by worker (`metricsOfAllWorkers`) stay apart.
 */
export const aggregateWorkerMetrics = (): void => {
  const listening = new Set<Worker>();
  cluster.on('listening', (worker) => listening.add(worker));
  cluster.on('exit', (worker) => listening.delete(worker));
  const collecting = new Map<number, (metrics: Collected['metrics']) => void>();
  let next = 0;
  const collect = async (): Promise<string> => {
    const workers = [...listening].filter((worker) => worker.isConnected());
    const answers = await Promise.all(
      workers.map(
        (worker) =>
          new Promise<Collected['metrics'] | undefined>((resolve) => {
            const id = next++;
            const timer = setTimeout(() => {
              collecting.delete(id);
              resolve(undefined);
            }, 2_000);
            collecting.set(id, (metrics) => {
              clearTimeout(timer);
              collecting.delete(id);
              resolve(metrics);
            });
            worker.send({ type: COLLECT, id });
          }),
      ),
    );
    return client.AggregatorRegistry.aggregate(answers.filter((metrics) => metrics !== undefined)).metrics();
  };
  cluster.on('message', (worker, message: { type?: string; id?: number; metrics?: Collected['metrics'] }) => {
    if (message?.type === COLLECTED) return collecting.get(message.id!)?.(message.metrics ?? []);
    if (message?.type !== ASK) return;
    const answer = (fields: Partial<Answer>) => worker.isConnected() && worker.send({ type: ANSWER, id: message.id, ...fields });
    collect().then(
      (text) => answer({ text }),
      (error: unknown) => answer({ error: String(error) }),
    );
  });
};

/**
 * In a worker of a cluster: its registry answers the primary's collection, and `/metrics` asks the
 * primary for the figures of all workers (see `aggregateWorkerMetrics`); `worker` labels the count
 * of requests this worker has served (`http_requests_served_by_worker`).
 */
export const metricsOfAllWorkers = (worker: string): { served: () => void } => {
  let served = 0;
  new client.Counter({
    name: 'http_requests_served_by_worker',
    help: 'HTTP requests each worker process of the API has answered',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ worker }, served);
    },
  });
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  let next = 0;
  process.on('message', (message: Partial<Answer> | { type?: string; id?: number }) => {
    if (message?.type === COLLECT) {
      void registry.getMetricsAsJSON().then((metrics) => process.send!({ type: COLLECTED, id: message.id, metrics }));
      return;
    }
    if (message?.type !== ANSWER || message.id === undefined) return;
    const asked = waiting.get(message.id);
    waiting.delete(message.id);
    const { error, text } = message as Answer;
    if (error !== undefined) asked?.reject(new Error(error));
    else asked?.resolve(text ?? '');
  });
  source = () =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      process.send!({ type: ASK, id });
    });
  return { served: () => void served++ };
};
