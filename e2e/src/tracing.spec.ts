import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '@stayhub/platform-kit/tracing';
import type { Stack, StackOptions } from './harness.ts';

// Tracing starts before the platform's modules (and the packages they import) are loaded: that is
// when the auto-instrumentations patch them, as the built apps do with their first module.
const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor(exporter);
const tracing: Tracing = await startTracing({ serviceName: 'stayhub-e2e', spanProcessors: [processor] });
const { startStack } = await import('./harness.ts');
const { day, publishedListing, register, waitUntil } = await import('./fixtures.ts');
const { kafkaUnavailable } = await import('../../projectors/test/kafka/broker.ts');
const { collect } = await import('../../projectors/test/kafka/collect.ts');
const { topicFor } = await import('@stayhub/projectors/kafka');

afterAll(() => tracing.shutdown());

/** Spans are exported once the resource's attributes are detected: flushed before each look. */
const spans = async (): Promise<ReadableSpan[]> => {
  await processor.forceFlush();
  return exporter.getFinishedSpans();
};
const traceOf = (span: ReadableSpan) => span.spanContext().traceId;
/** In the trace, or linked to it (a batch that served several requests). */
const serves = (span: ReadableSpan, traceId: string) => traceOf(span) === traceId || span.links.some((link) => link.context.traceId === traceId);

const spanIdOf = (traceparent: string | undefined) => traceparent?.split('-')[2];

/** A stack on which a guest books a listing; the booking's trace id (and id) once it is confirmed. */
const tracedBooking = (options: StackOptions) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(options);
  });
  afterAll(async () => {
    await stack?.stop();
  });
  return async () => {
    exporter.reset();
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host);
    // Over Kafka: the relay has published everything before the booking, so its next batch is the booking's trace alone.
    if (options.log === 'kafka') {
      await waitUntil(
        async () => [stack.relayStatus()?.position, await stack.side.deps.eventStore.headPosition()],
        ([relayed, head]) => relayed === head,
      );
    }
    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 10), checkOut: day(stack, 12), guests: 2, paymentMethod: 'tok_visa' },
      { token: guest.token, headers: { 'X-Correlation-Id': `trace-spec-${options.log ?? 'local'}` } },
    );
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    await waitUntil(
      () => stack.query.get(`/bookings/${booked.body.bookingId}`, { token: guest.token }),
      (r) => r.body?.status === 'confirmed',
    );
    const request = (await spans()).find(
      (s) => s.kind === SpanKind.SERVER && s.attributes['http.route'] === '/bookings' && s.attributes['http.request.method'] === 'POST',
    );
    expect(request).toBeDefined();
    // The request's correlation id is on its trace, as in its log line and its events' metadata.
    expect(request!.attributes['stayhub.correlation_id']).toBe(`trace-spec-${options.log ?? 'local'}`);
    const traceId = traceOf(request!);
    const [event] = (await stack.side.deps.eventStore.readStream(`booking-${booked.body.bookingId}`)).events;
    expect(event!.metadata.correlationId).toBe(`trace-spec-${options.log ?? 'local'}`);
    expect(event!.metadata.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    return { traceId, bookingId: booked.body.bookingId as string, stack };
  };
};

/** The projections that applied the booking's events, in its trace or linked to it, once both named ones did. */
const projectionsServing = (traceId: string) =>
  waitUntil(
    async () => (await spans()).filter((s) => s.name.startsWith('projection ') && serves(s, traceId)).map((s) => s.name),
    (names) => names.includes('projection booking_history') && names.includes('projection availability'),
  );

describe('traces', () => {
  const book = tracedBooking({});

  it('follow a booking from its HTTP command through the append into the projections and the workflow task it causes', async () => {
    const { traceId } = await book();
    const all = await spans();
    // The append: ours, and the database statements under it (pg's auto-instrumentation).
    const append = all.find((s) => s.name === 'eventstore append' && traceOf(s) === traceId);
    expect(append).toBeDefined();
    expect(all.some((s) => traceOf(s) === traceId && s.parentSpanContext?.spanId === append!.spanContext().spanId && s.kind === SpanKind.CLIENT)).toBe(true);

    // The booking as the projections applied it, and the payment task the booking workflow ran for it.
    expect(await projectionsServing(traceId)).toContain('projection booking_history');
    const history = (await spans()).find((s) => s.name === 'projection booking_history' && serves(s, traceId));
    expect(history!.attributes['stayhub.correlation_ids']).toContain('trace-spec-local');
    const tasks = await waitUntil(
      async () => (await spans()).filter((s) => s.name.startsWith('workflow ') && traceOf(s) === traceId),
      (found) => found.length > 0,
    );
    expect(tasks.map((t) => t.attributes['stayhub.correlation_id'])).toContain('trace-spec-local');
    // The events the task appended continue the same trace (their metadata carries it).
    const taskIds = new Set(tasks.map((t) => t.spanContext().spanId));
    expect((await spans()).some((s) => s.name === 'eventstore append' && s.parentSpanContext && taskIds.has(s.parentSpanContext.spanId))).toBe(true);
  });
});

describe.skipIf(Boolean(kafkaUnavailable))(`traces over Kafka${kafkaUnavailable ? ` (skipped: ${kafkaUnavailable})` : ''}`, () => {
  const book = tracedBooking({ log: 'kafka' });

  // The relay's span continues the booking's trace; the kafkajs instrumentation (it patches kafkajs
  // under plain node, not under this test runner's module loader) writes that context into the messages' headers.
  it("continue through the relay into the consumers' projections", async () => {
    const { traceId, bookingId, stack } = await book();
    expect(await projectionsServing(traceId)).toContain('projection availability');
    const relayed = (await spans()).filter((s) => s.name === 'relay publish' && serves(s, traceId));
    expect(relayed.length).toBeGreaterThan(0);

    // The booking's messages as Kafka holds them: each carries a `traceparent` header in the booking's
    // trace, naming the relay's span (when the relay's batch was this trace alone) or else the event's own.
    const streamId = `booking-${bookingId}`;
    const published = await collect(stack.kafka!.client, [topicFor(streamId)], (key) => key === streamId);
    const messages = await published.until((found) => found.length >= 2).finally(() => published.stop());
    const relaySpanIds = new Set(relayed.filter((s) => traceOf(s) === traceId).map((s) => s.spanContext().spanId));
    const headerSpanIds = new Set<string>();
    // The request's events came to the relay in a batch of their own: the header names the relay's span, not the request's.
    const requested = messages.find((message) => message.event?.streamRevision === 0);
    expect(relaySpanIds.has(spanIdOf(requested?.headers.traceparent)!), 'the first message leads through the relay').toBe(true);
    expect(spanIdOf(requested?.headers.traceparent)).not.toBe(spanIdOf(requested?.event?.metadata.traceparent));
    for (const message of messages) {
      expect(message.headers.traceparent, `${message.event?.type} has a traceparent header`).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      const spanId = spanIdOf(message.headers.traceparent)!;
      expect(relaySpanIds.has(spanId) || spanId === spanIdOf(message.event?.metadata.traceparent), message.event?.type).toBe(true);
      headerSpanIds.add(spanId);
    }

    // The consumer that applies them continues from the header: its span's parent (or link) is the header's span.
    const viaHeader = await waitUntil(
      async () =>
        (await spans())
          .filter(
            (s) =>
              s.name.startsWith('projection ') &&
              (headerSpanIds.has(s.parentSpanContext?.spanId ?? '') || s.links.some((link) => headerSpanIds.has(link.context.spanId))),
          )
          .map((s) => s.name),
      (names) => names.includes('projection booking_history'),
    );
    expect(viaHeader).toContain('projection booking_history');
  });
});
