import { describe, expect, it } from 'vitest';
import { HttpProblem } from '@stayhub/infra';
import { loginThrottle } from './login-throttle.ts';

const refusal = (run: () => void): HttpProblem | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return error as HttpProblem;
  }
};

describe('login throttle', () => {
  it('locks an account after N failures in the window, with Retry-After until the oldest leaves it', () => {
    let now = 0;
    const throttle = loginThrottle({ maxFailures: 3, windowMs: 60_000, now: () => now });
    for (const at of [0, 10_000, 20_000]) {
      now = at;
      expect(refusal(() => throttle.check('a@example.com'))).toBeUndefined();
      throttle.failed('a@example.com');
    }
    now = 30_000;
    const locked = refusal(() => throttle.check('a@example.com'));
    expect(locked?.status).toBe(429);
    expect(locked?.headers['Retry-After']).toBe('30');
    expect(refusal(() => throttle.check('b@example.com'))).toBeUndefined();
    now = 60_001;
    expect(refusal(() => throttle.check('a@example.com'))).toBeUndefined();
  });

  it('a success clears the count', () => {
    const throttle = loginThrottle({ maxFailures: 2, windowMs: 60_000, now: () => 0 });
    throttle.failed('a@example.com');
    throttle.succeeded('a@example.com');
    throttle.failed('a@example.com');
    expect(refusal(() => throttle.check('a@example.com'))).toBeUndefined();
  });

  it('forgets the least recently failed accounts beyond its bound', () => {
    const throttle = loginThrottle({ maxFailures: 1, windowMs: 60_000, now: () => 0, maxAccounts: 2 });
    for (const email of ['a', 'b', 'c']) throttle.failed(email);
    expect(refusal(() => throttle.check('a'))).toBeUndefined();
    expect(refusal(() => throttle.check('c'))?.status).toBe(429);
  });
});
