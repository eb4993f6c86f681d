import {
  ANY,
  UnsupportedError,
  NO_STREAM,
  STREAM_EXISTS,
  WrongExpectedVersionError,
  jsonEvent,
  type AppendStreamRequest,
  type AppendStreamState,
  type CurrentStreamState,
  type EventData,
  type JSONType,
  type MultiAppendResult,
  type Position,
} from '@kurrent/kurrentdb-client';
import {
  WrongExpectedRevision,
  type EventMetadata,
  type EventToAppend,
  type ExpectedRevision,
  type MultiStreamAppendResult,
  type RecordedEvent,
  type StreamAppend,
} from './port.ts';

/**
 * Pure translations between our port and the KurrentDB client's shapes, kept apart from the
 * adapter so that they can be tested without a server.
 */

/** The fields of a client `RecordedEvent` we read (the client's own type is assignable to it). */
export type StoredEvent = {
  id: string;
  streamId: string;
  revision: bigint;
  type: string;
  created: Date;
  isJson: boolean;
  data: unknown;
  metadata?: unknown;
  position?: Position;
};

const PAD = 20; // 2^64 - 1 has 20 digits: fixed width makes string order equal numeric order.
const TOKEN = /^(\d{1,20})-(\d{1,20})$/;

export const encodePosition = ({ commit, prepare }: Position): string => `${commit.toString().padStart(PAD, '0')}-${prepare.toString().padStart(PAD, '0')}`;

/** `''` is the beginning (undefined); anything else that is not one of our tokens is refused. */
export const decodePosition = (token: string): Position | undefined => {
  if (token === '') return undefined;
  const match = TOKEN.exec(token);
  // A malformed checkpoint must not silently replay the whole log from the start.
  if (!match) throw new RangeError(`Not a KurrentDB position: ${JSON.stringify(token)}`);
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
};

export const toStreamState = (expected: ExpectedRevision): AppendStreamState => {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      // Revision -1 is "no stream" in our port, as in the PostgreSQL adapter.
      if (expected === -1) return NO_STREAM;
      if (!Number.isSafeInteger(expected) || expected < -1) throw new RangeError(`Invalid expected revision ${expected}`);
      return BigInt(expected);
  }
};

export const toRevision = (revision: bigint): number => {
  const value = Number(revision);
  if (!Number.isSafeInteger(value)) throw new RangeError(`Revision ${revision} exceeds the safe integer range`);
  return value;
};

/** Negative states (deleted, tombstoned) have no readable head either. */
export const actualRevision = (state: CurrentStreamState): number => (state === NO_STREAM || state < 0n ? -1 : toRevision(state));

export const toWrongExpectedRevision = (error: unknown, streamId: string, expected: ExpectedRevision): WrongExpectedRevision | undefined =>
  error instanceof WrongExpectedVersionError ? new WrongExpectedRevision(streamId, expected, actualRevision(error.actualState)) : undefined;

const BOOKKEEPING = ['schemaVersion', 'occurredAt'] as const;

export const toEventData = (event: EventToAppend): EventData =>
  jsonEvent({
    id: event.eventId,
    type: event.type,
    // The port's data is any JSON value; the client's type only names objects, arrays and strings.
    data: event.data as JSONType,
    metadata: {
      ...event.metadata,
      schemaVersion: event.schemaVersion ?? 1,
      ...(event.occurredAt === undefined ? {} : { occurredAt: event.occurredAt }),
    },
  });

/**
 * The multi-stream append (KurrentDB 25.1+) carries metadata as string properties only: every
 * value that is not a string is written as its JSON text, and read back by `toRecordedEvent`.
 */
export const toAppendStreamRequest = ({ streamId, events, expected }: StreamAppend): AppendStreamRequest => ({
  streamName: streamId,
  expectedState: toStreamState(expected),
  events: events.map((event) => {
    const data = toEventData(event);
    const metadata = Object.fromEntries(
      Object.entries(data.metadata as Record<string, unknown>).flatMap(([key, value]) =>
        value === undefined ? [] : [[key, typeof value === 'string' ? value : JSON.stringify(value)]],
      ),
    );
    return { ...data, metadata };
  }),
});

/** The server's answer, per stream in the order asked; the position is the append's log position. */
export const toMultiStreamResult = (appends: StreamAppend[], result: MultiAppendResult): MultiStreamAppendResult => {
  const revisions = new Map(result.responses.map((r) => [r.streamName, toRevision(r.revision)]));
  return {
    streams: appends.map(({ streamId }) => {
      const revision = revisions.get(streamId);
      if (revision === undefined) throw new Error(`The multi-stream append answered without stream ${streamId}`);
      return { streamId, nextExpectedRevision: revision };
    }),
    position: encodePosition({ commit: result.position, prepare: result.position }),
  };
};

export class MultiStreamAppendUnsupported extends Error {
  override readonly name = 'MultiStreamAppendUnsupported';
  constructor(cause: unknown) {
    super('This KurrentDB server has no atomic multi-stream append (it needs 25.1 or later); bookings cannot be stored on it', { cause });
  }
}

/** A failed multi-stream append in our terms: the stream whose expectation failed, or an older server. */
export const toMultiStreamError = (error: unknown, appends: StreamAppend[]): unknown => {
  if (error instanceof WrongExpectedVersionError) {
    const failed = appends.find((a) => a.streamId === error.streamName) ?? appends[0]!;
    return new WrongExpectedRevision(failed.streamId, failed.expected, actualRevision(error.actualState));
  }
  const message = error instanceof Error ? error.message : '';
  if (error instanceof UnsupportedError || /unimplemented/i.test(message)) return new MultiStreamAppendUnsupported(error);
  return error;
};

/** System events: `$`-prefixed types (the server filter) and anything in a `$`-prefixed stream. */
export const isSystemEvent = (event: Pick<StoredEvent, 'streamId' | 'type'>): boolean => event.type.startsWith('$') || event.streamId.startsWith('$');

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

const isIsoInstant = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value));

export const toRecordedEvent = (event: StoredEvent): RecordedEvent => {
  if (!event.position) throw new Error(`Event ${event.id} came without a log position (KurrentDB 22.6 or later is required)`);
  const stored = isPlainObject(event.metadata) ? event.metadata : {};
  const metadata: EventMetadata = Object.fromEntries(Object.entries(stored).filter(([key]) => !(BOOKKEEPING as readonly string[]).includes(key)));
  // A multi-stream append stores metadata values as strings (see toAppendStreamRequest).
  const schemaVersion = typeof stored.schemaVersion === 'string' && /^\d+$/.test(stored.schemaVersion) ? Number(stored.schemaVersion) : stored.schemaVersion;
  return {
    eventId: event.id,
    type: event.type,
    schemaVersion: typeof schemaVersion === 'number' && Number.isInteger(schemaVersion) ? schemaVersion : 1,
    streamId: event.streamId,
    streamRevision: toRevision(event.revision),
    globalPosition: encodePosition(event.position),
    occurredAt: isIsoInstant(stored.occurredAt) ? new Date(stored.occurredAt).toISOString() : event.created.toISOString(),
    data: event.data,
    metadata,
  };
};
