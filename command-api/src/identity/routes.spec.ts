import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identity } from '@stayhub/domain';
import { commandApiSpec, problemOf, type CommandApiSpec } from '../testing/http-spec.ts';
import { emailStream } from './email-stream.ts';

const password = 'correct horse battery';
const at = '2030-03-01T09:00:00.000Z';

describe('identity routes', () => {
  let api: CommandApiSpec;
  beforeAll(async () => {
    api = await commandApiSpec();
  });
  afterAll(() => api?.close());

  /** A user registered through the route (the password hash lives outside events, so events alone cannot give one). */
  const registered = async (email: string) => {
    expect((await api.request('POST', '/auth/register', { body: { email, password, name: 'Ada Lovelace', role: 'host' } })).status).toBe(202);
    const [user] = await api.appended('user-');
    const userId = (user!.data as { userId: string }).userId;
    return { userId, token: await api.tokenFor('host', userId, email) };
  };

  it('registers: the user stream and the email claim, with no password in any event', async () => {
    const reply = await api.request('POST', '/auth/register', { body: { email: 'Grace@Example.com', password, name: 'Grace', role: 'host' } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    expect(reply.body).toMatchObject({ status: 'accepted' });
    const appended = await api.appended();
    const userId = (appended[0]!.data as { userId: string }).userId;
    expect(appended).toEqual([
      { streamId: identity.userStreamId(userId), type: 'UserRegistered', data: { userId, email: 'grace@example.com', name: 'Grace', role: 'host', at } },
      { streamId: emailStream('grace@example.com'), type: 'EmailClaimed', data: { email: 'grace@example.com', userId, at } },
    ]);
    expect(JSON.stringify(appended)).not.toContain(password);
  });

  it('answers a taken email exactly as a free one, and claims nothing', async () => {
    await registered('taken@example.com');
    const reply = await api.request('POST', '/auth/register', { body: { email: 'TAKEN@example.com', password, name: 'Someone else' } });
    expect(reply.status).toBe(202);
    expect((await api.appended()).map((e) => e.type)).toEqual(['UserRegistered']);
  });

  it('registers an email of ADMIN_EMAILS as admin, whatever role was asked', async () => {
    await api.request('POST', '/auth/register', { body: { email: 'ops@example.com', password, name: 'Ops', role: 'host' } });
    expect((await api.appended('user-'))[0]!.data).toMatchObject({ role: 'admin' });
  });

  it('logs in with the password registered, and refuses a wrong one with 401', async () => {
    const { userId } = await registered('login@example.com');
    const ok = await api.request('POST', '/auth/login', { body: { email: 'login@example.com', password } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ userId, role: 'host', token: expect.any(String) });
    const wrong = await api.request('POST', '/auth/login', { body: { email: 'login@example.com', password: 'not the password' } });
    expect(problemOf(wrong)).toMatchObject({ status: 401, type: 'application/problem+json' });
    const unknown = await api.request('POST', '/auth/login', { body: { email: 'nobody@example.com', password } });
    expect(unknown.status).toBe(401);
    expect(unknown.body.detail).toBe(wrong.body.detail);
  });

  it('changes a profile: only what differs is recorded, as UserProfileChanged', async () => {
    const { userId, token } = await registered('profile@example.com');
    const reply = await api.request('PATCH', '/me', { token, body: { name: 'Ada King' } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ userId, name: 'Ada King', email: 'profile@example.com', consistencyToken: expect.any(String) });
    expect(await api.appended()).toEqual([
      { streamId: identity.userStreamId(userId), type: 'UserProfileChanged', data: { userId, changes: { name: 'Ada King' }, at } },
    ]);
    await api.request('PATCH', '/me', { token, body: { name: 'Ada King' } });
    expect(await api.appended()).toEqual([]);
  });

  it('moves the sign-in email in one append: claim the new address, change the user, release the old one', async () => {
    const { userId, token } = await registered('old@example.com');
    const reply = await api.request('PATCH', '/me', { token, body: { email: 'new@example.com', currentPassword: password } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect((await api.appended()).map((e) => [e.streamId, e.type])).toEqual([
      [emailStream('new@example.com'), 'EmailClaimed'],
      [identity.userStreamId(userId), 'UserEmailChanged'],
      [emailStream('old@example.com'), 'EmailReleased'],
    ]);
  });

  describe('refusals change nothing', () => {
    let token: string;
    let stranger: string;
    beforeAll(async () => {
      ({ token } = await registered('refusals@example.com'));
      await registered('someone@example.com');
      stranger = await api.tokenFor('guest', 'never-registered');
      await api.given(identity.userStreamId('unlucky'), [
        { type: 'UserRegistered', data: { userId: 'unlucky', email: 'unlucky@example.com', name: 'U', role: 'guest', at } },
      ]);
    });
    const cases: {
      name: string;
      method: 'POST' | 'PATCH';
      path: string;
      auth?: 'user' | 'stranger';
      body: unknown;
      status: number;
      fields?: string[];
      code?: string;
    }[] = [
      {
        name: 'an email that is none',
        method: 'POST',
        path: '/auth/register',
        body: { email: 'not-an-email', password, name: 'X' },
        status: 400,
        fields: ['email'],
      },
      {
        name: 'a short password',
        method: 'POST',
        path: '/auth/register',
        body: { email: 'short@example.com', password: 'short', name: 'X' },
        status: 400,
        fields: ['password'],
      },
      {
        name: 'an unknown role',
        method: 'POST',
        path: '/auth/register',
        body: { email: 'role@example.com', password, name: 'X', role: 'admin' },
        status: 400,
        fields: ['role'],
      },
      {
        name: 'an unknown field',
        method: 'POST',
        path: '/auth/register',
        body: { email: 'f@example.com', password, name: 'X', isAdmin: true },
        status: 400,
        fields: ['isAdmin'],
      },
      { name: 'a login without a password', method: 'POST', path: '/auth/login', body: { email: 'refusals@example.com' }, status: 400, fields: ['password'] },
      { name: 'a profile change without a token', method: 'PATCH', path: '/me', body: { name: 'X' }, status: 401 },
      { name: 'an empty profile change', method: 'PATCH', path: '/me', auth: 'user', body: {}, status: 400 },
      {
        name: 'a password without a new email',
        method: 'PATCH',
        path: '/me',
        auth: 'user',
        body: { name: 'X', currentPassword: password },
        status: 400,
        fields: ['currentPassword'],
      },
      { name: 'a new email without the password', method: 'PATCH', path: '/me', auth: 'user', body: { email: 'elsewhere@example.com' }, status: 403 },
      {
        name: 'a new email with a wrong password',
        method: 'PATCH',
        path: '/me',
        auth: 'user',
        body: { email: 'elsewhere@example.com', currentPassword: 'wrong wrong wrong' },
        status: 403,
      },
      {
        name: 'a new email someone holds',
        method: 'PATCH',
        path: '/me',
        auth: 'user',
        body: { email: 'someone@example.com', currentPassword: password },
        status: 409,
        code: 'EMAIL_TAKEN',
      },
      { name: 'a user that does not exist', method: 'PATCH', path: '/me', auth: 'stranger', body: { name: 'X' }, status: 404, code: 'USER_NOT_FOUND' },
    ];
    it.each(cases)('$name: $status', async ({ method, path, auth, body, status, fields, code }) => {
      const reply = await api.request(method, path, { body, ...(auth ? { token: auth === 'user' ? token : stranger } : {}) });
      const problem = problemOf(reply);
      expect(problem.status, JSON.stringify(reply.body)).toBe(status);
      expect(problem.type).toBe('application/problem+json');
      for (const field of fields ?? []) expect(problem.fields).toContain(field);
      if (code) expect(problem.code).toBe(code);
      expect(await api.appended()).toEqual([]);
    });
  });
});
