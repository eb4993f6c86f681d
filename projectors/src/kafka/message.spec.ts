import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { carriedTraceparent, decodeMessage, encodeMessage, UndecodableMessage } from './message.ts';

const event: RecordedEvent = {
  eventId: '01890a5d-ac96-774b-bcce-b302099a8057',
  type: 'BookingRequested',
  schemaVersion: 2,
  streamId: 'booking-42',
  streamRevision: 7,
  globalPosition: '00000000000000000812-00000000000000000031',
  occurredAt: '2026-07-01T10:00:00.000Z',
  data: { bookingId: '42', total: { amount: 12_000, currency: 'EUR' }, nights: ['2026-08-01'] },
  metadata: { correlationId: 'c-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', actor: 'user-1' },
};

const asConsumed = (message: ReturnType<typeof encodeMessage>) => ({
  key: Buffer.from(message.key),
  value: Buffer.from(message.value),
  headers: Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, Buffer.from(value)])),
});

describe('Kafka message encoding', () => {
  it('keys by stream id and carries the envelope in headers', () => {
    const message = encodeMessage(event);
    expect(message.key).toBe('booking-42');
    expect(message.headers).toEqual({
      eventId: event.eventId,
      type: 'BookingRequested',
      streamRevision: '7',
      globalPosition: event.globalPosition,
      schemaVersion: '2',
      occurredAt: event.occurredAt,
      traceparent: event.metadata.traceparent,
      correlationId: 'c-1',
    });
    expect(JSON.parse(message.value)).toEqual({ data: event.data, metadata: event.metadata });
  });

  it('round-trips through the bytes a consumer receives', () => {
    expect(decodeMessage(asConsumed(encodeMessage(event)))).toEqual(event);
  });

  it('carries the relay’s trace context in `traceparent` when it is the event’s trace, else the event’s own', () => {
    const relaySpan = '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01';
    const otherTrace = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(encodeMessage(event, relaySpan).headers.traceparent).toBe(relaySpan);
    expect(encodeMessage(event, otherTrace).headers.traceparent).toBe(event.metadata.traceparent);
    // What the consumer continues from; the stored metadata stays the request's.
    const consumed = asConsumed(encodeMessage(event, relaySpan));
    expect(carriedTraceparent(consumed)).toBe(relaySpan);
    expect(decodeMessage(consumed).metadata.traceparent).toBe(event.metadata.traceparent);
  });

  it('leaves out tracing headers the metadata does not have', () => {
    const message = encodeMessage({ ...event, metadata: {} });
    expect(Object.keys(message.headers)).not.toContain('traceparent');
    expect(decodeMessage(asConsumed(message)).metadata).toEqual({});
  });

  it.each([
    ['no key', { key: null }],
    ['a value that is not JSON', { value: Buffer.from('{oops') }],
    ['a value without data', { value: Buffer.from('{"metadata":{}}') }],
    ['a revision that is not a number', { headers: { ...asConsumed(encodeMessage(event)).headers, streamRevision: Buffer.from('seven') } }],
    ['no event id', { headers: { ...asConsumed(encodeMessage(event)).headers, eventId: undefined } }],
  ])('rejects a message with %s', (_, change) => {
    expect(() => decodeMessage({ ...asConsumed(encodeMessage(event)), ...change })).toThrow(UndecodableMessage);
  });
});
