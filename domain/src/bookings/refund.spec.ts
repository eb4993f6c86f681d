import { describe, expect, it } from 'vitest';
import type { CancellationPolicy } from '../listings/details.ts';
import { refundFor } from './refund.ts';

const START = '2026-04-10T15:00:00.000Z';
const paid = { amount: 30_001, currency: 'EUR' };

describe('refundFor(policy, paid, now, start)', () => {
  it.each<{ policy: CancellationPolicy; now: string; refund: number }>([
    { policy: 'flexible', now: '2026-04-01T00:00:00.000Z', refund: 30_001 },
    { policy: 'flexible', now: '2026-04-09T15:00:00.000Z', refund: 30_001 }, // exactly 24 h before
    { policy: 'flexible', now: '2026-04-09T15:00:01.000Z', refund: 0 },
    { policy: 'flexible', now: '2026-04-10T14:00:00.000Z', refund: 0 },
    { policy: 'moderate', now: '2026-03-01T00:00:00.000Z', refund: 30_001 },
    { policy: 'moderate', now: '2026-04-05T15:00:00.000Z', refund: 30_001 }, // exactly 5 days before
    { policy: 'moderate', now: '2026-04-05T15:00:01.000Z', refund: 15_000 }, // half, rounded down
    { policy: 'moderate', now: '2026-04-10T14:59:00.000Z', refund: 15_000 },
    { policy: 'strict', now: '2026-03-01T00:00:00.000Z', refund: 15_000 },
    { policy: 'strict', now: '2026-04-03T15:00:00.000Z', refund: 15_000 }, // exactly 7 days before
    { policy: 'strict', now: '2026-04-03T15:00:01.000Z', refund: 0 },
    { policy: 'strict', now: '2026-04-09T00:00:00.000Z', refund: 0 },
  ])('$policy at $now → $refund', ({ policy, now, refund }) => {
    expect(refundFor(policy, paid, now, START)).toEqual({ amount: refund, currency: 'EUR' });
  });

  it.each<CancellationPolicy>(['flexible', 'moderate', 'strict'])('%s refunds nothing of nothing', (policy) => {
    expect(refundFor(policy, { amount: 0, currency: 'EUR' }, '2026-01-01T00:00:00.000Z', START)).toEqual({ amount: 0, currency: 'EUR' });
  });
});
