import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs on stdout; secrets (tokens, passwords, card tokens) are redacted wherever they appear. */
export const createLogger = (name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger =>
  pino({
    name,
    level,
    redact: {
      paths: ['password', '*.password', 'passwordHash', '*.passwordHash', 'token', '*.token', 'authorization', '*.authorization', 'paymentMethod', '*.paymentMethod', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  });
