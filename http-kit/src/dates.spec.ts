import { afterEach, describe, expect, it, vi } from 'vitest';
import { NearIsoDate } from './dates.ts';

describe('NearIsoDate', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('takes dates within the window around today and refuses the rest', () => {
    vi.useFakeTimers({ now: Date.parse('2030-06-15T12:00:00Z') });
    expect(NearIsoDate.safeParse('2030-06-15').success).toBe(true);
    expect(NearIsoDate.safeParse('2035-06-01').success).toBe(true);
    expect(NearIsoDate.safeParse('2036-06-30').success).toBe(false);
    expect(NearIsoDate.safeParse('2028-06-01').success).toBe(false);
    expect(NearIsoDate.safeParse('2030-02-30').success).toBe(false);
  });

  it('moves the window when the day changes, forwards and back', () => {
    vi.useFakeTimers({ now: Date.parse('2030-06-15T23:59:59Z') });
    const lastAccepted = '2035-06-19'; // 5 × 366 days after 2030-06-15
    expect(NearIsoDate.safeParse(lastAccepted).success).toBe(true);
    expect(NearIsoDate.safeParse('2035-06-20').success).toBe(false);
    vi.setSystemTime(Date.parse('2030-06-16T00:00:01Z'));
    expect(NearIsoDate.safeParse('2035-06-20').success).toBe(true);
    vi.setSystemTime(Date.parse('2030-06-15T10:00:00Z'));
    expect(NearIsoDate.safeParse('2035-06-20').success).toBe(false);
  });
});
