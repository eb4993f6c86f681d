import { describe, expect, it } from 'vitest';
import { jwtTokens } from './auth.ts';

describe('JWT tokens (HS256)', () => {
  const user = { userId: 'u-1', role: 'guest' as const, email: 'g@example.com' };

  it('verifies a token it issued, again and again, and refuses one whose signature was altered', async () => {
    const tokens = jwtTokens('a-secret-of-at-least-thirty-two-characters', 15);
    const token = await tokens.issue(user);
    expect(await tokens.verify(token)).toEqual(user);
    expect(await tokens.verify(token)).toEqual(user);
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    await expect(tokens.verify(forged)).rejects.toThrow();
  });

  it('refuses a remembered token once it has expired', async () => {
    let now = new Date('2026-01-01T10:00:00Z');
    const tokens = jwtTokens('a-secret-of-at-least-thirty-two-characters', 15, () => now);
    const token = await tokens.issue(user);
    expect(await tokens.verify(token)).toEqual(user);
    now = new Date('2026-01-01T10:16:00Z');
    await expect(tokens.verify(token)).rejects.toThrow();
  });

  it('refuses a token signed with another secret', async () => {
    const token = await jwtTokens('another-secret-of-at-least-thirty-two-chars', 15).issue(user);
    await expect(jwtTokens('a-secret-of-at-least-thirty-two-characters', 15).verify(token)).rejects.toThrow();
  });
});
