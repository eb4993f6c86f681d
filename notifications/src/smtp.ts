import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { NotifierUnavailable, type Delivery, type Notification, type Notifier } from './port.ts';
import { renderMail } from './render.ts';

export type SmtpOptions = {
  /** `smtp://user:pass@host:587` (STARTTLS when the server offers it) or `smtps://…:465`. */
  url: string;
  /** The sender, e.g. `StayHub <no-reply@example.com>`. */
  from: string;
  /** Connection and greeting timeouts; the breaker in front has its own overall timeout. */
  timeoutMs?: number;
};

/** A permanent refusal (5xx: no such mailbox, message refused): retrying the same mail will not help. */
export class MailRejected extends Error {
  override readonly name = 'MailRejected';
}

/**
 * Real mail over SMTP (`MAIL=smtp`, `SMTP_URL`), on nodemailer with a pooled connection. SMTP has
 * no idempotency: the mail's `Message-ID` is derived from its idempotency key, so the rare second
 * copy (the server accepted the mail but its answer was lost, and the task retried) is the same
 * message to the recipient's client. A server that cannot be reached or answers 4xx is
 * `NotifierUnavailable` (retried later); a 5xx answer is `MailRejected`.
 */
export class SmtpMailer implements Notifier {
  private readonly transport: Transporter;
  private readonly domain: string;

  constructor(private readonly options: SmtpOptions) {
    const timeout = options.timeoutMs ?? 10_000;
    this.transport = nodemailer.createTransport({
      url: options.url,
      pool: true,
      maxConnections: 2,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout * 3,
    });
    this.domain = /@([^>\s]+)>?\s*$/.exec(options.from)?.[1] ?? 'stayhub.local';
  }

  async send(notification: Notification): Promise<Delivery> {
    const { subject, text } = renderMail(notification);
    const messageId = `<${createHash('sha256').update(notification.idempotencyKey).digest('hex').slice(0, 32)}@${this.domain}>`;
    try {
      const info = await this.transport.sendMail({
        from: this.options.from,
        to: notification.to,
        subject,
        text,
        messageId,
        headers: { 'X-StayHub-Template': notification.template },
      });
      return { messageId: info.messageId ?? messageId };
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      if (code !== undefined && code >= 500) throw new MailRejected(`The mail server refused the mail (${code})`, { cause: error });
      throw new NotifierUnavailable(`Mail server unavailable: ${(error as Error).message}`, { cause: error });
    }
  }

  close(): void {
    this.transport.close();
  }
}
