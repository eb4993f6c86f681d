import { describe, expect, it } from 'vitest';
import type { HttpProblem } from '@stayhub/http-kit';
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
  it('after the free failures, each further one doubles the wait for that email from that address', () => {
    let now = 0;
    const throttle = loginThrottle({ freeFailures: 2, windowMs: 900_000, now: () => now });
    const attempt = () => refusal(() => throttle.check('a@example.com', '10.0.0.1'));
    throttle.failed('a@example.com', '10.0.0.1');
    throttle.failed('a@example.com', '10.0.0.1');
    expect(attempt()).toBeUndefined();
    throttle.failed('a@example.com', '10.0.0.1');
    expect(attempt()?.headers['Retry-After']).toBe('1');
    now = 1_000;
    expect(attempt()).toBeUndefined();
    throttle.failed('a@example.com', '10.0.0.1');
    expect(attempt()?.headers['Retry-After']).toBe('2');
    now = 3_000;
    throttle.failed('a@example.com', '10.0.0.1');
    expect(attempt()?.status).toBe(429);
    expect(attempt()?.headers['Retry-After']).toBe('4');
  });

  it('never locks the account: the same email from another address, and other emails, go on', () => {
    const throttle = loginThrottle({ freeFailures: 1, windowMs: 900_000, now: () => 0 });
    for (let i = 0; i < 20; i++) throttle.failed('victim@example.com', '203.0.113.9');
    expect(refusal(() => throttle.check('victim@example.com', '203.0.113.9'))?.status).toBe(429);
    expect(refusal(() => throttle.check('victim@example.com', '198.51.100.7'))).toBeUndefined();
    expect(refusal(() => throttle.check('other@example.com', '203.0.113.9'))).toBeUndefined();
  });

  it('caps the wait, clears on success and forgets after a quiet window', () => {
    let now = 0;
    const throttle = loginThrottle({ freeFailures: 0, windowMs: 60_000, maxDelayMs: 8_000, now: () => now });
    for (let i = 0; i < 40; i++) throttle.failed('a', 'x');
    expect(refusal(() => throttle.check('a', 'x'))?.headers['Retry-After']).toBe('8');
    throttle.succeeded('a', 'x');
    expect(refusal(() => throttle.check('a', 'x'))).toBeUndefined();
    throttle.failed('a', 'x');
    now = 60_001;
    expect(refusal(() => throttle.check('a', 'x'))).toBeUndefined();
  });

  it('forgets the least recently failed pairs beyond its bound', () => {
    const throttle = loginThrottle({ freeFailures: 0, windowMs: 60_000, now: () => 0, maxEntries: 2 });
    for (const email of ['a', 'b', 'c']) throttle.failed(email, 'x');
    expect(refusal(() => throttle.check('a', 'x'))).toBeUndefined();
    expect(refusal(() => throttle.check('c', 'x'))?.status).toBe(429);
  });
});
