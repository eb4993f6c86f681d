import type { Request } from 'express';
import { z } from 'zod';
import { HttpProblem, queryInteger } from '@stayhub/http-kit';
import type { QueryDeps } from './deps.ts';

export const Token = z
  .string()
  .regex(/^\d{20}-\d{20}$/, 'a consistency token from a command response')
  .optional();
export const Paging = {
  page: queryInteger({ min: 1, max: 10_000 }).default(1),
  pageSize: queryInteger({ min: 1, max: 100 }).default(20),
};

/**
 * Read-your-writes: with `?after=<token>` or `X-Consistency-Token`, wait (briefly) until the read
 * models a query uses have applied that write. Returns whether they are still behind.
 */
export const catchUp = async (deps: QueryDeps, req: Request, after: string | undefined, projections: string[]): Promise<boolean> => {
  const header = req.header('x-consistency-token');
  const token = after ?? (header ? Token.parse(header) : undefined);
  if (!token) return false;
  // A token from the future (forged, or from another platform) would only make every read wait.
  const head = await deps.committedHead?.();
  if (head !== undefined && token > head) {
    throw new HttpProblem(400, 'Bad Request', 'The consistency token is beyond anything this platform has written: pass one from a command response', {
      errors: [{ path: after ? 'after' : 'x-consistency-token', message: 'beyond the newest write', code: 'too_big' }],
    });
  }
  return !(await deps.waitForPosition(projections, token, deps.consistencyWaitMs));
};

/** Whether a read carries a consistency token: it must see that write, so it reads past any cache. */
export const hasToken = (req: Request, after: string | undefined): boolean => after !== undefined || req.get('x-consistency-token') !== undefined;

/** A resource missing while the read model is still behind the client's own write: ask to retry, never 404. */
export const notYet = (): HttpProblem =>
  new HttpProblem(503, 'Service Unavailable', 'The read model has not caught up with your write yet; retry shortly', { stale: true }, { 'Retry-After': '1' });

export const staleHeaders = (stale: boolean): Record<string, string> => (stale ? { 'X-Read-Model-Stale': 'true' } : {});
