import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

const secrets = ['password', 'passwordHash', 'token', 'authorization', 'cookie', 'paymentMethod', 'JWT_SECRET', 'PAYMENT_WEBHOOK_SECRET', 'DATABASE_URL'];

/**
 * Where secrets may sit in what we log: at the top, one level down (`user.password`), and in a
 * request's or response's headers and body (`req.body.password`, `req.headers.authorization`).
 */
const redactedPaths = [
  ...secrets,
  ...secrets.map((key) => `*.${key}`),
  ...['req', 'res', 'request', 'response'].flatMap((part) => [
    ...secrets.map((key) => `${part}.headers.${key}`),
    ...secrets.map((key) => `${part}.body.${key}`),
  ]),
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
];

/** JSON logs on stdout (or `destination`); secrets (tokens, passwords, card tokens, keys) are redacted wherever they appear. */
export const createLogger = (name: string, level: string = 'info', destination?: DestinationStream): Logger => {
  const options = { name, level, redact: { paths: redactedPaths, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
};
