import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedHead } from '@stayhub/read-models';
import { startStack, type Stack } from './harness.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('public user profiles', () => {
  it("a registration answers 202 and nothing about the account; the new user's public profile shows first name and member since, no email", async () => {
    const email = `ada-${Date.now()}@example.com`;
    const registered = await stack.command.post('/auth/register', { email, password: 'correct horse battery', name: 'Ada Lovelace', role: 'host' });
    expect(registered.status, JSON.stringify(registered.body)).toBe(202);
    expect(registered.headers.get('location')).toBeNull();
    expect(Object.keys(registered.body).sort()).toEqual(['detail', 'status']);
    const session = await stack.command.post('/auth/login', { email, password: 'correct horse battery' });
    expect(session.status, JSON.stringify(session.body)).toBe(200);
    // everything written so far, the registration included, is a token the query side can wait for
    const written = await committedHead(stack.pool);
    const profile = await stack.query.get(`/users/${session.body.userId}?after=${written}`);
    expect(profile.status, JSON.stringify(profile.body)).toBe(200);
    expect(profile.body).toMatchObject({ userId: session.body.userId, firstName: 'Ada', role: 'host', memberSince: stack.clock.now().toISOString().slice(0, 7), stale: false });
    expect(JSON.stringify(profile.body)).not.toContain(email);
  });

  it('an unknown user is a 404 problem', async () => {
    const missing = await stack.query.get('/users/nobody-here');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });
});
