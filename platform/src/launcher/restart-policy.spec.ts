import { describe, expect, it } from 'vitest';
import { nextRestart } from './restart-policy.ts';

const healthyMs = 60_000;

describe('restart policy of the launcher', () => {
  it('backs off while a process keeps exiting quickly, up to 30 s', () => {
    let quickExits = 0;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const next = nextRestart({ ranMs: 1_000, quickExits, healthyMs });
      delays.push(next.delayMs);
      quickExits = next.quickExits;
    }
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it('starts at once again a process that ran for the healthy period, however often it crashed before', () => {
    expect(nextRestart({ ranMs: healthyMs, quickExits: 9, healthyMs })).toEqual({ delayMs: 500, quickExits: 1 });
    expect(nextRestart({ ranMs: healthyMs - 1, quickExits: 9, healthyMs })).toEqual({ delayMs: 30_000, quickExits: 10 });
  });
});
