import { describe, expect, it } from 'vitest';
import { params } from './args.ts';

const spec = { duration: { default: 20, help: 'seconds' }, peer: { default: true, help: 'run the peer' }, cases: { default: 'spread,hot', help: 'cases' } };

describe('benchmark parameters', () => {
  it('takes the defaults, numbers, strings and booleans given, and --no-<name> for a boolean', () => {
    expect(params('x', spec, [])).toEqual({ duration: 20, peer: true, cases: 'spread,hot' });
    expect(params('x', spec, ['--duration', '15', '--cases', 'spread', '--no-peer'])).toEqual({ duration: 15, peer: false, cases: 'spread' });
    expect(params('x', spec, ['--peer'])).toMatchObject({ peer: true });
  });

  it('refuses a number that is not one', () => {
    expect(() => params('x', spec, ['--duration', 'soon'])).toThrow('--duration must be a number');
  });
});
