/**
 * The notification port: one message to one recipient, rendered by the channel from a template.
 * Every send carries an idempotency key: the channel delivers a key at most once, so a caller
 * (a durable workflow task) may retry freely after a timeout.
 */
export type Notification = {
  /** An email address. */
  to: string;
  template: string;
  data: Record<string, unknown>;
  idempotencyKey: string;
};

export type Delivery = { messageId: string };

export interface Notifier {
  send(notification: Notification): Promise<Delivery>;
}

/** Transient: the channel is down, slow or its breaker is open. Safe to retry later with the same key. */
export class NotifierUnavailable extends Error {
  override readonly name = 'NotifierUnavailable';
  constructor(message = 'Notification channel unavailable', options?: { cause?: unknown }) {
    super(message, options);
  }
}
