import { describe, expect, it } from 'vitest';
import { createLogger } from './logging.ts';

const captured = () => {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => void lines.push(line) } };
};

describe('logs never carry secrets', () => {
  it('redacts passwords, tokens, card tokens and keys in a logged request, error context and configuration', () => {
    const out = captured();
    const log = createLogger('test', 'info', out.stream);
    log.info(
      {
        req: {
          method: 'POST',
          url: '/auth/login',
          headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.secret-jwt', cookie: 'session=secret-cookie', 'content-type': 'application/json' },
          body: { email: 'guest@example.com', password: 'hunter2-secret-password' },
        },
        res: { statusCode: 200, body: { token: 'eyJ.secret-issued-token' } },
      },
      'request',
    );
    log.warn({ task: { paymentMethod: 'tok_secret_card' }, user: { passwordHash: 'scrypt$secret-hash' }, token: 'secret-top-token' }, 'task failed');
    log.info(
      {
        config: {
          JWT_SECRET: 'secret-jwt-key',
          PAYMENT_WEBHOOK_SECRET: 'secret-webhook-key',
          DATABASE_URL: 'postgres://u:secret-db-password@db/x',
          PORT: 3000,
        },
      },
      'config',
    );

    const text = out.lines.join('');
    expect(text).not.toMatch(/secret|hunter2|tok_secret/);
    expect(text).toContain('guest@example.com');
    expect(text).toContain('"url":"/auth/login"');
    expect(text).toContain('"PORT":3000');
    expect(text.match(/\[redacted\]/g)?.length).toBe(10);
  });
});
