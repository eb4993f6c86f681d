import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { continuedTraceparent, currentTraceparent, inCausedSpan, inEventsSpan, inSpan, markSpanFailed, tracingOn, withTraceparent } from './spans.ts';
import { startTracing, type Tracing } from '@stayhub/platform-kit/tracing';

const trace = (n: number) => `${n}`.padStart(32, 'a');
const traceparentOf = (n: number) => `00-${trace(n)}-${'b'.repeat(16)}-01`;
const event = (traceparent?: string) => ({ metadata: traceparent ? { traceparent } : {} });

const spanOf = (traceparent: string, n: number) => traceparent.replace(/-[0-9a-f]{16}-/, `-${`${n}`.padStart(16, 'c')}-`);

describe('the trace context a delivered event continues', () => {
  it.each([
    ['the header, when it is in the event’s trace (it leads through the relay)', traceparentOf(1), spanOf(traceparentOf(1), 9), spanOf(traceparentOf(1), 9)],
    ['the event’s own, when the header is another trace (a relay batch of many requests)', traceparentOf(1), traceparentOf(2), traceparentOf(1)],
    ['the header, when the event has none', undefined, traceparentOf(2), traceparentOf(2)],
    ['the event’s own, without a header or with a malformed one', traceparentOf(1), 'garbage', traceparentOf(1)],
    ['nothing, with neither', undefined, undefined, undefined],
  ])('%s', (_, stored, carried, continued) => {
    expect(continuedTraceparent(stored, carried)).toBe(continued);
  });
});

describe('spans with tracing off', () => {
  it('run the work as it is, and give no traceparent', async () => {
    expect(tracingOn()).toBe(false);
    expect(await inEventsSpan('x', [event(traceparentOf(1))], {}, async () => 7)).toBe(7);
    expect(await inSpan('x', {}, async () => 8)).toBe(8);
    expect(currentTraceparent()).toBeUndefined();
    const metadata = { correlationId: 'c' };
    expect(withTraceparent(metadata)).toBe(metadata);
  });
});

describe('spans with tracing on', () => {
  const exporter = new InMemorySpanExporter();
  // It exports once the resource's attributes are detected: flushed before each look.
  const processor = new SimpleSpanProcessor(exporter);
  let tracing: Tracing;
  beforeAll(async () => {
    tracing = await startTracing({ serviceName: 'spec', spanProcessors: [processor] });
  });
  afterAll(() => tracing.shutdown());
  const finished = async (name: string) => {
    await processor.forceFlush();
    return exporter.getFinishedSpans().find((s) => s.name === name)!;
  };

  it('a batch from one trace continues it; a batch from several starts a trace linked to each', async () => {
    await inEventsSpan('one', [event(traceparentOf(1)), event(traceparentOf(1)), event()], {}, async () => undefined);
    const one = await finished('one');
    expect(one.spanContext().traceId).toBe(trace(1));
    expect(one.parentSpanContext?.spanId).toBe('b'.repeat(16));

    await inEventsSpan('many', [event(traceparentOf(1)), event(traceparentOf(2)), event('not a traceparent')], {}, async () => undefined);
    const many = await finished('many');
    expect(many.spanContext().traceId).not.toBe(trace(1));
    expect(many.links.map((link) => link.context.traceId).sort()).toEqual([trace(1), trace(2)]);
  });

  it('a batch delivered with headers continues from each header in its event’s trace', async () => {
    const viaRelay = spanOf(traceparentOf(6), 7);
    await inEventsSpan('carried', [event(traceparentOf(6)), event(traceparentOf(6))], {}, async () => undefined, [viaRelay, undefined]);
    const carried = await finished('carried');
    // One trace: the child of the relay's span the header names, not of the request's in the metadata.
    expect(carried.spanContext().traceId).toBe(trace(6));
    expect(carried.links).toEqual([]);
    expect(carried.parentSpanContext?.spanId).toBe(`${7}`.padStart(16, 'c'));
  });

  it('a caused span runs under its stored traceparent, and what it appends carries its own', async () => {
    let stamped: string | undefined;
    await inCausedSpan('task', traceparentOf(3), {}, async () => {
      stamped = withTraceparent({ correlationId: 'c' })?.traceparent;
    });
    const task = await finished('task');
    expect(task.spanContext().traceId).toBe(trace(3));
    expect(stamped).toBe(`00-${trace(3)}-${task.spanContext().spanId}-01`);
    expect(withTraceparent({ traceparent: traceparentOf(4) })?.traceparent).toBe(traceparentOf(4));
  });

  it('a failure is recorded on the span and still thrown, or only recorded when handled', async () => {
    await expect(inSpan('failing', {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect((await finished('failing')).status).toMatchObject({ code: 2, message: 'boom' });
    // A failure the work handles itself (a task that will be retried) marks its span all the same.
    await inCausedSpan('handled', traceparentOf(5), {}, async () => markSpanFailed(new Error('gateway away')));
    expect((await finished('handled')).status).toMatchObject({ code: 2, message: 'gateway away' });
  });
});
