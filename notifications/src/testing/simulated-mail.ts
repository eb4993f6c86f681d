import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { NotifierUnavailable, type Delivery, type Notification, type Notifier } from '../port.ts';

export type SentMail = Notification & { messageId: string; sentAt: string };

/**
 * A mail server in memory for tests: it can be switched down (every send fails as unavailable)
 * and up again, or made slow. It delivers each idempotency key once; a repeated key returns the
 * first delivery.
 */
export class SimulatedMailServer implements Notifier {
  private online = true;
  private readonly delivered = new Map<string, SentMail>();
  /** Sends tried, delivered or not (to see that a down server was retried). */
  attempts = 0;
  latencyMs: number;

  constructor(options: { latencyMs?: number } = {}) {
    this.latencyMs = options.latencyMs ?? 0;
  }

  down(): void {
    this.online = false;
  }

  up(): void {
    this.online = true;
  }

  isUp(): boolean {
    return this.online;
  }

  async send(notification: Notification): Promise<Delivery> {
    this.attempts++;
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    if (!this.online) throw new NotifierUnavailable('Mail server unavailable: connection refused');
    const first = this.delivered.get(notification.idempotencyKey);
    if (first) return { messageId: first.messageId };
    const mail: SentMail = { ...notification, messageId: `msg_${randomUUID()}`, sentAt: new Date().toISOString() };
    this.delivered.set(notification.idempotencyKey, mail);
    return { messageId: mail.messageId };
  }

  /** Every mail delivered, oldest first. */
  outbox(): SentMail[] {
    return [...this.delivered.values()];
  }

  to(address: string): SentMail[] {
    return this.outbox().filter((mail) => mail.to === address);
  }
}
