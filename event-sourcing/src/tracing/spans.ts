import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';
import type { EventMetadata } from '../event-store/port.ts';

/**
 * Our own spans and the `traceparent` that events carry, on the OpenTelemetry API alone. Without a
 * started SDK (no `OTEL_EXPORTER_OTLP_ENDPOINT`) the API has no propagator and every helper here
 * runs its function as it is: tracing off costs one check.
 */
export const tracingOn = (): boolean => propagation.fields().length > 0;

const tracer = () => trace.getTracer('stayhub');

/** The active span as a W3C `traceparent` (undefined when tracing is off or no span is active). */
export const currentTraceparent = (): string | undefined => {
  if (!tracingOn()) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
};

/** The span context a stored `traceparent` names, as a parent context (undefined when absent or malformed). */
const contextOf = (traceparent: string | undefined): Context | undefined => {
  if (!traceparent) return undefined;
  const extracted = propagation.extract(ROOT_CONTEXT, { traceparent });
  return trace.getSpanContext(extracted) ? extracted : undefined;
};

/** At most this many links on one span: a batch of thousands of events links to its first ones. */
const MAX_LINKS = 128;

const failed = (span: Span, error: unknown): void => {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
};

/** Marks the active span failed, for a failure its work handles itself (a workflow task that will be retried). */
export const markSpanFailed = (error: unknown): void => {
  const span = trace.getActiveSpan();
  if (span) failed(span, error);
};

const run = async <T>(name: string, kind: SpanKind, parent: Context, links: Link[], attributes: Attributes, work: () => Promise<T>): Promise<T> =>
  tracer().startActiveSpan(name, { kind, links, attributes }, parent, async (span) => {
    try {
      return await work();
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });

const traceIdOf = (traceparent: string | undefined): string | undefined => (traceparent ? /^[0-9a-f]{2}-([0-9a-f]{32})-/.exec(traceparent)?.[1] : undefined);

/**
 * The trace context to continue for an event that came with a `traceparent` header (a Kafka message's):
 * the header's when it is in the event's own trace (or the event has none), for it leads back through
 * the relay that sent it; else the event's own (a relay batch that served many requests starts a trace
 * of its own, which would lose the request's).
 */
export const continuedTraceparent = (stored: string | undefined, carried: string | undefined): string | undefined => {
  if (carried === undefined || traceIdOf(carried) === undefined) return stored;
  return stored === undefined || traceIdOf(stored) === traceIdOf(carried) ? carried : stored;
};

/**
 * Runs `work` in a span that continues the traces of the events it handles: the child of their
 * trace when they all come from one, else a new trace linked to each (a batch serving many requests).
 * `carried[i]`, when given, is the `traceparent` that delivered `events[i]` (see `continuedTraceparent`).
 */
export const inEventsSpan = <T>(
  name: string,
  events: readonly { metadata: EventMetadata }[],
  attributes: Attributes,
  work: () => Promise<T>,
  carried?: readonly (string | undefined)[],
): Promise<T> => {
  if (!tracingOn()) return work();
  const parents = new Map<string, Context>();
  for (const [i, event] of events.entries()) {
    const traceparent = continuedTraceparent(event.metadata.traceparent, carried?.[i]);
    if (parents.size >= MAX_LINKS || !traceparent || parents.has(traceparent)) continue;
    const parent = contextOf(traceparent);
    if (parent) parents.set(traceparent, parent);
  }
  const contexts = [...parents.values()];
  const traces = new Set(contexts.map((c) => trace.getSpanContext(c)!.traceId));
  const all = { ...attributes, 'stayhub.events': events.length };
  if (traces.size === 1) return run(name, SpanKind.CONSUMER, contexts[0]!, [], all, work);
  return run(
    name,
    SpanKind.CONSUMER,
    ROOT_CONTEXT,
    contexts.map((c) => ({ context: trace.getSpanContext(c)! })),
    all,
    work,
  );
};

/** Runs `work` in a span under the stored `traceparent` (a workflow task under the event that caused it), or a fresh trace without one. */
export const inCausedSpan = <T>(name: string, traceparent: string | undefined, attributes: Attributes, work: () => Promise<T>): Promise<T> => {
  if (!tracingOn()) return work();
  return run(name, SpanKind.INTERNAL, contextOf(traceparent) ?? ROOT_CONTEXT, [], attributes, work);
};

/** Runs `work` in a child span of the active one. */
export const inSpan = <T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> => {
  if (!tracingOn()) return work();
  return run(name, SpanKind.INTERNAL, context.active(), [], attributes, work);
};

/** The metadata with the active span's `traceparent` when it carries none (events appended by a workflow task, say). */
export const withTraceparent = (metadata: EventMetadata | undefined): EventMetadata | undefined => {
  if (metadata?.traceparent) return metadata;
  const traceparent = currentTraceparent();
  return traceparent ? { ...metadata, traceparent } : metadata;
};
