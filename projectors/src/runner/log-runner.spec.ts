import { describe, expect, it } from 'vitest';
import { isOutage } from './log-runner.ts';

const withCode = (message: string, code: string, name = 'Error') => Object.assign(new Error(message), { code, name });

describe('store outage or bad event', () => {
  it('retries without end when the read store is down', () => {
    expect(isOutage(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isOutage(withCode('terminating connection due to administrator command', '57P01'))).toBe(true);
    expect(isOutage(withCode('connection failure', '08006'))).toBe(true);
    expect(isOutage(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isOutage(Object.assign(new Error('All host(s) tried for query failed'), { name: 'NoHostAvailableError' }))).toBe(true);
    expect(isOutage(Object.assign(new Error('Connection is closed.'), { name: 'Error' }))).toBe(true);
  });

  it('parks what the store refuses for this event alone', () => {
    expect(isOutage(withCode('null value in column "title" violates not-null constraint', '23502'))).toBe(false);
    expect(isOutage(new TypeError("Cannot read properties of undefined (reading 'nights')"))).toBe(false);
    expect(isOutage('not even an error')).toBe(false);
  });
});
