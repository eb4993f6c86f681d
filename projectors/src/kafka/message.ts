import type { IHeaders, Message } from 'kafkajs';
import { z } from 'zod';
import { continuedTraceparent, type EventMetadata, type RecordedEvent } from '@stayhub/event-sourcing';

/**
 * The wire form of a recorded event: key = stream id, value = JSON `{ data, metadata }`, and the
 * envelope in headers so routers and tracing can read it without parsing the value.
 */
const HEADERS = ['eventId', 'type', 'streamRevision', 'globalPosition', 'schemaVersion', 'occurredAt', 'traceparent', 'correlationId'] as const;

export type KafkaEventMessage = { key: string; value: string; headers: Record<string, string> };

/**
 * `via`, the relay's own trace context, becomes the `traceparent` header when it is in the event's
 * trace, so that a consumer continues through the relay; else the header is the event's own.
 */
export const encodeMessage = (event: RecordedEvent, via?: string): KafkaEventMessage => {
  const headers: Record<string, string> = {
    eventId: event.eventId,
    type: event.type,
    streamRevision: String(event.streamRevision),
    globalPosition: event.globalPosition,
    schemaVersion: String(event.schemaVersion),
    occurredAt: event.occurredAt,
  };
  const { correlationId } = event.metadata;
  const traceparent = continuedTraceparent(event.metadata.traceparent, via);
  if (typeof traceparent === 'string') headers.traceparent = traceparent;
  if (typeof correlationId === 'string') headers.correlationId = correlationId;
  return { key: event.streamId, value: JSON.stringify({ data: event.data, metadata: event.metadata }), headers };
};

export class UndecodableMessage extends Error {
  override readonly name = 'UndecodableMessage';
}

const count = z
  .string()
  .regex(/^\d{1,15}$/)
  .transform(Number);
const headerSchema = z.object({
  eventId: z.string().min(1),
  type: z.string().min(1),
  streamRevision: count,
  globalPosition: z.string().min(1),
  schemaVersion: count,
  occurredAt: z.iso.datetime({ offset: true }),
});
const valueSchema = z.object({ data: z.unknown(), metadata: z.record(z.string(), z.unknown()) });

const headerText = (value: IHeaders[string]): string | undefined => {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
};

/** The `traceparent` header a message came with: the trace context its consumer continues. */
export const carriedTraceparent = (message: Pick<Message, 'headers'>): string | undefined => headerText(message.headers?.traceparent);

/** Accepts what a kafkajs consumer delivers; throws `UndecodableMessage` for anything else. */
export const decodeMessage = (message: Pick<Message, 'key' | 'value' | 'headers'>): RecordedEvent => {
  const streamId = message.key?.toString();
  if (!streamId) throw new UndecodableMessage('message has no key (stream id)');
  const rawHeaders = Object.fromEntries(HEADERS.map((name) => [name, headerText(message.headers?.[name])]));
  const headers = headerSchema.safeParse(rawHeaders);
  if (!headers.success) throw new UndecodableMessage(`bad headers: ${z.prettifyError(headers.error)}`);
  let json: unknown;
  try {
    json = JSON.parse(message.value?.toString() ?? '');
  } catch {
    throw new UndecodableMessage('value is not JSON');
  }
  const value = valueSchema.safeParse(json);
  if (!value.success || !('data' in value.data)) throw new UndecodableMessage('value is not { data, metadata }');
  return {
    ...headers.data,
    streamId,
    data: value.data.data,
    metadata: value.data.metadata as EventMetadata,
  };
};
