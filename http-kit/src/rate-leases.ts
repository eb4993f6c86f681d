import cluster from 'node:cluster';
import { RateWindows, type RateCounter, type RateWindow } from './rate-limit.ts';

const ASK = 'stayhub:rate-lease';
const GRANT = 'stayhub:rate-lease:grant';
export type Limiter = { name: string; windowMs: number; limit: number };
type Ask = { type: typeof ASK; id: number; limiter: Limiter; key: string };
export type Grant = { type: typeof GRANT; id: number; granted: number; hits: number; resetAt: number; partition: string };

/** The most requests one lease lets a worker count without asking: a round trip to the primary per hundred requests of a busy key. */
const MOST_A_LEASE = 100;

/**
 * The primary's side: each limiter's windows (`RateWindows`, one per key, as a single process keeps
 * them), out of which it hands the workers leases of requests. A lease is at most a hundred requests
 * and at most half of what is left of the window shared by the workers, so that the requests a key
 * is allowed never exceed its limit, and near the limit the leases shrink to one request: a client is
 * refused at most a few leases' worth before its limit, never after it.
 */
export class RateLeases {
  private readonly limiters = new Map<string, RateWindows>();

  constructor(private readonly now: () => number = Date.now) {}

  grant(limiter: Limiter, key: string, workers: number): Omit<Grant, 'type' | 'id'> {
    const windows = this.limiters.get(limiter.name) ?? new RateWindows(limiter.windowMs, this.now);
    this.limiters.set(limiter.name, windows);
    const window = windows.windowOf(key);
    const left = limiter.limit - window.hits;
    const granted = left <= 0 ? 0 : Math.min(MOST_A_LEASE, Math.max(1, Math.floor(left / (2 * Math.max(1, workers)))));
    window.hits += granted;
    return { granted, hits: window.hits, resetAt: window.resetAt, partition: window.partition };
  }
}

/** In the primary of a cluster: answers its workers' `LeasedRateWindows` (see `RateLeases`). */
export const grantRateLeases = (): void => {
  const leases = new RateLeases();
  cluster.on('message', (worker, message: Partial<Ask>) => {
    if (message?.type !== ASK || !message.limiter || message.key === undefined) return;
    const grant = leases.grant(message.limiter, message.key, Object.keys(cluster.workers ?? {}).length);
    if (worker.isConnected()) worker.send({ type: GRANT, id: message.id!, ...grant } satisfies Grant);
  });
};

const waiting = new Map<number, (grant: Grant) => void>();
let nextAsk = 0;
let listening = false;

const askPrimary = (limiter: Limiter, key: string): Promise<Grant> => {
  if (!listening) {
    listening = true;
    process.on('message', (message: Partial<Grant>) => {
      if (message?.type !== GRANT || message.id === undefined) return;
      const resolve = waiting.get(message.id);
      waiting.delete(message.id);
      resolve?.(message as Grant);
    });
  }
  return new Promise((resolve) => {
    const id = nextAsk++;
    waiting.set(id, resolve);
    process.send!({ type: ASK, id, limiter, key } satisfies Ask);
  });
};

type Lease = { left: number; lastGrant: number; hits: number; resetAt: number; partition: string; exhausted: boolean; asking?: Promise<void> };

/**
 * In a worker of a cluster: counts a key's requests against leases from the primary
 * (`grantRateLeases`), so that a client's limit holds across the workers, whichever of them its
 * connections land on. A request within a lease is counted at once, as in one process; the next
 * lease is asked for when half of one is used, so a steady client never waits for it; a key's
 * first request in a window, and every request of a key at its limit, waits one round trip.
 */
export class LeasedRateWindows implements RateCounter {
  private readonly leases = new Map<string, Lease>();
  private nextSweep: number;

  constructor(
    private readonly limiter: Limiter,
    private readonly now: () => number = Date.now,
    private readonly ask: (limiter: Limiter, key: string) => Promise<Omit<Grant, 'type' | 'id'>> = askPrimary,
  ) {
    this.nextSweep = now() + limiter.windowMs;
  }

  hit(key: string): RateWindow | Promise<RateWindow> {
    const at = this.now();
    if (at >= this.nextSweep) this.sweep(at);
    const lease = this.leases.get(key);
    if (lease && lease.resetAt > at) {
      if (lease.left > 0) {
        lease.left--;
        if (lease.left * 2 <= lease.lastGrant && !lease.asking) void this.renew(key, lease);
        return { hits: lease.hits - lease.left, resetAt: lease.resetAt, partition: lease.partition };
      }
      if (lease.exhausted) return { hits: this.limiter.limit + 1, resetAt: lease.resetAt, partition: lease.partition };
    }
    return this.renew(key, lease).then(() => this.hit(key));
  }

  private renew(key: string, known: Lease | undefined): Promise<void> {
    const lease = known ?? { left: 0, lastGrant: 0, hits: 0, resetAt: 0, partition: '', exhausted: false };
    if (!known) this.leases.set(key, lease);
    lease.asking ??= this.ask(this.limiter, key).then((grant) => {
      lease.asking = undefined;
      // A new window: what was left of the last one's lease is void.
      if (grant.resetAt !== lease.resetAt) lease.left = 0;
      lease.left += grant.granted;
      lease.lastGrant = grant.granted;
      lease.hits = grant.hits;
      lease.resetAt = grant.resetAt;
      lease.partition = grant.partition;
      lease.exhausted = grant.granted === 0;
    });
    return lease.asking;
  }

  private sweep(at: number): void {
    for (const [key, lease] of this.leases) if (lease.resetAt <= at && !lease.asking) this.leases.delete(key);
    this.nextSweep = at + this.limiter.windowMs;
  }
}

/** A rate limiter's counter in a cluster's worker (`rateLimiter({ counter: leasedFromPrimary })`). */
export const leasedFromPrimary = (limiter: Limiter): RateCounter => new LeasedRateWindows(limiter);
