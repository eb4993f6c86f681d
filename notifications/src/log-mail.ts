import type { Logger } from '@stayhub/platform-kit';
import type { Delivery, Notification, Notifier } from './port.ts';
import { renderMail } from './render.ts';

/**
 * The embedded default (`MAIL=log`): each mail is one structured log line (`"msg":"mail"`, with
 * `mail.to`, `mail.subject`, `mail.text`), so a newcomer sees what would be sent without a mail
 * server. A line per delivery: the workflow's task id keeps it to one per mail.
 */
export class LogMailer implements Notifier {
  constructor(private readonly log: Pick<Logger, 'info'>) {}

  async send(notification: Notification): Promise<Delivery> {
    const { subject, text } = renderMail(notification);
    const messageId = `log:${notification.idempotencyKey}`;
    this.log.info({ mail: { to: notification.to, subject, text, template: notification.template, messageId } }, 'mail');
    return { messageId };
  }
}
