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

export const metricsText = (): Promise<string> => registry.metrics();
export const metricsContentType = registry.contentType;
