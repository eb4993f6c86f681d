import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import { currentTraceparent, type EventMetadata } from '@stayhub/event-sourcing';
import { type AuthUser, type Reply } from '@stayhub/http-kit';

/**
 * Metadata every appended event carries: who, why (correlation), the trace the request runs in (the
 * caller's `traceparent` when tracing is off), and the client's idempotency key.
 */
export const metadataOf = (req: Request, user?: AuthUser): EventMetadata => ({
  correlationId: typeof req.id === 'string' ? req.id : (req.header('x-correlation-id') ?? randomUUID()),
  actor: user?.userId ?? 'anonymous',
  ...traceOf(req),
  ...(req.header('idempotency-key') ? { idempotencyKey: req.header('idempotency-key') } : {}),
});

const traceOf = (req: Request): { traceparent?: string } => {
  const traceparent = currentTraceparent() ?? req.header('traceparent');
  return traceparent ? { traceparent } : {};
};

/**
 * A command's answer: the resource plus the consistency token (the global position written), which
 * a query can wait for with `?after=` or the `X-Consistency-Token` header to read its own write.
 */
export const accepted = (status: number, body: Record<string, unknown>, position: string, location?: string): Reply => ({
  status,
  body: { ...body, consistencyToken: position },
  headers: { ...(position ? { 'X-Consistency-Token': position } : {}), ...(location ? { Location: location } : {}) },
});

export const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only'),
});
