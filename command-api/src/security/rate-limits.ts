import type { Request, RequestHandler } from 'express';
import { byAddress, rateLimiter, type Route } from '@stayhub/http-kit';
import { type SecuritySettings } from '@stayhub/platform-kit';

type Limits = Pick<SecuritySettings, 'RATE_LIMIT_WINDOW_SECONDS' | 'RATE_LIMIT_AUTH_PER_IP' | 'RATE_LIMIT_BOOKINGS_PER_IP' | 'RATE_LIMIT_BOOKINGS_PER_USER'>;

/**
 * Rate limits on the routes worth abusing: sign-up and log-in per client address, booking
 * requests per address and per user (the user limit follows the token across addresses).
 * Each limiter is attached to its routes' exact patterns (the router is case-sensitive and
 * strict), so no spelling of a path escapes it. Counters live in memory, so each process counts
 * alone; a shared store would go behind several instances. Over the limit: 429 problem+json with
 * `Retry-After` and `RateLimit` headers.
 */
export const rateLimits = (limits: Limits): ((route: Route) => RequestHandler[]) => {
  const windowMs = limits.RATE_LIMIT_WINDOW_SECONDS * 1000;
  const limiter = (name: string, limit: number, key: (req: Request) => string, skip?: (req: Request) => boolean) =>
    rateLimiter({ name, windowMs, limit, key, ...(skip ? { skip } : {}) });
  // One limiter per purpose, shared by every route it guards, so they count together.
  const auth = limiter('auth-per-address', limits.RATE_LIMIT_AUTH_PER_IP, byAddress);
  const bookings = [
    limiter('bookings-per-address', limits.RATE_LIMIT_BOOKINGS_PER_IP, byAddress),
    limiter(
      'bookings-per-user',
      limits.RATE_LIMIT_BOOKINGS_PER_USER,
      (req) => req.user?.userId ?? '',
      (req) => !req.user,
    ),
  ];
  return (route) => {
    if (route.path.startsWith('/auth/')) return [auth];
    if (route.method === 'post' && route.path === '/bookings') return bookings;
    return [];
  };
};
