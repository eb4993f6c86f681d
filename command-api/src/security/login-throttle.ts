import { HttpProblem } from '@stayhub/http-kit';

type Entry = { failures: number; lastFailure: number; nextAttempt: number };

/**
 * Login throttling per (email, client address), with growing delays instead of a lock: the first
 * `freeFailures` wrong passwords cost nothing; after that each failure doubles the wait before the
 * next attempt for that email from that address (1 s, 2 s, 4 s, … up to `maxDelayMs`). Nobody can
 * lock an account: its owner, from their own address, is never slowed by a stranger's guesses
 * elsewhere, and each guessing address is slowed on its own (the per-address auth rate limit bounds
 * how many emails one address tries). A success clears the count; a quiet `windowMs` forgets it.
 * Kept in memory and bounded: the least recently failed pairs are forgotten first.
 */
export const loginThrottle = (options: {
  freeFailures: number;
  windowMs: number;
  now: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxEntries?: number;
}) => {
  const entries = new Map<string, Entry>();
  const baseDelayMs = options.baseDelayMs ?? 1_000;
  const maxDelayMs = options.maxDelayMs ?? options.windowMs;
  const maxEntries = options.maxEntries ?? 100_000;
  const keyOf = (email: string, address: string) => `${email}\u0000${address}`;
  const current = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && options.now() - entry.lastFailure > options.windowMs) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    /** Throws a 429 with Retry-After while this address must wait before trying this email again. */
    check(email: string, address: string): void {
      const entry = current(keyOf(email, address));
      const waitMs = entry ? entry.nextAttempt - options.now() : 0;
      if (waitMs <= 0) return;
      const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
      throw new HttpProblem(
        429,
        'Too Many Requests',
        'Too many failed logins from here for this account; wait before trying again',
        { retryAfter },
        { 'Retry-After': String(retryAfter) },
      );
    },
    failed(email: string, address: string): void {
      const key = keyOf(email, address);
      const failures = (current(key)?.failures ?? 0) + 1;
      const over = failures - options.freeFailures;
      const delay = over > 0 ? Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(over - 1, 30)) : 0;
      entries.delete(key);
      entries.set(key, { failures, lastFailure: options.now(), nextAttempt: options.now() + delay });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    succeeded(email: string, address: string): void {
      entries.delete(keyOf(email, address));
    },
  };
};
