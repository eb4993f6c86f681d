import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { assertNever } from '@stayhub/domain';
import type { WebhookMode } from './faults.ts';
import { signWebhook, webhookSignatureHeader, type PaymentEffect, type WebhookEvent } from '@stayhub/payments';

export type WebhookSenderOptions = {
  secret: string;
  /** Read when an effect happens, so a fault set at run time applies to the next webhook. */
  mode: () => { webhook: WebhookMode; webhookDelayMs: number };
  signal: AbortSignal;
  logger?: Pick<Logger, 'warn' | 'debug'>;
  /** Deliveries of one webhook before giving up on a receiver that fails. */
  maxAttempts?: number;
  retryDelayMs?: number;
};

const toEvent = (effect: PaymentEffect, at: Date): WebhookEvent | undefined => {
  const common = {
    eventId: `evt_${randomUUID()}`,
    reference: effect.reference,
    amount: effect.amount,
    idempotencyKey: effect.idempotencyKey,
    occurredAt: at.toISOString(),
  };
  switch (effect.type) {
    case 'captured':
      return { ...common, type: 'payment.captured', paymentId: effect.paymentId };
    case 'declined':
      return { ...common, type: 'payment.declined', reason: effect.reason };
    case 'refunded':
      return { ...common, type: 'refund.succeeded', paymentId: effect.paymentId, refundId: effect.refundId };
    // payouts carry no webhook: the payout task records the gateway's answer itself
    case 'authorized':
    case 'paid_out':
      return undefined;
    default:
      return assertNever(effect);
  }
};

/** Returns a listener for gateway effects that POSTs signed webhooks per the current fault mode. */
export const createWebhookSender = (options: WebhookSenderOptions): ((effect: PaymentEffect) => void) => {
  const { secret, signal, logger, maxAttempts = 3, retryDelayMs = 200 } = options;

  const post = async (url: string, body: string, badSignature: boolean): Promise<void> => {
    for (let attempt = 1; attempt <= maxAttempts && !signal.aborted; attempt++) {
      const signature = signWebhook(body, badSignature ? `${secret}-wrong` : secret, new Date());
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [webhookSignatureHeader]: signature },
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]),
        });
        await response.body?.cancel();
        if (response.ok) return;
        logger?.warn({ url, status: response.status, attempt }, 'webhook refused');
      } catch (error) {
        if (signal.aborted) return;
        logger?.warn({ url, err: error, attempt }, 'webhook not delivered');
      }
      await sleep(retryDelayMs * 2 ** (attempt - 1), undefined, { signal }).catch(() => undefined);
    }
  };

  const deliver = async (url: string, event: WebhookEvent): Promise<void> => {
    const { webhook, webhookDelayMs } = options.mode();
    const body = JSON.stringify(event);
    logger?.debug({ url, type: event.type, mode: webhook }, 'webhook');
    switch (webhook) {
      case 'never':
        return;
      case 'normal':
        return post(url, body, false);
      case 'bad_signature':
        return post(url, body, true);
      case 'twice':
        await post(url, body, false);
        return post(url, body, false);
      case 'late':
        await sleep(webhookDelayMs, undefined, { signal }).catch(() => undefined);
        return post(url, body, false);
      default:
        return assertNever(webhook);
    }
  };

  return (effect) => {
    const event = toEvent(effect, new Date());
    if (effect.webhookUrl && event && !signal.aborted) void deliver(effect.webhookUrl, event);
  };
};
