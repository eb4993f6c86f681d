import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { Money } from '@stayhub/domain';

/** The request header that carries the signature of a webhook body. */
export const webhookSignatureHeader = 'gateway-signature';

/**
 * What the gateway POSTs to a `webhookUrl`. A redelivery of the same event keeps its `eventId`,
 * so a receiver can drop duplicates; `idempotencyKey` is the one of the request that caused it.
 */
export const WebhookEvent = z.object({
  eventId: z.string().min(1),
  type: z.enum(['payment.captured', 'payment.declined', 'refund.succeeded']),
  /** Absent for a declined payment, which never got an id. */
  paymentId: z.string().min(1).optional(),
  refundId: z.string().min(1).optional(),
  reason: z.string().optional(),
  reference: z.string(),
  amount: Money,
  idempotencyKey: z.string(),
  occurredAt: z.iso.datetime(),
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

const unixSeconds = (at: Date) => Math.floor(at.getTime() / 1000);
const hmac = (secret: string, timestamp: number, body: string) => createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/** The signature header value for `body`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. */
export const signWebhook = (body: string, secret: string, timestamp: Date): string => {
  const t = unixSeconds(timestamp);
  return `t=${t},v1=${hmac(secret, t, body)}`;
};

/**
 * True when `header` signs exactly `body` with `secret` and its timestamp lies within
 * `toleranceSeconds` of `now` (either side), which bounds how long a captured request can be replayed.
 * Pass the raw body as received: re-serialised JSON would not match.
 */
export const verifyWebhook = (body: string, header: string | undefined, secret: string, now: Date, toleranceSeconds = 300): boolean => {
  if (!header) return false;
  const parts = header.split(',').map((part) => part.trim().split('='));
  const timestamps = parts.filter(([k]) => k === 't').map(([, v]) => v ?? '');
  const t = Number(timestamps[0]);
  if (timestamps.length !== 1 || !/^\d+$/.test(timestamps[0]!) || Math.abs(unixSeconds(now) - t) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, t, body), 'hex');
  // Several v1 entries are allowed, so that a sender can sign with an old and a new secret while rotating.
  return parts
    .filter(([k, v]) => k === 'v1' && v && /^[0-9a-f]+$/i.test(v))
    .some(([, v]) => {
      const given = Buffer.from(v!, 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
};
