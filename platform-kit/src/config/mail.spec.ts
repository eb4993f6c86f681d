import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('mail configuration', () => {
  it('defaults to a log line per mail', () => {
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(32), PAYMENT_WEBHOOK_SECRET: 'y'.repeat(16) })).toMatchObject({
      MAIL: 'log',
      MAIL_FROM: 'StayHub <no-reply@stayhub.local>',
    });
  });

  it('MAIL=smtp needs an smtp:// or smtps:// SMTP_URL, and says so', () => {
    const base = { JWT_SECRET: 'x'.repeat(32), PAYMENT_WEBHOOK_SECRET: 'y'.repeat(16), MAIL: 'smtp' };
    expect(() => loadConfig(base)).toThrow(/SMTP_URL: SMTP_URL is required when MAIL=smtp/);
    expect(() => loadConfig({ ...base, SMTP_URL: 'https://mail.example.com' })).toThrow(/SMTP_URL: an smtp:\/\/ or smtps:\/\/ URL/);
    expect(loadConfig({ ...base, SMTP_URL: 'smtps://user:pass@mail.example.com:465' }).SMTP_URL).toBe('smtps://user:pass@mail.example.com:465');
  });
});
