import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSmtpServer } from './testing/smtp-server.ts';
import { NotifierUnavailable, type Notification } from './port.ts';
import { ResilientNotifier } from './resilient.ts';
import { MailRejected, SmtpMailer } from './smtp.ts';
import { LogMailer } from './log-mail.ts';

const confirmed = (to: string, key: string): Notification => ({
  to,
  template: 'booking.confirmed',
  idempotencyKey: key,
  data: { name: 'Ada', bookingId: 'b-42', stay: { kind: 'nights', checkIn: '2026-05-10', checkOut: '2026-05-12' }, total: { amount: 24_000, currency: 'EUR' } },
});

let server: TestSmtpServer;
const mailers: SmtpMailer[] = [];
const mailer = () => {
  const made = new SmtpMailer({ url: server.url, from: 'StayHub <no-reply@stayhub.test>', timeoutMs: 2_000 });
  mailers.push(made);
  return made;
};
beforeAll(async () => {
  server = await new TestSmtpServer().start();
});
afterAll(async () => {
  for (const made of mailers) made.close();
  await server?.stop();
});

describe('SMTP mail (MAIL=smtp)', () => {
  it('delivers the mail to its recipient with the subject and the body the template renders', async () => {
    const delivery = await mailer().send(confirmed('ada@example.com', 'mail:e1:guest'));
    const [mail] = server.to('ada@example.com');
    expect(mail).toBeDefined();
    expect(mail!.from).toBe('no-reply@stayhub.test');
    expect(mail!.raw).toMatch(/^To: ada@example\.com$/m);
    expect(mail!.raw).toMatch(/^Subject: Your booking is confirmed$/m);
    expect(mail!.raw).toContain('Booking b-42 (2026-05-10 to 2026-05-12) is confirmed, total 240.00 EUR.');
    // the Message-ID follows the idempotency key: a retried mail is the same message
    expect(mail!.raw).toContain(`Message-ID: ${delivery.messageId}`);
    const again = await mailer().send(confirmed('ada@example.com', 'mail:e1:guest'));
    expect(again.messageId).toBe(delivery.messageId);
  });

  it('a recipient the server refuses (5xx) is a rejection, not an outage', async () => {
    server.refuse.add('gone@example.com');
    await expect(mailer().send(confirmed('gone@example.com', 'mail:e2:guest'))).rejects.toBeInstanceOf(MailRejected);
  });

  it('a server that is down trips the breaker (fails fast, without connecting); once it is back the mail goes out', async () => {
    await server.stop();
    const notifier = new ResilientNotifier(mailer(), { breakAfter: 2, halfOpenAfterMs: 100 });
    for (const key of ['k1', 'k2']) await expect(notifier.send(confirmed('bo@example.com', key))).rejects.toBeInstanceOf(NotifierUnavailable);
    expect(notifier.breakerOpen()).toBe(true);
    await expect(notifier.send(confirmed('bo@example.com', 'k3'))).rejects.toThrow(/breaker is open/);

    await server.start();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await notifier.send(confirmed('bo@example.com', 'k3'));
    expect(notifier.breakerOpen()).toBe(false);
    expect(server.to('bo@example.com')).toHaveLength(1);
  });
});

describe('log mail (MAIL=log, the default)', () => {
  it('writes each mail as one structured log line with the recipient, subject and body', async () => {
    const lines: unknown[][] = [];
    const delivery = await new LogMailer({ info: (...args: unknown[]) => void lines.push(args) } as never).send(confirmed('ada@example.com', 'mail:e3:guest'));
    expect(lines).toEqual([
      [
        {
          mail: {
            to: 'ada@example.com',
            subject: 'Your booking is confirmed',
            text: expect.stringContaining('Booking b-42'),
            template: 'booking.confirmed',
            messageId: delivery.messageId,
          },
        },
        'mail',
      ],
    ]);
  });
});
