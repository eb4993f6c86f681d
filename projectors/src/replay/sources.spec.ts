import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, PostgresEventStore, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { isoOfUtcTimestamp, pgEventSource } from './sources.ts';

let pool: Pool;
let store: PostgresEventStore;

beforeAll(async () => {
  pool = createPool(await testDatabaseUrl(), 4);
  store = await PostgresEventStore.create(pool);
});
afterAll(async () => {
  await store?.close();
  await pool?.end();
});

const plain = (event: RecordedEvent) => JSON.parse(JSON.stringify(event)) as RecordedEvent;

describe('the COPY reader of the log', () => {
  it('reads the same events as the store, in pages, whatever their text holds', async () => {
    const stream = `copy-${randomUUID()}`;
    const start = await store.headPosition();
    const awkward = ['tab\there', 'line\nbreak', 'back\\slash', 'quote " and \\" escaped', 'crlf\r\n', 'ünïcödé ✓ 😀', '\\N', ''];
    const { position } = await store.append(
      stream,
      awkward.map((text, i) => ({
        eventId: randomUUID(),
        type: i % 2 === 0 ? 'Noted' : 'Other',
        data: { text, nested: { list: [text, i] } },
        metadata: { correlationId: text },
      })),
      'no_stream',
    );
    const expected = (await store.readAll({ after: start, maxCount: 10_000 })).filter((e) => e.streamId === stream);
    expect(expected).toHaveLength(awkward.length);

    const source = pgEventSource(pool);
    const read: RecordedEvent[] = [];
    for (let after = start; read.length < expected.length; ) {
      const page = await source.read(after, 3);
      expect(page.length).toBeGreaterThan(0);
      read.push(...page.filter((e) => e.streamId === stream));
      after = page[page.length - 1]!.globalPosition;
    }
    expect(read.map(plain)).toEqual(expected.map(plain));
    expect(read[read.length - 1]!.globalPosition).toBe(position);
    expect(read.map((e) => (e.data as { text: string }).text)).toEqual(awkward);
    // An event is a plain object to whoever copies or stores it (a parked event is kept as its JSON).
    expect({ ...read[1]! }).toEqual(expected[1]);
    expect(await source.countAfter!(position)).toBeGreaterThanOrEqual(0);
  });

  it('spells timestamps as Date#toISOString does', () => {
    for (const [text, iso] of [
      ['2026-12-01 04:05:06.123456', '2026-12-01T04:05:06.123Z'],
      ['2026-12-01 04:05:06.1', '2026-12-01T04:05:06.100Z'],
      ['2026-12-01 04:05:06', '2026-12-01T04:05:06.000Z'],
      ['2026-12-01 04:05:06.999999', '2026-12-01T04:05:06.999Z'],
    ] as const) {
      expect(isoOfUtcTimestamp(text)).toBe(iso);
    }
  });
});
