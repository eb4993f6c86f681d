import { describe, expect, it } from 'vitest';
import { runLoad } from './load.ts';

const after = (ms: number, status: number) => new Promise<number>((resolve) => setTimeout(() => resolve(status), ms));

describe('closed-loop load', () => {
  it('keeps at most `concurrency` requests in flight and counts each answer by status', async () => {
    let inFlight = 0;
    let most = 0;
    const result = await runLoad({
      concurrency: 4,
      durationMs: 150,
      request: async (n) => {
        most = Math.max(most, ++inFlight);
        const status = await after(2, n % 5 === 0 ? 409 : 201);
        inFlight--;
        return status;
      },
    });
    expect(most).toBe(4);
    expect(result.requests).toBeGreaterThan(8);
    expect(Object.values(result.statuses).reduce((a, b) => a + b, 0)).toBe(result.requests);
    expect(result.succeeded).toBe(result.statuses['201']);
    expect(result.latencyMs.count).toBe(result.requests);
  });

  it('stops at maxRequests, counts a failed request as status 0, and leaves the warm-up out', async () => {
    const seen: number[] = [];
    const result = await runLoad({
      concurrency: 3,
      durationMs: 10_000,
      maxRequests: 12,
      request: async (n) => {
        seen.push(n);
        if (n === 11) throw new Error('connection reset');
        return after(1, 200);
      },
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(result.statuses).toEqual({ 200: 11, 0: 1 });

    const warmed = await runLoad({ concurrency: 1, warmupMs: 60, durationMs: 60, request: () => after(10, 200) });
    expect(warmed.requests).toBeLessThan(8);
  });
});
