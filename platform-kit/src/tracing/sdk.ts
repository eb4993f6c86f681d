import { register } from 'node:module';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { correlationIdOf } from './correlation.ts';

export type TracingOptions = {
  serviceName: string;
  /** Where spans go: the OTLP/HTTP endpoint (`…/v1/traces` is added), and/or processors of one's own (tests). */
  endpoint?: string;
  spanProcessors?: SpanProcessor[];
};

export type Tracing = { shutdown(): Promise<void> };

const probe = /^\/(health|metrics)(\?|$)/;

/**
 * Starts the OpenTelemetry Node SDK with the auto-instrumentations of the clients we use (HTTP in and
 * out, express, pg, ioredis, kafkajs, cassandra-driver, undici/fetch) and pino (log lines carry
 * `trace_id`/`span_id`). It must run before those modules are imported: their `require` and, for
 * ES modules, their `import` (a loader hook registered here) are what the instrumentations patch.
 * The SDK is loaded only here, so a process that never calls this loads none of it.
 */
export const startTracing = async (options: TracingOptions): Promise<Tracing> => {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const [{ NodeSDK }, { BatchSpanProcessor }, { OTLPTraceExporter }, instrumentations] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    loadInstrumentations(),
  ]);
  const exported = options.endpoint
    ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/$/, '')}/v1/traces` }), { scheduledDelayMillis: 1000 })]
    : [];
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    spanProcessors: [...exported, ...(options.spanProcessors ?? [])],
    instrumentations,
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
};

const loadInstrumentations = async () => {
  const [http, express, pg, ioredis, kafkajs, cassandra, undici, pino] = await Promise.all([
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-express'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-ioredis'),
    import('@opentelemetry/instrumentation-kafkajs'),
    import('@opentelemetry/instrumentation-cassandra-driver'),
    import('@opentelemetry/instrumentation-undici'),
    import('@opentelemetry/instrumentation-pino'),
  ]);
  return [
    new http.HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => probe.test(req.url ?? ''),
      // The request's correlation id on its server span: a trace is found from a log line, and back.
      requestHook: (span, request) => {
        // A request served (not one sent: those have `getHeader`); `node:http` itself is not imported here, before it is patched.
        if (!('getHeader' in request)) span.setAttribute('stayhub.correlation_id', correlationIdOf(request));
      },
    }),
    new express.ExpressInstrumentation(),
    // Only statements inside a span of ours or a request: the subscriptions' polls would each be a trace of their own.
    new pg.PgInstrumentation({ requireParentSpan: true }),
    new ioredis.IORedisInstrumentation({ requireParentSpan: true }),
    new kafkajs.KafkaJsInstrumentation(),
    new cassandra.CassandraDriverInstrumentation(),
    new undici.UndiciInstrumentation(),
    new pino.PinoInstrumentation(),
  ];
};
