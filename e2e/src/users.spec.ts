import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedHead } from '@stayhub/read-models';
import { startStack, type Stack } from './harness.ts';
import { register } from './fixtures.ts';

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
    expect(profile.body).toMatchObject({
      userId: session.body.userId,
      firstName: 'Ada',
      role: 'host',
      memberSince: stack.clock.now().toISOString().slice(0, 7),
      stale: false,
    });
    expect(JSON.stringify(profile.body)).not.toContain(email);
  });

  it('an unknown user is a 404 problem', async () => {
    const missing = await stack.query.get('/users/nobody-here');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('your own account: GET /me and PATCH /me', () => {
  const events = async (userId: string) =>
    (
      await stack.pool.query<{ type: string; data: unknown }>(`SELECT type, data FROM es_events WHERE stream_id = $1 ORDER BY stream_revision`, [
        `user-${userId}`,
      ])
    ).rows;

  it('shows the account to its owner, and a PATCH changes name, phone and locale, records one event and shows on both the account and the public profile', async () => {
    const user = await register(stack, 'guest', 'Ada');
    const before = await stack.query.get(`/me?after=${await committedHead(stack.pool)}`, { token: user.token });
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    expect(before.body).toEqual({
      userId: user.userId,
      firstName: 'Ada',
      role: 'guest',
      memberSince: stack.clock.now().toISOString().slice(0, 7),
      email: user.email.toLowerCase(),
      name: 'Ada',
      stale: false,
    });

    const changed = await stack.command.patch('/me', { name: 'Augusta Ada King', phone: '+4915112345678', locale: 'en-GB' }, { token: user.token });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({
      userId: user.userId,
      email: user.email.toLowerCase(),
      name: 'Augusta Ada King',
      phone: '+4915112345678',
      locale: 'en-GB',
      role: 'guest',
    });
    expect(changed.headers.get('location')).toBe('/me');
    expect(changed.body.consistencyToken).toBeTruthy();
    expect((await events(user.userId)).map((e) => e.type)).toEqual(['UserRegistered', 'UserProfileChanged']);

    const after = await stack.query.get(`/me?after=${changed.body.consistencyToken}`, { token: user.token });
    expect(after.body).toMatchObject({
      name: 'Augusta Ada King',
      firstName: 'Augusta',
      phone: '+4915112345678',
      locale: 'en-GB',
      email: user.email.toLowerCase(),
      stale: false,
    });
    const seen = await stack.query.get(`/users/${user.userId}?after=${changed.body.consistencyToken}`);
    expect(seen.body.firstName).toBe('Augusta');
    expect(JSON.stringify(seen.body)).not.toContain('+4915112345678');
    expect(JSON.stringify(seen.body)).not.toContain(user.email.toLowerCase());

    // the same PATCH again records nothing; a null phone removes it
    const again = await stack.command.patch('/me', { name: 'Augusta Ada King', locale: 'en-GB' }, { token: user.token });
    expect(again.status).toBe(200);
    expect(await events(user.userId)).toHaveLength(2);
    const removed = await stack.command.patch('/me', { phone: null }, { token: user.token });
    expect(removed.body).not.toHaveProperty('phone');
    const withoutPhone = await stack.query.get(`/me?after=${removed.body.consistencyToken}`, { token: user.token });
    expect(withoutPhone.body).not.toHaveProperty('phone');
  });

  it.each([
    ['no field at all', {}],
    ['a phone not in international form', { phone: '0151 1234567' }],
    ['a locale that is no language tag', { locale: 'German' }],
    ['a blank name', { name: '   ' }],
    ['a current password without a new email', { currentPassword: 'correct horse battery' }],
    ['an email that is no email', { email: 'not-an-email', currentPassword: 'correct horse battery' }],
    ['a role', { role: 'admin' }],
  ])('refuses %s with a 400 problem that changes nothing', async (_name, body) => {
    const user = await register(stack, 'guest', 'Grace');
    const reply = await stack.command.patch('/me', body, { token: user.token });
    expect(reply.status, JSON.stringify(reply.body)).toBe(400);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(await events(user.userId)).toHaveLength(1);
  });

  it('a new email needs the current password: a missing or wrong one is a 403 problem that changes nothing', async () => {
    const user = await register(stack, 'guest', 'Hedy');
    for (const body of [
      { email: `hedy-new-${user.userId}@example.com` },
      { email: `hedy-new-${user.userId}@example.com`, currentPassword: 'wrong horse battery', name: 'Hedwig' },
    ]) {
      const reply = await stack.command.patch('/me', body, { token: user.token });
      expect(reply.status, JSON.stringify(reply.body)).toBe(403);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await events(user.userId)).toHaveLength(1);
    expect((await stack.command.post('/auth/login', { email: `hedy-new-${user.userId}@example.com`, password: 'correct horse battery' })).status).toBe(401);
  });

  it('an email another account holds is a 409 problem that changes nothing', async () => {
    const [user, other] = [await register(stack, 'guest', 'Joan'), await register(stack, 'guest', 'Alan')];
    const reply = await stack.command.patch(
      '/me',
      { email: other.email.toUpperCase(), currentPassword: 'correct horse battery', locale: 'en' },
      { token: user.token },
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(409);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.code).toBe('EMAIL_TAKEN');
    expect(await events(user.userId)).toHaveLength(1);
    expect((await stack.command.post('/auth/login', { email: other.email, password: 'correct horse battery' })).body.userId).toBe(other.userId);
  });

  it('with the current password the email changes: login works with the new one only, the old one is free, and no event carries a secret', async () => {
    const user = await register(stack, 'host', 'Katherine');
    const to = `Katherine.Johnson-${user.userId}@Example.com`;
    const changed = await stack.command.patch('/me', { email: to, currentPassword: 'correct horse battery', phone: '+12025550123' }, { token: user.token });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ userId: user.userId, email: to.toLowerCase(), phone: '+12025550123' });
    const stored = await events(user.userId);
    expect(stored.map((e) => e.type)).toEqual(['UserRegistered', 'UserEmailChanged', 'UserProfileChanged']);
    expect(Object.keys(stored[1]!.data as object).sort()).toEqual(['at', 'email', 'userId']);
    expect(JSON.stringify(stored)).not.toContain('correct horse battery');

    const withNew = await stack.command.post('/auth/login', { email: to, password: 'correct horse battery' });
    expect(withNew.status, JSON.stringify(withNew.body)).toBe(200);
    expect(withNew.body.userId).toBe(user.userId);
    expect((await stack.command.post('/auth/login', { email: user.email, password: 'correct horse battery' })).status).toBe(401);
    const account = await stack.query.get(`/me?after=${changed.body.consistencyToken}`, { token: withNew.body.token });
    expect(account.body).toMatchObject({ email: to.toLowerCase(), stale: false });

    // the same change again records nothing; the old address is anyone's to register now
    const again = await stack.command.patch('/me', { email: to, currentPassword: 'correct horse battery' }, { token: withNew.body.token });
    expect(again.status).toBe(200);
    expect(await events(user.userId)).toHaveLength(3);
    expect((await stack.command.post('/auth/register', { email: user.email, password: 'another horse battery', name: 'Newcomer' })).status).toBe(202);
    const newcomer = await stack.command.post('/auth/login', { email: user.email, password: 'another horse battery' });
    expect(newcomer.status, JSON.stringify(newcomer.body)).toBe(200);
    expect(newcomer.body.userId).not.toBe(user.userId);
  });

  it('without a token both are 401 problems', async () => {
    for (const reply of [await stack.query.get('/me'), await stack.command.patch('/me', { locale: 'en' })]) {
      expect(reply.status).toBe(401);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});
