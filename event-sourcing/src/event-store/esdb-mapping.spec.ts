import { NO_STREAM, STREAM_EXISTS, ANY, UnsupportedError, WrongExpectedVersionError, type EventData } from '@kurrent/kurrentdb-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  actualRevision,
  decodePosition,
  encodePosition,
  isSystemEvent,
  MultiStreamAppendUnsupported,
  toAppendStreamRequest,
  toEventData,
  toMultiStreamError,
  toMultiStreamResult,
  toRecordedEvent,
  toRevision,
  toStreamState,
  toWrongExpectedRevision,
  type StoredEvent,
} from './esdb-mapping.ts';
import { WrongExpectedRevision, type EventToAppend } from './port.ts';

const MAX_U64 = 2n ** 64n - 1n;
const u64 = fc.bigInt({ min: 0n, max: MAX_U64 });
const position = fc.record({ commit: u64, prepare: u64 });

const stored = (overrides: Partial<StoredEvent> = {}): StoredEvent => ({
  id: '0190f0c4-5c1e-7c3a-9a57-0c5b7e0e1a01',
  streamId: 'booking-42',
  revision: 3n,
  type: 'BookingRequested',
  created: new Date('2025-05-01T10:00:00.123Z'),
  isJson: true,
  data: { bookingId: '42' },
  metadata: { correlationId: 'c-1', actor: 'guest-7', schemaVersion: 2, occurredAt: '2025-04-30T08:15:00.000Z' },
  position: { commit: 1_234n, prepare: 1_200n },
  ...overrides,
});

describe('KurrentDB positions', () => {
  it('encode commit and prepare zero-padded to 20 digits', () => {
    expect(encodePosition({ commit: 1_234n, prepare: 56n })).toBe('00000000000000001234-00000000000000000056');
    expect(encodePosition({ commit: MAX_U64, prepare: 0n })).toBe('18446744073709551615-00000000000000000000');
  });

  it('decode back to the same position', () => {
    fc.assert(
      fc.property(position, (p) => {
        expect(decodePosition(encodePosition(p))).toEqual(p);
      }),
    );
  });

  it('sort as strings exactly as they sort by commit, then prepare', () => {
    const byLog = (a: { commit: bigint; prepare: bigint }, b: { commit: bigint; prepare: bigint }) =>
      a.commit === b.commit ? Math.sign(Number(a.prepare - b.prepare)) : Math.sign(Number(a.commit - b.commit));
    fc.assert(
      fc.property(position, position, (a, b) => {
        const [x, y] = [encodePosition(a), encodePosition(b)];
        expect(x < y ? -1 : x > y ? 1 : 0).toBe(byLog(a, b));
      }),
    );
    // The case plain decimal strings get wrong: 9 < 10 although '9' > '10'.
    expect(encodePosition({ commit: 9n, prepare: 9n }) < encodePosition({ commit: 10n, prepare: 10n })).toBe(true);
  });

  it("read '' as the beginning and refuse anything that is not a position", () => {
    expect(decodePosition('')).toBeUndefined();
    for (const bad of ['12', 'abc-def', '1-2-3', '-1-5', `${'9'.repeat(21)}-0`]) {
      expect(() => decodePosition(bad)).toThrow(RangeError);
    }
  });
});

describe('KurrentDB expected revisions', () => {
  it('map every kind of our expectation to the stream state the client sends', () => {
    expect(toStreamState('any')).toBe(ANY);
    expect(toStreamState('no_stream')).toBe(NO_STREAM);
    expect(toStreamState('stream_exists')).toBe(STREAM_EXISTS);
    expect(toStreamState(0)).toBe(0n);
    expect(toStreamState(41)).toBe(41n);
    expect(toStreamState(-1)).toBe(NO_STREAM);
  });

  it('refuse revisions that name no stream state', () => {
    for (const bad of [-2, 1.5, Number.NaN, 2 ** 53]) expect(() => toStreamState(bad)).toThrow(RangeError);
  });

  it("turn the client's wrong-expected-version error into ours with the actual revision", () => {
    const existing = new WrongExpectedVersionError(undefined, { streamName: 's-1', expected: 0n, current: 4n });
    const mapped = toWrongExpectedRevision(existing, 's-1', 0);
    expect(mapped).toBeInstanceOf(WrongExpectedRevision);
    expect(mapped).toMatchObject({ streamId: 's-1', expected: 0, actual: 4 });

    const missing = new WrongExpectedVersionError(undefined, { streamName: 's-2', expected: STREAM_EXISTS, current: NO_STREAM });
    expect(toWrongExpectedRevision(missing, 's-2', 'stream_exists')).toMatchObject({ expected: 'stream_exists', actual: -1 });
  });

  it('leave every other error alone', () => {
    expect(toWrongExpectedRevision(new Error('unavailable'), 's', 'any')).toBeUndefined();
    expect(toWrongExpectedRevision('boom', 's', 'any')).toBeUndefined();
  });

  it('read a deleted or tombstoned state as no readable head', () => {
    expect(actualRevision(NO_STREAM)).toBe(-1);
    expect(actualRevision(-5n)).toBe(-1);
    expect(actualRevision(7n)).toBe(7);
  });

  it('refuse a revision beyond the safe integer range instead of rounding it', () => {
    expect(toRevision(9_007_199_254_740_991n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => toRevision(9_007_199_254_740_993n)).toThrow(RangeError);
  });
});

describe('KurrentDB events written', () => {
  const toAppend: EventToAppend = {
    eventId: '0190f0c4-5c1e-7c3a-9a57-0c5b7e0e1a02',
    type: 'BookingApproved',
    schemaVersion: 3,
    occurredAt: '2025-05-02T09:00:00.000Z',
    data: { bookingId: '42', by: 'host-1' },
    metadata: { correlationId: 'c-9', causationId: 'e-8' },
  };

  it('are JSON events with our id, type and data, the bookkeeping in the metadata', () => {
    expect(toEventData(toAppend)).toEqual({
      id: toAppend.eventId,
      contentType: 'application/json',
      type: 'BookingApproved',
      data: { bookingId: '42', by: 'host-1' },
      metadata: { correlationId: 'c-9', causationId: 'e-8', schemaVersion: 3, occurredAt: '2025-05-02T09:00:00.000Z' },
    });
  });

  it('default the schema version to 1 and leave occurredAt to the server clock when not given', () => {
    const { metadata } = toEventData({ eventId: toAppend.eventId, type: 'X', data: {} });
    expect(metadata).toEqual({ schemaVersion: 1 });
  });

  it('come back from a read as they were appended', () => {
    const written = toEventData(toAppend) as Extract<EventData, { contentType: 'application/json' }>;
    const read = toRecordedEvent(
      stored({ id: written.id, type: written.type, data: written.data, metadata: written.metadata, streamId: 'booking-42', revision: 0n }),
    );
    expect(read).toEqual({
      eventId: toAppend.eventId,
      type: 'BookingApproved',
      schemaVersion: 3,
      streamId: 'booking-42',
      streamRevision: 0,
      globalPosition: '00000000000000001234-00000000000000001200',
      occurredAt: '2025-05-02T09:00:00.000Z',
      data: { bookingId: '42', by: 'host-1' },
      metadata: { correlationId: 'c-9', causationId: 'e-8' },
    });
  });
});

describe('KurrentDB events read', () => {
  it('map ids, types, revisions and positions, and strip our bookkeeping from the metadata', () => {
    const event = toRecordedEvent(stored());
    expect(event).toEqual({
      eventId: '0190f0c4-5c1e-7c3a-9a57-0c5b7e0e1a01',
      type: 'BookingRequested',
      schemaVersion: 2,
      streamId: 'booking-42',
      streamRevision: 3,
      globalPosition: '00000000000000001234-00000000000000001200',
      occurredAt: '2025-04-30T08:15:00.000Z',
      data: { bookingId: '42' },
      metadata: { correlationId: 'c-1', actor: 'guest-7' },
    });
  });

  it('take occurredAt from the server time and schema version 1 when the metadata has neither', () => {
    const event = toRecordedEvent(stored({ metadata: { actor: 'a' } }));
    expect(event.occurredAt).toBe('2025-05-01T10:00:00.123Z');
    expect(event.schemaVersion).toBe(1);
    expect(event.metadata).toEqual({ actor: 'a' });
  });

  it('normalise occurredAt to UTC and ignore one that is not an instant', () => {
    expect(toRecordedEvent(stored({ metadata: { occurredAt: '2025-04-30T10:15:00+02:00' } })).occurredAt).toBe('2025-04-30T08:15:00.000Z');
    expect(toRecordedEvent(stored({ metadata: { occurredAt: 'yesterday' } })).occurredAt).toBe('2025-05-01T10:00:00.123Z');
  });

  it('give events without usable metadata (none, binary, an array) an empty metadata object', () => {
    for (const metadata of [undefined, new Uint8Array([1, 2]), ['x'], 'text']) {
      expect(toRecordedEvent(stored({ metadata })).metadata).toEqual({});
    }
  });

  it('refuse an event without a log position (servers before 22.6)', () => {
    expect(() => toRecordedEvent(stored({ position: undefined }))).toThrow(/22\.6/);
  });

  it('tell system events by a $ type or a $ stream', () => {
    expect(isSystemEvent({ streamId: 'booking-1', type: 'BookingRequested' })).toBe(false);
    expect(isSystemEvent({ streamId: '$stats-127.0.0.1:2113', type: '$statsCollected' })).toBe(true);
    expect(isSystemEvent({ streamId: 'booking-1', type: '$metadata' })).toBe(true);
    expect(isSystemEvent({ streamId: '$projections-x-result', type: 'Result' })).toBe(true);
  });
});

describe('KurrentDB multi-stream append mapping', () => {
  const appends = [
    {
      streamId: 'calendar-a-2026-01',
      expected: 4 as const,
      events: [{ eventId: '0190f0c4-5c1e-7c3a-9a57-0c5b7e0e1a11', type: 'HoldPlaced', data: { n: 1 }, metadata: { actor: 'g', depth: 2 } }],
    },
    {
      streamId: 'booking-1',
      expected: 'no_stream' as const,
      events: [{ eventId: '0190f0c4-5c1e-7c3a-9a57-0c5b7e0e1a12', type: 'BookingRequested', schemaVersion: 2, data: { b: 1 } }],
    },
  ];

  it('asks for each stream with its own expected state, metadata as string properties', () => {
    const [calendar, booking] = appends.map(toAppendStreamRequest);
    expect(calendar).toMatchObject({ streamName: 'calendar-a-2026-01', expectedState: 4n });
    expect(booking).toMatchObject({ streamName: 'booking-1', expectedState: NO_STREAM });
    expect(calendar!.events[0]!.metadata).toEqual({ actor: 'g', depth: '2', schemaVersion: '1' });
    expect(booking!.events[0]!.metadata).toEqual({ schemaVersion: '2' });
    expect(booking!.events[0]).toMatchObject({ id: '0190f0c4-5c1e-7c3a-9a57-0c5b7e0e1a12', type: 'BookingRequested', data: { b: 1 } });
  });

  it('reads a string schema version back as a number', () => {
    expect(toRecordedEvent(stored({ metadata: { schemaVersion: '2', actor: 'g' } }))).toMatchObject({ schemaVersion: 2, metadata: { actor: 'g' } });
  });

  it('answers per stream in the order asked, with the append position', () => {
    const result = toMultiStreamResult(appends, {
      position: 77n,
      responses: [
        { streamName: 'booking-1', revision: 0n },
        { streamName: 'calendar-a-2026-01', revision: 5n },
      ],
    });
    expect(result).toEqual({
      streams: [
        { streamId: 'calendar-a-2026-01', nextExpectedRevision: 5 },
        { streamId: 'booking-1', nextExpectedRevision: 0 },
      ],
      position: encodePosition({ commit: 77n, prepare: 77n }),
    });
  });

  it('names the stream whose expectation failed', () => {
    const error = new WrongExpectedVersionError(undefined, { streamName: 'booking-1', expected: NO_STREAM, current: 0n });
    const mapped = toMultiStreamError(error, appends);
    expect(mapped).toBeInstanceOf(WrongExpectedRevision);
    expect(mapped).toMatchObject({ streamId: 'booking-1', expected: 'no_stream', actual: 0 });
  });

  it('says that an older server lacks the multi-stream append, instead of passing its error on', () => {
    expect(toMultiStreamError(new UnsupportedError('multiStreamAppend', '25.1'), appends)).toBeInstanceOf(MultiStreamAppendUnsupported);
    expect(toMultiStreamError(new Error('12 UNIMPLEMENTED: unknown service kurrentdb.protocol.v2.StreamsService'), appends)).toBeInstanceOf(
      MultiStreamAppendUnsupported,
    );
    const other = new Error('connection refused');
    expect(toMultiStreamError(other, appends)).toBe(other);
  });
});
