import { MailSettings, type Logger } from '@stayhub/platform-kit';
import { LogMailer } from './log-mail.ts';
import type { Notifier } from './port.ts';
import { ResilientNotifier } from './resilient.ts';
import { SmtpMailer } from './smtp.ts';

/**
 * The mail channel `MAIL` names: SMTP behind its timeout and breaker; the log channel as it is (a
 * log line neither hangs nor fails for a while, and the timeout's timer and abort signal per mail
 * were a cost of every booking's two mails for nothing).
 */
export const notifierFromConfig = (config: Partial<MailSettings>, log: Pick<Logger, 'info'>): Notifier => {
  const settings = MailSettings.parse(config);
  if (settings.MAIL === 'smtp') {
    if (!settings.SMTP_URL) throw new Error('SMTP_URL is required when MAIL=smtp');
    return new ResilientNotifier(new SmtpMailer({ url: settings.SMTP_URL, from: settings.MAIL_FROM }));
  }
  return new LogMailer(log);
};
