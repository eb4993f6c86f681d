import {
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import { z } from 'zod';
import { Money, assertNever } from '@stayhub/domain';
import {
  PaymentGatewayError,
  PaymentGatewayUnavailable,
  paymentErrorCodes,
  type AuthorizeResult,
  type CaptureRequest,
  type ChargeRequest,
  type ChargeResult,
  type PaymentErrorCode,
  type PaymentGateway,
  type PayoutRequest,
  type PayoutResult,
  type RefundRequest,
  type RefundResult,
} from './port.ts';

export type HttpPaymentGatewayOptions = {
  baseUrl: string;
  /** Per attempt. */
  timeoutMs?: number;
  /** Retries after the first attempt (cockatiel's `maxAttempts`). */
  retries?: number;
  /** Bounds of the exponential backoff between retries (decorrelated jitter, cockatiel's default). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Consecutive transient failures that open the breaker. */
  breakAfter?: number;
  /** How long the breaker stays open before it lets one trial call through. */
  halfOpenAfterMs?: number;
  fetch?: typeof fetch;
};

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/** A failure worth retrying: 5xx, 408, 429, a network error, or an answer we cannot read. */
class TransientHttpError extends Error {
  override readonly name = 'TransientHttpError';
}

const isTransient = (error: Error) => error instanceof TransientHttpError || error instanceof TaskCancelledError;

const Declined = z.object({ status: z.literal('declined'), reason: z.string() });
const ChargeResultBody = z.discriminatedUnion('status', [z.object({ status: z.literal('captured'), paymentId: z.string(), amount: Money }), Declined]);
const AuthorizeResultBody = z.discriminatedUnion('status', [z.object({ status: z.literal('authorized'), paymentId: z.string(), amount: Money }), Declined]);
const RefundResultBody = z.object({ status: z.literal('refunded'), refundId: z.string(), amount: Money });
const PayoutResultBody = z.object({ status: z.literal('paid'), payoutId: z.string(), amount: Money });
const Problem = z.object({ code: z.string().optional(), detail: z.string().optional() });

/** Whatever was transient surfaces as `PaymentGatewayUnavailable`; anything else as it was. */
const unavailable = (error: unknown): unknown =>
  error instanceof TransientHttpError || error instanceof TaskCancelledError || isBrokenCircuitError(error)
    ? new PaymentGatewayUnavailable(`Payment gateway unavailable: ${(error as Error).message}`, { cause: error })
    : error;

const stateName = (state: CircuitState): BreakerState => {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.Open:
      return 'open';
    case CircuitState.HalfOpen:
      return 'half-open';
    case CircuitState.Isolated:
      return 'isolated';
    default:
      return assertNever(state);
  }
};

/**
 * The gateway over HTTP (see `gateway-server.ts`), behind a per-attempt timeout, bounded retries
 * with jittered backoff and a circuit breaker. Every attempt of one call sends the same
 * `Idempotency-Key`, so a retry never charges twice. A decline is an answer, not a failure: it is
 * neither retried nor counted by the breaker. Anything transient surfaces as `PaymentGatewayUnavailable`.
 */
export class HttpPaymentGateway implements PaymentGateway {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;
  private readonly breaker;
  private readonly policy;

  constructor(options: HttpPaymentGatewayOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
    this.breaker = circuitBreaker(handleWhen(isTransient), {
      halfOpenAfter: options.halfOpenAfterMs ?? 10_000,
      breaker: new ConsecutiveBreaker(options.breakAfter ?? 5),
    });
    // An open breaker is not retried: failing fast is its whole point.
    const retrying = retry(handleWhen(isTransient), {
      maxAttempts: options.retries ?? 3,
      backoff: new ExponentialBackoff({ initialDelay: options.initialDelayMs ?? 100, maxDelay: options.maxDelayMs ?? 2_000 }),
    });
    this.policy = wrap(retrying, this.breaker, timeout(options.timeoutMs ?? 2_000, TimeoutStrategy.Aggressive));
  }

  authorize(r: ChargeRequest): Promise<AuthorizeResult> {
    const { idempotencyKey, ...body } = r;
    return this.post('/v1/authorizations', idempotencyKey, body, AuthorizeResultBody);
  }

  capture(r: CaptureRequest): Promise<ChargeResult> {
    const { idempotencyKey, ...body } = r;
    return this.post('/v1/captures', idempotencyKey, body, ChargeResultBody);
  }

  charge(r: ChargeRequest): Promise<ChargeResult> {
    const { idempotencyKey, ...body } = r;
    return this.post('/v1/charges', idempotencyKey, body, ChargeResultBody);
  }

  /** A GET through the same timeout, retries and breaker; 404 means no charge has this key. */
  async findCharge(idempotencyKey: string): Promise<ChargeResult | undefined> {
    const path = `/v1/charges/${encodeURIComponent(idempotencyKey)}`;
    try {
      return await this.policy.execute(async ({ signal }) => {
        let response: Response;
        try {
          response = await this.fetch(`${this.baseUrl}${path}`, { headers: { accept: 'application/json' }, signal });
        } catch (error) {
          throw new TransientHttpError(`network error on ${path}`, { cause: error });
        }
        if (response.status === 404) {
          await response.body?.cancel();
          return undefined;
        }
        const parsed = ChargeResultBody.safeParse(response.ok ? await response.json().catch(() => undefined) : undefined);
        if (!parsed.success) {
          await response.body?.cancel().catch(() => undefined);
          throw new TransientHttpError(`HTTP ${response.status} on ${path}`);
        }
        return parsed.data;
      });
    } catch (error) {
      throw unavailable(error);
    }
  }

  refund(r: RefundRequest): Promise<RefundResult> {
    const { idempotencyKey, ...body } = r;
    return this.post('/v1/refunds', idempotencyKey, body, RefundResultBody);
  }

  payout(r: PayoutRequest): Promise<PayoutResult> {
    const { idempotencyKey, ...body } = r;
    return this.post('/v1/payouts', idempotencyKey, body, PayoutResultBody);
  }

  breakerState(): BreakerState {
    return stateName(this.breaker.state);
  }

  /** Calls `listener` on every breaker transition; returns an unsubscribe. */
  onBreakerStateChange(listener: (state: BreakerState) => void): () => void {
    const subscription = this.breaker.onStateChange((state) => listener(stateName(state)));
    return () => subscription.dispose();
  }

  private async post<T>(path: string, idempotencyKey: string, body: object, schema: z.ZodType<T>): Promise<T> {
    try {
      return await this.policy.execute(({ signal }) => this.attempt(path, idempotencyKey, body, schema, signal));
    } catch (error) {
      throw unavailable(error);
    }
  }

  private async attempt<T>(path: string, idempotencyKey: string, body: object, schema: z.ZodType<T>, signal: AbortSignal): Promise<T> {
    let response: Response;
    try {
      response = await this.fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      throw new TransientHttpError(`network error on ${path}`, { cause: error });
    }
    if (response.status >= 500 || response.status === 408 || response.status === 429) {
      await response.body?.cancel();
      throw new TransientHttpError(`HTTP ${response.status} on ${path}`);
    }
    const json: unknown = await response.json().catch(() => undefined);
    if (response.ok || response.status === 402) {
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new TransientHttpError(`Unreadable answer (HTTP ${response.status}) on ${path}`);
      return parsed.data;
    }
    const problem = Problem.safeParse(json);
    const code = problem.data?.code;
    throw new PaymentGatewayError(
      paymentErrorCodes.includes(code as PaymentErrorCode) ? (code as PaymentErrorCode) : 'invalid_request',
      problem.data?.detail ?? `HTTP ${response.status} on ${path}`,
    );
  }
}
