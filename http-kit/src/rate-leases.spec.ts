import { describe, expect, it } from 'vitest';
import { LeasedRateWindows, RateLeases } from './rate-leases.ts';
import type { RateWindow } from './rate-limit.ts';

const limiter = { name: 'reads', windowMs: 60_000, limit: 1_000 };

/** Two workers' counters on one primary's leases, each ask answered a tick later (the IPC round trip); `asks` counts them. */
const cluster = (now: () => number) => {
  const leases = new RateLeases(now);
  let asks = 0;
  const ask = async (of: typeof limiter, key: string) => {
    asks++;
    await new Promise((resolve) => setImmediate(resolve));
    return leases.grant(of, key, 2);
  };
  return { workers: [new LeasedRateWindows(limiter, now, ask), new LeasedRateWindows(limiter, now, ask)], asks: () => asks };
};
const allowed = (window: RateWindow) => window.hits <= limiter.limit;

describe('rate limits across workers: leases of requests from the primary', () => {
  it('one client on both workers is allowed its limit, not a request more, whichever worker each request reaches', async () => {
    const at = 1_000_000;
    const { workers, asks } = cluster(() => at);
    const answers: boolean[] = [];
    for (let i = 0; i < 1_500; i++) answers.push(allowed(await workers[i % 3 === 0 ? 0 : 1]!.hit('10.0.0.1')));
    const yes = answers.filter(Boolean).length;
    expect(yes).toBeLessThanOrEqual(limiter.limit);
    // refused at most a lease's worth before the limit (one request by then, the other worker's last)
    expect(yes).toBeGreaterThanOrEqual(limiter.limit - 2);
    // about one round trip to the primary per lease, not one per request
    expect(asks()).toBeLessThan(150);
  });

  it('most requests are counted at once, without a round trip', () => {
    const { workers } = cluster(() => 1_000_000);
    const first = workers[0]!.hit('10.0.0.2');
    expect(first).toBeInstanceOf(Promise);
    return (first as Promise<RateWindow>).then(() => {
      for (let i = 0; i < 20; i++) expect(workers[0]!.hit('10.0.0.2')).not.toBeInstanceOf(Promise);
    });
  });

  it('a new window gives the client its limit again', async () => {
    let at = 1_000_000;
    const { workers } = cluster(() => at);
    for (let i = 0; i < 1_200; i++) await workers[i % 2]!.hit('10.0.0.3');
    expect(allowed(await workers[0]!.hit('10.0.0.3'))).toBe(false);
    at += limiter.windowMs;
    expect(allowed(await workers[0]!.hit('10.0.0.3'))).toBe(true);
    expect(allowed(await workers[1]!.hit('10.0.0.3'))).toBe(true);
  });
});
