import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { sendProblem } from './problem.ts';

/** The client's address as a rate-limit key (IPv6 addresses by their /56, as express-rate-limit advises). */
export const byAddress = (req: Request): string => ipKeyGenerator(req.ip ?? 'unknown');

/**
 * A fixed-window limiter counting in memory (each process alone); over the limit the answer is a
 * 429 problem+json with `Retry-After` and `RateLimit` headers.
 */
export const rateLimiter = (options: {
  name: string;
  windowMs: number;
  limit: number;
  key: (req: Request) => string;
  skip?: (req: Request) => boolean;
}): RequestHandler =>
  rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    identifier: options.name,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: options.key,
    skip: options.skip ?? (() => false),
    handler: (_req, res) =>
      sendProblem(res, 429, { detail: `Too many requests (${options.name}); retry after ${res.getHeader('Retry-After') ?? 'a while'} s` }),
  });
