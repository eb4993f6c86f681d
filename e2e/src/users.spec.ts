import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('public user profiles', () => {
  it('the Location of a registration is the profile on the query API: first name and member since, no email', async () => {
    const email = `ada-${Date.now()}@example.com`;
    const registered = await stack.command.post('/auth/register', { email, password: 'correct horse battery', name: 'Ada Lovelace', role: 'host' });
    expect(registered.status).toBe(201);
    const location = registered.headers.get('location');
    expect(location).toBe(`/users/${registered.body.userId}`);
    const profile = await stack.query.get(`${location}?after=${registered.body.consistencyToken}`);
    expect(profile.status, JSON.stringify(profile.body)).toBe(200);
    expect(profile.body).toMatchObject({ userId: registered.body.userId, firstName: 'Ada', role: 'host', memberSince: stack.clock.now().toISOString().slice(0, 7) });
    expect(JSON.stringify(profile.body)).not.toContain(email);
  });

  it('an unknown user is a 404 problem', async () => {
    const missing = await stack.query.get('/users/nobody-here');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });
});
