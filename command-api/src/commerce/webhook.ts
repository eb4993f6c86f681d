import type { Request } from 'express';
import { commerce } from '@stayhub/domain';
import { z } from 'zod';
import { type EventMetadata } from '@stayhub/event-sourcing';
import { defineRoute, HttpProblem, type Route } from '@stayhub/http-kit';
import { verifyWebhook, webhookSignatureHeader, WebhookEvent } from '@stayhub/payments';
import type { CommandDeps } from '../shared/deps.ts';

/**
 * The body exactly as signed. The shared HTTP app parses JSON before any route runs, so unless it
 * kept the raw bytes (`rawBody`), the parsed body is serialised again: that reproduces what a
 * sender wrote with `JSON.stringify` (as our gateway does), but not a body with other spacing.
 */
const rawBodyOf = (req: Request): string => {
  const raw = (req as Request & { rawBody?: Buffer | string }).rawBody;
  if (raw !== undefined) return Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
  if (typeof req.body === 'string') return req.body;
  if (Buffer.isBuffer(req.body)) return req.body.toString('utf8');
  return JSON.stringify(req.body ?? {});
};

const parseEvent = (raw: string): WebhookEvent => {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new HttpProblem(400, 'Bad Request', 'The webhook body is not JSON');
  }
  return WebhookEvent.parse(json);
};

/** What the gateway reports, as the order's command; a repeated report is ignored by the order itself. */
const commandFor = (event: WebhookEvent, orderId: string, now: string): commerce.OrderCommand | undefined => {
  switch (event.type) {
    case 'payment.captured':
      return event.paymentId ? { type: 'RecordPaymentSucceeded', data: { orderId, paymentId: event.paymentId, amount: event.amount, now } } : undefined;
    case 'payment.declined':
      return { type: 'RecordPaymentFailed', data: { orderId, reason: event.reason ?? 'declined', now } };
    case 'refund.succeeded':
      return event.refundId ? { type: 'RecordRefund', data: { orderId, refundId: event.refundId, amount: event.amount, now } } : undefined;
    default:
      return undefined;
  }
};

export const webhookRoutes = (deps: CommandDeps): Route[] => [
  defineRoute({
    method: 'post',
    path: '/payments/webhook',
    summary: `Payment events from the gateway, signed in the ${webhookSignatureHeader} header; a redelivered event has no second effect`,
    tags: ['payments'],
    auth: 'none',
    // A gateway may add fields to its events: they are accepted; the signature covers the raw bytes.
    body: WebhookEvent.loose(),
    headers: z.object({ [webhookSignatureHeader]: z.string().min(1).max(1000) }),
    handler: async ({ req }) => {
      const raw = rawBodyOf(req);
      if (!verifyWebhook(raw, req.header(webhookSignatureHeader), deps.settings.PAYMENT_WEBHOOK_SECRET, deps.clock.now())) {
        throw new HttpProblem(400, 'Bad Request', `The ${webhookSignatureHeader} header is missing, wrong or too old`);
      }
      const event = parseEvent(raw);
      const orderId = event.reference;
      const { state } = await deps.processor.load(commerce.orderStreamId(orderId), commerce.orderDecider, { current: true });
      const command = commandFor(event, orderId, deps.clock.now().toISOString());
      // Not an order (a booking's payment, say) or nothing to record: acknowledged, so the gateway stops sending.
      if (state.status === 'none' || !command) return { status: 200, body: { received: true, applied: false } };
      const metadata: EventMetadata = { actor: 'payment-gateway', correlationId: orderId, causationId: event.eventId, idempotencyKey: event.eventId };
      const handled = await deps.processor.handle(commerce.orderStreamId(orderId), commerce.orderDecider, command, metadata);
      return { status: 200, body: { received: true, applied: handled.events.length > 0, status: handled.state.status } };
    },
  }),
];
