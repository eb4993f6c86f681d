/**
 * The cost of tracing: booking commands over HTTP (the spread case of `bench:commands`) on the
 * platform built three ways, each on its own fresh database, in the same run, rounds alternating
 * which goes first: `before` (a build of the code before tracing existed, given by `--before`),
 * `off` (this build, `OTEL_EXPORTER_OTLP_ENDPOINT` unset) and `on` (this build, exporting every
 * span to a local OTLP sink that accepts and drops them).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { params } from './shared/args.ts';
import { bookingScenario, type BookingScenario } from './shared/bookings.ts';
import { benchServer, freshDatabase } from './shared/database.ts';
import { runLoad, type LoadResult } from './shared/load.ts';
import { startPlatform, type Platform } from './shared/platform.ts';
import { record } from './shared/results.ts';
import { summarise } from './shared/stats.ts';

const median = (values: number[]) => summarise(values).p50;

const p = params('bench:tracing', {
  concurrency: { default: 32, help: 'clients, each sending its next request when answered' },
  duration: { default: 15, help: 'seconds measured per round and variant' },
  warmup: { default: 3, help: 'seconds of warm-up per round and variant, not measured' },
  rounds: { default: 3, help: 'rounds; each runs every variant once, in a rotating order' },
  listings: { default: 300, help: 'one-unit rentals booked' },
  guests: { default: 32, help: 'guest accounts the requests rotate over' },
  before: { default: '', help: "the platform bundle (dist/bench/platform.js) built from the code before tracing; without it only 'off' and 'on' run" },
});

/** An OTLP/HTTP endpoint that takes every export and keeps only how many there were. */
const otlpSink = async () => {
  let exports = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      exports += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports: () => exports,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
};

const loadBefore = loadavg();
const server = await benchServer();
const sink = await otlpSink();
const variants: { name: string; env?: Record<string, string>; bundle?: string }[] = [
  ...(p.before ? [{ name: 'before', bundle: p.before }] : []),
  { name: 'off' },
  { name: 'on', env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } },
];
type Running = { name: string; platform: Platform; scenario: BookingScenario; drop: () => Promise<void>; sent: number; rounds: LoadResult[] };
const running: Running[] = [];
try {
  for (const variant of variants) {
    const db = await freshDatabase(server.adminUrl, `tracing_${variant.name}`);
    const platform = await startPlatform(db.url, { ...(variant.env ? { env: variant.env } : {}), ...(variant.bundle ? { bundle: variant.bundle } : {}) });
    console.log(`${variant.name}: setting up ${p.listings} rentals and ${p.guests} guests…`);
    const scenario = await bookingScenario(platform, { listings: p.listings, guests: p.guests, hotelRooms: 1 });
    running.push({ name: variant.name, platform, scenario, drop: () => db.drop(), sent: 0, rounds: [] });
  }
  for (let round = 0; round < p.rounds; round++) {
    const order = running.map((_, i) => running[(i + round) % running.length]!);
    for (const r of order) {
      const offset = r.sent;
      // Each request books a night no earlier request of this variant took.
      const request = (n: number) => {
        r.sent = Math.max(r.sent, offset + n + 1);
        return r.scenario.spread(offset + n);
      };
      const result = await runLoad({ concurrency: p.concurrency, durationMs: p.duration * 1000, warmupMs: p.warmup * 1000, request });
      r.rounds.push(result);
      console.log(
        `round ${round + 1} ${r.name}: ${result.throughput} successful/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, statuses ${JSON.stringify(result.statuses)}`,
      );
    }
  }
  const figures = Object.fromEntries(
    running.map((r) => [
      r.name,
      {
        throughputMedian: median(r.rounds.map((x) => x.throughput)),
        p50MsMedian: median(r.rounds.map((x) => x.latencyMs.p50)),
        p99MsMedian: median(r.rounds.map((x) => x.latencyMs.p99)),
        rounds: r.rounds.map((x) => ({ throughput: x.throughput, p50Ms: x.latencyMs.p50, p99Ms: x.latencyMs.p99, statuses: x.statuses })),
      },
    ]),
  ) as Record<string, { throughputMedian: number; p50MsMedian: number; p99MsMedian: number }>;
  const ratio = (a: string, b: string) =>
    figures[a] && figures[b] ? Math.round((figures[a].throughputMedian / figures[b].throughputMedian) * 100) / 100 : undefined;
  record(
    'tracing',
    { ...p },
    { ...figures, throughputRatioOffToBefore: ratio('off', 'before'), throughputRatioOnToOff: ratio('on', 'off'), otlpExportsReceived: sink.exports() },
    [
      'POST /bookings, instant book, many listings (the spread case of bench:commands) on the whole platform in one process per variant, each on its own database of one server.',
      'before: the platform bundle built from the code before tracing; off: this build without OTEL_EXPORTER_OTLP_ENDPOINT; on: this build exporting every span (HTTP, express, pg, our own) over OTLP/HTTP to a local sink.',
      'Medians over the rounds; the variants take turns going first.',
    ],
    loadBefore,
  );
} finally {
  for (const r of running) {
    await r.platform.stop();
    await r.drop();
  }
  await sink.close();
  await server.stop();
}
