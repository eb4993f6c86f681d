import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { correlationIdsOf, tracedApply } from './traced.ts';

const event = (n: number, correlationId?: string): RecordedEvent => ({
  eventId: `e-${n}`,
  type: 'Happened',
  schemaVersion: 1,
  streamId: `s-${n}`,
  streamRevision: 0,
  globalPosition: String(n).padStart(4, '0'),
  occurredAt: '2030-01-01T00:00:00Z',
  data: {},
  metadata: correlationId ? { correlationId } : {},
});

describe('a projection batch applied', () => {
  it('is logged at debug level with the correlation ids of its events, each once', async () => {
    const lines: unknown[][] = [];
    let applied = false;
    await tracedApply(
      'availability',
      [event(1, 'req-a'), event(2, 'req-b'), event(3, 'req-a'), event(4)],
      (...line) => lines.push(line),
      async () => {
        applied = true;
      },
    );
    expect(applied).toBe(true);
    expect(lines).toEqual([['applied', { projection: 'availability', events: 4, correlationIds: ['req-a', 'req-b'] }, 'debug']]);
  });

  it('is not logged when it fails (the runner logs the failure)', async () => {
    const lines: unknown[][] = [];
    await expect(
      tracedApply(
        'availability',
        [event(1, 'req-a')],
        (...line) => lines.push(line),
        () => Promise.reject(new Error('down')),
      ),
    ).rejects.toThrow('down');
    expect(lines).toEqual([]);
  });

  it('names at most twenty requests on one line', () => {
    expect(correlationIdsOf(Array.from({ length: 50 }, (_, n) => event(n, `req-${n}`)))).toHaveLength(20);
  });
});
