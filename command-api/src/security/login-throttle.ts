import { HttpProblem } from '@stayhub/infra';

/**
 * Login throttling per account: after `maxFailures` wrong passwords within `windowMs`, further
 * attempts for that email are refused with 429 until the oldest failure leaves the window, even
 * from fresh addresses (which the per-address rate limit cannot see). A success clears the count.
 * Kept in memory and bounded: the least recently failed accounts are forgotten first.
 */
export const loginThrottle = (options: { maxFailures: number; windowMs: number; now: () => number; maxAccounts?: number }) => {
  const failures = new Map<string, number[]>();
  const maxAccounts = options.maxAccounts ?? 100_000;
  const recent = (email: string): number[] => {
    const since = options.now() - options.windowMs;
    const kept = (failures.get(email) ?? []).filter((at) => at > since);
    if (kept.length === 0) failures.delete(email);
    else failures.set(email, kept);
    return kept;
  };
  return {
    /** Throws a 429 with Retry-After while the account is locked. */
    check(email: string): void {
      const kept = recent(email);
      if (kept.length < options.maxFailures) return;
      const retryAfter = Math.max(1, Math.ceil((kept[kept.length - options.maxFailures]! + options.windowMs - options.now()) / 1000));
      throw new HttpProblem(429, 'Too Many Requests', 'Too many failed logins for this account; try again later', { retryAfter }, { 'Retry-After': String(retryAfter) });
    },
    failed(email: string): void {
      const kept = recent(email);
      failures.delete(email);
      failures.set(email, [...kept, options.now()].slice(-options.maxFailures));
      if (failures.size > maxAccounts) failures.delete(failures.keys().next().value!);
    },
    succeeded(email: string): void {
      failures.delete(email);
    },
  };
};

export type LoginThrottle = ReturnType<typeof loginThrottle>;
