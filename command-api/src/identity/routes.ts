import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { identity } from '@stayhub/domain';
import { defineRoute, HttpProblem } from '@stayhub/infra';
import type { CommandDeps } from '../shared/deps.ts';
import { accepted, metadataOf } from '../shared/http.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

const Credentials = z.object({
  email: z.email().max(254),
  password: z.string().min(10, 'at least 10 characters').max(256),
});
const Registration = Credentials.extend({
  name: z.string().trim().min(1).max(200),
  role: z.enum(['guest', 'host']).default('guest'),
});
const Session = z.object({ userId: z.string(), role: z.string(), token: z.string() });

const emailStream = (email: string) =>
  identity.emailStreamId(createHash('sha256').update(identity.normaliseEmail(email)).digest('hex'));

// A fixed hash to verify against when the email is unknown, so both paths take the same time.
const decoy = hashPassword('decoy-password-never-used');

export const identityRoutes = (deps: CommandDeps) => [
  defineRoute({
    method: 'post',
    path: '/auth/register',
    summary: 'Register a guest or a host',
    tags: ['identity'],
    auth: 'none',
    body: Registration,
    responses: { 201: { description: 'Registered, with a token', schema: Session } },
    handler: async ({ body, req }) => {
      const userId = uuidv7();
      const now = deps.clock.now().toISOString();
      const metadata = { ...metadataOf(req), actor: userId };
      const passwordHash = await hashPassword(body.password);
      // The user stream first: if the email turns out taken, an unreachable user is left, never a stolen email.
      await deps.processor.handle(identity.userStreamId(userId), identity.userDecider, {
        type: 'RegisterUser',
        data: { userId, email: body.email, name: body.name, role: body.role, passwordHash, now },
      }, metadata);
      const claimed = await deps.processor.handle(emailStream(body.email), identity.emailDecider, {
        type: 'ClaimEmail',
        data: { email: identity.normaliseEmail(body.email), userId, now },
      }, metadata);
      const token = await deps.tokens.issue({ userId, role: body.role, email: identity.normaliseEmail(body.email) });
      return accepted(201, { userId, role: body.role, token }, claimed.position, `/users/${userId}`);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/auth/login',
    summary: 'Log in; returns a JWT bearer token',
    tags: ['identity'],
    auth: 'none',
    body: Credentials,
    responses: { 200: { description: 'A session token', schema: Session } },
    handler: async ({ body }) => {
      const claim = await deps.processor.load(emailStream(body.email), identity.emailDecider);
      const user = claim.state.status === 'claimed' ? (await deps.processor.load(identity.userStreamId(claim.state.userId), identity.userDecider)).state : undefined;
      const valid = await verifyPassword(body.password, user?.status === 'registered' ? user.passwordHash : await decoy);
      if (!valid || user?.status !== 'registered') throw new HttpProblem(401, 'Unauthorized', 'Email or password is wrong');
      const token = await deps.tokens.issue({ userId: user.userId, role: user.role, email: user.email });
      return { status: 200, body: { userId: user.userId, role: user.role, token } };
    },
  }),
];
