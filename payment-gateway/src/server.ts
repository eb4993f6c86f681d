import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { Money } from '@stayhub/domain';
import { GatewayFaults, seededRandom } from './faults.ts';
import { PaymentGatewayError, PaymentGatewayUnavailable, SimulatedGateway, type PaymentErrorCode } from '@stayhub/payments';
import { createWebhookSender } from './webhook-sender.ts';

export type GatewayAppOptions = {
  gateway?: SimulatedGateway;
  webhookSecret: string;
  faults?: Partial<GatewayFaults>;
  /** How long a request picked by `timeoutRate` goes unanswered before a 504. */
  hangMs?: number;
  /** Aborting it ends pending webhooks and unanswered requests (used by `close`). */
  signal?: AbortSignal;
  logger?: Pick<Logger, 'warn' | 'debug'>;
};

const ChargeBody = z.object({ amount: Money, paymentMethod: z.string().min(1), reference: z.string().min(1), webhookUrl: z.url().optional() });
const CaptureBody = z.object({ paymentId: z.string().min(1), amount: Money });
const RefundBody = z.object({ paymentId: z.string().min(1), amount: Money, reference: z.string().min(1) });
const PayoutBody = z.object({ amount: Money, destination: z.string().min(1), reference: z.string().min(1) });

const statusOf: Record<PaymentErrorCode, number> = {
  invalid_request: 400,
  payment_not_found: 404,
  payment_state: 409,
  idempotency_key_reused: 422,
  amount_invalid: 422,
  currency_mismatch: 422,
  amount_exceeds_authorized: 422,
  refund_exceeds_captured: 422,
};

const problem = (res: Response, status: number, title: string, detail: string, code?: string) =>
  res
    .status(status)
    .type('application/problem+json')
    .json({ type: 'about:blank', title, status, detail, ...(code ? { code } : {}) });

/**
 * The simulated gateway as an HTTP service: `POST /v1/charges`, `/v1/authorizations`, `/v1/captures`,
 * `/v1/refunds`, `/v1/payouts` (JSON with an `Idempotency-Key` header; a decline is a 402 with the declined result),
 * `GET /v1/charges/:idempotencyKey` (an earlier charge's result, 404 if none),
 * `GET /health`, and `GET`/`PUT /_faults` to read and set the injected faults.
 */
const createGatewayApp = (options: GatewayAppOptions): Express => {
  const gateway = options.gateway ?? new SimulatedGateway();
  const signal = options.signal ?? new AbortController().signal;
  const hangMs = options.hangMs ?? 30_000;
  let faults = GatewayFaults.parse(options.faults ?? {});
  let random = seededRandom(faults.seed);
  gateway.declineAll = faults.declineAll;

  const unsubscribe = gateway.onEffect(
    createWebhookSender({ secret: options.webhookSecret, mode: () => faults, signal, ...(options.logger ? { logger: options.logger } : {}) }),
  );
  signal.addEventListener('abort', unsubscribe, { once: true });

  const operation =
    <B extends z.ZodType, R extends { status: string }>(body: B, run: (key: string, input: z.infer<B>) => Promise<R>) =>
    async (req: Request, res: Response) => {
      const gone = new AbortController();
      res.once('close', () => gone.abort());
      const key = req.header('idempotency-key');
      if (!key) return problem(res, 400, 'Bad Request', 'The Idempotency-Key header is required', 'invalid_request');
      const input = body.parse(req.body);
      // Both draws happen on every request, so the sequence of outcomes depends only on the seed.
      const fails = random() < faults.failureRate;
      const hangs = random() < faults.timeoutRate;
      if (faults.latencyMs > 0) await sleep(faults.latencyMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return res.destroy();
      if (fails) return problem(res, 503, 'Service Unavailable', 'Injected failure');
      const result = await run(key, input);
      if (hangs) {
        await sleep(hangMs, undefined, { signal: AbortSignal.any([signal, gone.signal]) }).catch(() => undefined);
        if (signal.aborted || gone.signal.aborted) return res.destroy();
        return problem(res, 504, 'Gateway Timeout', 'Injected timeout');
      }
      return res.status(result.status === 'declined' ? 402 : 200).json(result);
    };

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/_faults', (_req, res) => {
    res.json(faults);
  });
  app.put('/_faults', (req, res) => {
    faults = GatewayFaults.parse(req.body ?? {});
    random = seededRandom(faults.seed);
    gateway.declineAll = faults.declineAll;
    res.json(faults);
  });

  app.post(
    '/v1/charges',
    operation(ChargeBody, (idempotencyKey, b) => gateway.charge({ idempotencyKey, ...b })),
  );
  app.post(
    '/v1/authorizations',
    operation(ChargeBody, (idempotencyKey, b) => gateway.authorize({ idempotencyKey, ...b })),
  );
  app.post(
    '/v1/captures',
    operation(CaptureBody, (idempotencyKey, b) => gateway.capture({ idempotencyKey, ...b })),
  );
  app.get('/v1/charges/:key', async (req, res) => {
    if (random() < faults.failureRate) return problem(res, 503, 'Service Unavailable', 'Injected failure');
    const found = await gateway.findCharge(req.params.key);
    if (!found) return problem(res, 404, 'Not Found', 'No charge with this idempotency key', 'payment_not_found');
    return res.json(found);
  });
  app.post(
    '/v1/refunds',
    operation(RefundBody, (idempotencyKey, b) => gateway.refund({ idempotencyKey, ...b })),
  );
  app.post(
    '/v1/payouts',
    operation(PayoutBody, (idempotencyKey, b) => gateway.payout({ idempotencyKey, ...b })),
  );

  app.use((_req, res) => {
    problem(res, 404, 'Not Found', 'No such route');
  });
  const onError: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    if (error instanceof z.ZodError) return problem(res, 400, 'Bad Request', z.prettifyError(error), 'invalid_request');
    if (error instanceof PaymentGatewayError) return problem(res, statusOf[error.code], 'Payment Refused', error.message, error.code);
    if (error instanceof PaymentGatewayUnavailable) return problem(res, 503, 'Service Unavailable', error.message);
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return problem(res, status, 'Bad Request', String((error as Error).message), 'invalid_request');
    }
    options.logger?.warn({ err: error }, 'gateway error');
    return problem(res, 500, 'Internal Server Error', 'Unexpected error');
  };
  app.use(onError);
  return app;
};

export type GatewayServer = { url: string; port: number; gateway: SimulatedGateway; close(): Promise<void> };

/** Starts the gateway app on `port` (0 picks a free one). `close` also drops pending webhooks. */
export const startGatewayServer = async (options: Omit<GatewayAppOptions, 'signal'> & { port?: number; host?: string }): Promise<GatewayServer> => {
  const gateway = options.gateway ?? new SimulatedGateway();
  const stop = new AbortController();
  const app = createGatewayApp({ ...options, gateway, signal: stop.signal });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host && !['0.0.0.0', '::'].includes(options.host) ? options.host : '127.0.0.1'}:${port}`,
    port,
    gateway,
    close: async () => {
      stop.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
