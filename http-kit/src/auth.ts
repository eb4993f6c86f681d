import type { RequestHandler } from 'express';
import { SignJWT, jwtVerify } from 'jose';
import { HttpProblem } from './problem.ts';

export type Role = 'guest' | 'host' | 'admin';
export type AuthUser = { userId: string; role: Role; email: string };

declare module 'express-serve-static-core' {
  interface Request {
    user?: AuthUser;
  }
}

export type TokenIssuer = { issue(user: AuthUser): Promise<string>; verify(token: string): Promise<AuthUser> };

const ISSUER = 'stayhub';

/** Verified tokens kept (token → user, until it expires): a client sends the same token with every request. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * HS256 tokens from a shared secret (command-api issues, every app verifies). A token verified once
 * is remembered until its `exp`: verification through WebCrypto is a round through the thread pool
 * and showed in the profile of every request. A token is immutable, so the answer cannot change
 * before it expires.
 */
export const jwtTokens = (secret: string, ttlMinutes: number, now: () => Date = () => new Date()): TokenIssuer => {
  const key = new TextEncoder().encode(secret);
  const verified = new Map<string, { user: AuthUser; expiresAt: number }>();
  const verify = async (token: string): Promise<{ user: AuthUser; expiresAt: number }> => {
    const { payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ['HS256'], currentDate: now(), requiredClaims: ['exp'] });
    const role = payload.role;
    if (typeof payload.sub !== 'string' || (role !== 'guest' && role !== 'host' && role !== 'admin')) {
      throw new Error('token claims are incomplete');
    }
    return { user: { userId: payload.sub, role, email: String(payload.email ?? '') }, expiresAt: payload.exp! * 1000 };
  };
  return {
    issue: (user) => {
      const issuedAt = Math.floor(now().getTime() / 1000);
      return new SignJWT({ role: user.role, email: user.email })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(user.userId)
        .setIssuer(ISSUER)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + Math.round(ttlMinutes * 60))
        .sign(key);
    },
    verify: async (token) => {
      const at = now().getTime();
      const known = verified.get(token);
      if (known && known.expiresAt > at) return known.user;
      if (known) verified.delete(token);
      const fresh = await verify(token);
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
      verified.set(token, fresh);
      return fresh.user;
    },
  };
};

/** Attaches `req.user` when a valid bearer token is present; a present but bad token is a 401. */
export const authenticate =
  (tokens: TokenIssuer): RequestHandler =>
  async (req, _res, next) => {
    const header = req.header('authorization');
    if (!header) return next();
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
    if (!match) return next(new HttpProblem(401, 'Unauthorized', 'Use an Authorization: Bearer <token> header', {}, { 'WWW-Authenticate': 'Bearer' }));
    try {
      req.user = await tokens.verify(match[1]!);
      next();
    } catch {
      next(new HttpProblem(401, 'Unauthorized', 'The token is invalid or has expired', {}, { 'WWW-Authenticate': 'Bearer error="invalid_token"' }));
    }
  };

export const requireUser = (user: AuthUser | undefined, ...roles: Role[]): AuthUser => {
  if (!user) throw new HttpProblem(401, 'Unauthorized', 'Log in and send the token as Authorization: Bearer <token>', {}, { 'WWW-Authenticate': 'Bearer' });
  if (roles.length > 0 && !roles.includes(user.role) && user.role !== 'admin') {
    throw new HttpProblem(403, 'Forbidden', `This needs one of the roles: ${roles.join(', ')}`);
  }
  return user;
};
