import { z } from 'zod';
import { DomainError, identity } from '@stayhub/domain';
import { type Step, newId } from '@stayhub/event-sourcing';
import { defineRoute, HttpProblem } from '@stayhub/http-kit';
import { listOf, SecuritySettings } from '@stayhub/platform-kit';
import type { CommandDeps } from '../shared/deps.ts';
import { accepted, metadataOf } from '../shared/http.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { loginThrottle } from '../security/login-throttle.ts';
import { emailStream } from './email-stream.ts';

const Credentials = z.object({
  email: z.email().max(254),
  password: z.string().min(10, 'at least 10 characters').max(256),
});
const Registration = Credentials.extend({
  name: z.string().trim().min(1).max(200),
  role: z.enum(['guest', 'host']).default('guest'),
});
const Session = z.object({ userId: z.string(), role: z.string(), token: z.string() });
const Accepted = z.object({ status: z.literal('accepted'), detail: z.string() });
const ProfilePatch = identity.ProfileChanges.extend({
  email: z.email().max(254).optional().describe('A new sign-in email: give currentPassword with it'),
  currentPassword: z.string().min(1).max(256).optional().describe('Your password as it is now; needed, and only taken, with a new email'),
})
  .strict()
  .refine(({ currentPassword: _password, ...changes }) => Object.keys(changes).length > 0, 'give at least one of name, phone, locale, email')
  .refine((patch) => patch.currentPassword === undefined || patch.email !== undefined, { path: ['currentPassword'], message: 'only goes with a new email' });
const OwnProfile = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.string(),
  phone: z.string().optional(),
  locale: z.string().optional(),
  consistencyToken: z.string(),
});

// A fixed hash to verify against when the email is unknown, so both paths take the same time.
const decoy = hashPassword('decoy-password-never-used');

/** Who registers as admin, and the per-account login throttle (one per app). */
const guardsOf = (deps: CommandDeps) => {
  const security = SecuritySettings.parse(deps.settings);
  return {
    admins: new Set(listOf(security.ADMIN_EMAILS).map(identity.normaliseEmail)),
    throttle: loginThrottle({
      freeFailures: security.LOGIN_MAX_FAILURES,
      windowMs: security.LOGIN_FAILURE_WINDOW_SECONDS * 1000,
      now: () => deps.clock.now().getTime(),
    }),
  };
};

export const identityRoutes = (deps: CommandDeps, { admins, throttle } = guardsOf(deps)) => {
  /** A signed-in user proves again who they are (a changed email moves their sign-in): throttled like a login. */
  const reauthenticate = async (user: { userId: string; email: string }, password: string | undefined, address: string): Promise<void> => {
    if (password === undefined) throw new HttpProblem(403, 'Forbidden', 'Give currentPassword to change your email');
    throttle.check(user.email, address);
    const stored = await deps.secrets.passwordHash(user.userId);
    if (!stored || !(await verifyPassword(password, stored))) {
      throttle.failed(user.email, address);
      throw new HttpProblem(403, 'Forbidden', 'currentPassword is wrong');
    }
    throttle.succeeded(user.email, address);
  };
  return [
    defineRoute({
      method: 'post',
      path: '/auth/register',
      summary:
        'Register a guest or a host (an email listed in ADMIN_EMAILS registers as admin). The answer is the same whether or not ' +
        'the email already has an account, so it tells no one which addresses are registered; the mail sent to the address says ' +
        'which it was (welcome: log in now; or: you already have an account).',
      tags: ['identity'],
      auth: 'none',
      body: Registration,
      responses: { 202: { description: 'Accepted: log in with the email and password; the address gets a mail either way', schema: Accepted } },
      handler: async ({ body, req }) => {
        const userId = newId();
        const now = deps.clock.now().toISOString();
        const metadata = { ...metadataOf(req), actor: userId };
        // The same work on both paths (hash, user, claim), so neither the answer nor its time tells them apart.
        const passwordHash = await hashPassword(body.password);
        const role = admins.has(identity.normaliseEmail(body.email)) ? 'admin' : body.role;
        // The credentials, then the user stream: if the email turns out taken, an unreachable user is left, never a stolen email;
        // the notification workflow sees that user and mails the address's owner instead of welcoming it.
        await deps.secrets.savePasswordHash(userId, passwordHash);
        await deps.processor.handle(
          identity.userStreamId(userId),
          identity.userDecider,
          {
            type: 'RegisterUser',
            data: { userId, email: body.email, name: body.name, role, now },
          },
          metadata,
        );
        try {
          await deps.processor.handle(
            emailStream(body.email),
            identity.emailDecider,
            {
              type: 'ClaimEmail',
              data: { email: identity.normaliseEmail(body.email), userId, now },
            },
            metadata,
          );
        } catch (error) {
          if (!(error instanceof DomainError && error.code === 'EMAIL_TAKEN')) throw error;
        }
        return { status: 202, body: { status: 'accepted', detail: 'Log in with this email and password; we sent a mail to the address with what to do next' } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/login',
      summary: 'Log in; returns a JWT bearer token (repeated failures for one email from one address wait longer and longer: 429 with Retry-After)',
      tags: ['identity'],
      auth: 'none',
      body: Credentials,
      responses: { 200: { description: 'A session token', schema: Session } },
      handler: async ({ body, req }) => {
        const email = identity.normaliseEmail(body.email);
        const address = req.ip ?? 'unknown';
        throttle.check(email, address);
        const claim = await deps.processor.load(emailStream(body.email), identity.emailDecider);
        const user =
          claim.state.status === 'claimed' ? (await deps.processor.load(identity.userStreamId(claim.state.userId), identity.userDecider)).state : undefined;
        const stored = user?.status === 'registered' ? await deps.secrets.passwordHash(user.userId) : undefined;
        const valid = await verifyPassword(body.password, stored ?? (await decoy));
        if (!valid || !stored || user?.status !== 'registered') {
          throttle.failed(email, address);
          throw new HttpProblem(401, 'Unauthorized', 'Email or password is wrong');
        }
        throttle.succeeded(email, address);
        const token = await deps.tokens.issue({ userId: user.userId, role: user.role, email: user.email });
        return { status: 200, body: { userId: user.userId, role: user.role, token } };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/me',
      summary:
        'Change your own name, phone (international form, null removes it), locale or sign-in email; only what differs is recorded, so a ' +
        'repeated PATCH changes nothing. A new email needs your current password (403 without it or with a wrong one, and repeated ' +
        'failures wait longer and longer: 429) and must be free (409); from then on you log in with it, and the old one is free. ' +
        'The answer is your account as it now is, with a consistency token for GET /me on the query API.',
      tags: ['identity'],
      auth: 'user',
      body: ProfilePatch,
      responses: { 200: { description: 'Your account after the change', schema: OwnProfile } },
      handler: async ({ body, req, user }) => {
        const { userId } = user!;
        const { email, currentPassword, ...changes } = body;
        const now = deps.clock.now().toISOString();
        const steps: Step[] = [];
        if (email !== undefined) {
          const current = (await deps.processor.load(identity.userStreamId(userId), identity.userDecider)).state;
          if (current.status !== 'registered') throw new HttpProblem(404, 'Not Found', `No user ${userId}`);
          await reauthenticate(current, currentPassword, req.ip ?? 'unknown');
          const to = identity.normaliseEmail(email);
          // Claim the new address, move the user to it and free the old one in one atomic append: an address is never held by two users, nor lost.
          if (to !== current.email) {
            steps.push(
              { streamId: emailStream(to), decider: identity.emailDecider, command: { type: 'ClaimEmail', data: { email: to, userId, now } } },
              {
                streamId: identity.userStreamId(userId),
                decider: identity.userDecider,
                command: { type: 'ChangeEmail', data: { userId, email: to, from: current.email, now } },
              },
              {
                streamId: emailStream(current.email),
                decider: identity.emailDecider,
                command: { type: 'ReleaseEmail', data: { email: current.email, userId, now } },
              },
            );
          }
        }
        steps.push({
          streamId: identity.userStreamId(userId),
          decider: identity.userDecider,
          command: { type: 'ChangeProfile', data: { userId, changes, now } },
        });
        const handled = await deps.processor.handleAll(steps, metadataOf(req, user));
        const state = handled.at(-1)!.state as identity.UserState;
        if (state.status !== 'registered') throw new HttpProblem(404, 'Not Found', `No user ${userId}`);
        const { status: _status, ...account } = state;
        return accepted(200, account, handled.find((h) => h.position)?.position ?? '', '/me');
      },
    }),
  ];
};
