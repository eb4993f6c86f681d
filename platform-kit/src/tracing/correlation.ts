import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A caller's own id is kept when it is 1 to 128 visible ASCII characters (what the HTTP kit accepts); anything else is replaced. */
const CALLER_ID = /^[\x21-\x7e]{1,128}$/;
const made = new WeakMap<IncomingMessage, string>();

/**
 * The request's correlation id: the caller's `X-Correlation-Id` (or `X-Request-Id`) when it is a
 * plain token, else a fresh one, the same for every ask about one request (the trace's server span,
 * the log line, the answer's header). It is echoed in the answer's `X-Correlation-Id`, logged with
 * the request, set on its trace, and stored in the metadata of the events the request appends.
 * (No imports beyond Node: the tracing bootstrap loads it before the instrumented packages.)
 */
export const correlationIdOf = (req: IncomingMessage): string => {
  const known = made.get(req);
  if (known) return known;
  const given = req.headers['x-correlation-id'] ?? req.headers['x-request-id'];
  const candidate = Array.isArray(given) ? given[0] : given;
  const id = candidate && CALLER_ID.test(candidate) ? candidate : randomUUID();
  made.set(req, id);
  return id;
};
