import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '@stayhub/infra/tracing/sdk';
import type { Stack } from './harness.ts';

// Tracing starts before the platform's modules (and the packages they import) are loaded: that is
// when the auto-instrumentations patch them, as the built apps do with their first module.
const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor(exporter);
const tracing: Tracing = await startTracing({ serviceName: 'stayhub-e2e', spanProcessors: [processor] });
const { startStack } = await import('./harness.ts');
const { day, publishedListing, register, waitUntil } = await import('./fixtures.ts');

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
  await tracing.shutdown();
});

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
/** Spans are exported once the resource's attributes are detected: flushed before each look. */
const flushed = async () => {
  await processor.forceFlush();
  return spans();
};
const traceOf = (span: ReadableSpan) => span.spanContext().traceId;
/** In the trace, or linked to it (a batch that served several requests). */
const serves = (span: ReadableSpan, traceId: string) => traceOf(span) === traceId || span.links.some((link) => link.context.traceId === traceId);

describe('traces', () => {
  it('follow a booking from its HTTP command through the append into the projections and the workflow task it causes', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host);
    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 10), checkOut: day(stack, 12), guests: 2, paymentMethod: 'tok_visa' },
      { token: guest.token, headers: { 'X-Correlation-Id': 'trace-spec-booking' } },
    );
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    await waitUntil(
      () => stack.query.get(`/bookings/${booked.body.bookingId}`, { token: guest.token }),
      (r) => r.body?.status === 'confirmed',
    );

    await flushed();
    const request = spans().find((s) => s.kind === SpanKind.SERVER && s.attributes['http.route'] === '/bookings' && s.attributes['http.request.method'] === 'POST');
    expect(request, spans().map((s) => s.name).join(', ')).toBeDefined();
    const traceId = traceOf(request!);

    // The append: ours, and the database statements under it (pg's auto-instrumentation).
    const append = spans().find((s) => s.name === 'eventstore append' && traceOf(s) === traceId);
    expect(append).toBeDefined();
    expect(spans().some((s) => traceOf(s) === traceId && s.parentSpanContext?.spanId === append!.spanContext().spanId && s.kind === SpanKind.CLIENT)).toBe(true);

    // The booking as the projections applied it, and the payment task the booking workflow ran for it.
    const applied = await waitUntil(
      async () => (await flushed()).filter((s) => s.name.startsWith('projection ') && serves(s, traceId)).map((s) => s.name),
      (names) => names.includes('projection booking_history') && names.includes('projection availability'),
    );
    expect(applied).toContain('projection booking_history');
    const tasks = await waitUntil(
      async () => (await flushed()).filter((s) => s.name.startsWith('workflow ') && traceOf(s) === traceId),
      (found) => found.length > 0,
    );
    // The events the task appended continue the same trace (their metadata carries it).
    const taskIds = new Set(tasks.map((t) => t.spanContext().spanId));
    expect(spans().some((s) => s.name === 'eventstore append' && s.parentSpanContext && taskIds.has(s.parentSpanContext.spanId))).toBe(true);

    const [event] = (await stack.side.deps.eventStore.readStream(`booking-${booked.body.bookingId}`)).events;
    expect(event!.metadata.correlationId).toBe('trace-spec-booking');
    expect(event!.metadata.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });
});
