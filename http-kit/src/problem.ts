import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';
import { isDatabaseUnavailable } from '@stayhub/event-sourcing';

/** An RFC 9457 problem that a handler throws on purpose. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const sendProblem = (res: Response, status: number, problem: { title?: string; detail?: string; type?: string; [key: string]: unknown }): void => {
  res
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: problem.type ?? 'about:blank', title: problem.title ?? titles[status] ?? 'Error', status, ...problem }));
};

/** How long a client is told to wait while the database is away. */
const DATABASE_RETRY_AFTER_SECONDS = 5;
/** How long a client is told to wait while a part of the platform is still being set up. */
const NOT_READY_RETRY_AFTER_SECONDS = 1;

/** Domain errors are recognised by shape (`name` + `kind` + `code`), so this kit needs no domain import. */
const domainStatus: Record<string, number> = { invalid: 400, not_found: 404, forbidden: 403, conflict: 409, rule: 422 };

type DomainLike = { name: 'DomainError'; kind: string; code: string; message: string; details?: Record<string, unknown> };
const isDomainError = (error: unknown): error is DomainLike =>
  error instanceof Error && error.name === 'DomainError' && typeof (error as DomainLike).kind === 'string';

export const zodIssues = (error: z.ZodError) =>
  error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message, code: issue.code }));

/** Maps whatever a route threw to problem+json. Anything unexpected is a 500 that reveals nothing. */
export const problemHandler =
  (
    log: (error: unknown, req: { method: string; url: string }) => void,
    options: {
      /** Errors that say a part is not ready yet (a read model not created): a 503 to retry in a second, logged all the same. */
      notReady?: (error: unknown) => boolean;
    } = {},
  ): ErrorRequestHandler =>
  (error, req, res, _next) => {
    if (res.headersSent) return;
    if (error instanceof HttpProblem) {
      res.set(error.headers);
      return sendProblem(res, error.status, { title: error.title, detail: error.detail, ...error.extra });
    }
    if (error instanceof z.ZodError) {
      return sendProblem(res, 400, { title: 'Invalid request', detail: 'The request does not match the schema', errors: zodIssues(error) });
    }
    if (isDomainError(error)) {
      return sendProblem(res, domainStatus[error.kind] ?? 422, {
        title: error.code,
        detail: error.message,
        type: `urn:stayhub:error:${error.code}`,
        code: error.code,
        ...(error.details ? { details: error.details } : {}),
      });
    }
    // body-parser and friends set `status` / `type` on client errors.
    const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const type = (error as { type?: string }).type;
      return sendProblem(res, status, {
        title: titles[status] ?? 'Bad Request',
        detail:
          type === 'entity.parse.failed' ? 'The body is not valid JSON' : type === 'entity.too.large' ? 'The body is too large' : (error as Error).message,
      });
    }
    if (isDatabaseUnavailable(error)) {
      res.set('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      return sendProblem(res, 503, { detail: 'The database cannot be reached right now; retry shortly, with the same Idempotency-Key' });
    }
    log(error, req);
    if (options.notReady?.(error)) {
      res.set('Retry-After', String(NOT_READY_RETRY_AFTER_SECONDS));
      return sendProblem(res, 503, { detail: 'This data is still being set up; retry in a moment' });
    }
    sendProblem(res, 500, { detail: 'Something went wrong on our side; the request can be retried' });
  };
