import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { sendProblem } from './problem.ts';

/** The client's address as a rate-limit key (IPv6 addresses by their /56, as express-rate-limit advises). */
export const byAddress = (req: Request): string => ipKeyGenerator(req.ip ?? 'unknown');

/** One key's window: requests counted so far, when it ends (ms), and the key's hash as the headers show it. */
export type RateWindow = { hits: number; resetAt: number; partition: string };

/** The key as the `pk` of the `RateLimit` headers show it: never the address itself (express-rate-limit's format). */
const partitionOf = (key: string): string => Buffer.from(createHash('sha256').update(key).digest('hex').slice(0, 12)).toString('base64');

/**
 * Fixed windows counted in memory, one per key, each starting at its key's first request (as
 * express-rate-limit's memory store counts): a hit is one map look-up. Windows that ended are swept
 * at most once per window length, so the map holds only the keys seen in about the last two
 * windows; a key's hash for the headers is worked out once per window, not per request.
 */
export class RateWindows {
  private readonly windows = new Map<string, RateWindow>();
  private nextSweep: number;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.nextSweep = now() + windowMs;
  }

  /** Counts one request of `key` and answers its window. */
  hit(key: string): RateWindow {
    const window = this.windowOf(key);
    window.hits++;
    return window;
  }

  /** `key`'s current window (a new one when its last has ended), counting nothing. */
  windowOf(key: string): RateWindow {
    const at = this.now();
    if (at >= this.nextSweep) this.sweep(at);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= at) {
      window = { hits: 0, resetAt: at + this.windowMs, partition: window?.partition ?? partitionOf(key) };
      this.windows.set(key, window);
    }
    return window;
  }

  /** Keys held now (windows not yet swept). */
  get size(): number {
    return this.windows.size;
  }

  private sweep(at: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= at) this.windows.delete(key);
    this.nextSweep = at + this.windowMs;
  }
}

/** Adds a header line, keeping those already set (two limiters on one route each announce their own). */
const appendHeader = (res: Response, name: string, value: string): void => {
  const before = res.getHeader(name);
  res.setHeader(name, before === undefined ? value : Array.isArray(before) ? [...before, value] : [String(before), value]);
};

/** Counts a key's requests: in this process (`RateWindows`), or across a cluster's workers (`LeasedRateWindows`), then at times after a round trip. */
export type RateCounter = { hit: (key: string) => RateWindow | Promise<RateWindow> };

/**
 * A fixed-window limiter counting in memory (this process alone, synchronous) or with `counter`
 * (across a cluster's workers, see `rate-leases.ts`); each answer carries
 * the IETF draft-8 `RateLimit` and `RateLimit-Policy` headers (as express-rate-limit's
 * `standardHeaders: 'draft-8'` writes them); over the limit the answer is a 429 problem+json with
 * `Retry-After`.
 */
export const rateLimiter = (options: {
  name: string;
  windowMs: number;
  limit: number;
  key: (req: Request) => string;
  skip?: (req: Request) => boolean;
  now?: () => number;
  /** Where the counts are kept (by default in this process): given the limiter's name, window and limit. */
  counter?: (limiter: { name: string; windowMs: number; limit: number }) => RateCounter;
}): RequestHandler => {
  const now = options.now ?? Date.now;
  const { name, limit, windowMs } = options;
  const windows = options.counter?.({ name, windowMs, limit }) ?? new RateWindows(windowMs, now);
  const windowSeconds = Math.ceil(windowMs / 1000);
  const answer = (res: Response, next: (error?: unknown) => void, window: RateWindow) => {
    const resetSeconds = Math.max(0, Math.ceil((window.resetAt - now()) / 1000));
    appendHeader(res, 'RateLimit', `"${name}"; r=${Math.max(limit - window.hits, 0)}; t=${resetSeconds}`);
    appendHeader(res, 'RateLimit-Policy', `"${name}"; q=${limit}; w=${windowSeconds}; pk=:${window.partition}:`);
    if (window.hits <= limit) return next();
    res.setHeader('Retry-After', String(resetSeconds));
    sendProblem(res, 429, { detail: `Too many requests (${name}); retry after ${resetSeconds} s` });
  };
  return (req, res, next) => {
    if (options.skip?.(req)) return next();
    const window = windows.hit(options.key(req));
    if (window instanceof Promise) window.then((counted) => answer(res, next, counted), next);
    else answer(res, next, window);
  };
};
