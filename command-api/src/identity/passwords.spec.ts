import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './passwords.ts';

describe('password hashing', () => {
  it('is scrypt with a memory-hard cost (N=2^15, r=8: 32 MiB a guess) and a fresh salt each time', async () => {
    const [first, second] = await Promise.all([hashPassword('correct horse battery'), hashPassword('correct horse battery')]);
    const [scheme, n, r, p, salt, key] = first.split('$');
    expect(scheme).toBe('scrypt');
    expect(128 * Number(n) * Number(r)).toBeGreaterThanOrEqual(32 * 1024 * 1024);
    expect(Number(p)).toBeGreaterThanOrEqual(1);
    expect(Buffer.from(salt!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(key!, 'base64url')).toHaveLength(32);
    expect(second).not.toBe(first);
    expect(first).not.toContain('correct horse battery');
  });

  it('verifies the right password only, in any Unicode normal form, and refuses what is not a hash of ours', async () => {
    const stored = await hashPassword('Ångström passphrase');
    expect(await verifyPassword('Ångström passphrase', stored)).toBe(true);
    expect(await verifyPassword('A\u030Angstro\u0308m passphrase', stored)).toBe(true);
    expect(await verifyPassword('angstrom passphrase', stored)).toBe(false);
    expect(await verifyPassword('anything', 'md5$deadbeef')).toBe(false);
    expect(await verifyPassword('anything', '')).toBe(false);
  });
});
