import type { Money } from '@stayhub/domain';

/**
 * The payment gateway port. Every call carries an idempotency key: the same key with the same
 * request returns the first result and moves money at most once, so a caller may retry freely.
 */
export type ChargeRequest = {
  idempotencyKey: string;
  amount: Money;
  /** A card token; see `simulated.ts` for the tokens the simulated gateway understands. */
  paymentMethod: string;
  /** Our own id for what is paid (booking or order id); echoed in webhooks. */
  reference: string;
  webhookUrl?: string;
};
export type ChargeResult = { status: 'captured'; paymentId: string; amount: Money } | { status: 'declined'; reason: string };
export type AuthorizeResult = { status: 'authorized'; paymentId: string; amount: Money } | { status: 'declined'; reason: string };
export type CaptureRequest = { idempotencyKey: string; paymentId: string; amount: Money };
export type RefundRequest = { idempotencyKey: string; paymentId: string; amount: Money; reference: string };
export type RefundResult = { status: 'refunded'; refundId: string; amount: Money };
/** Money sent to a host or seller: `destination` names their payout account (here, our user id). */
export type PayoutRequest = { idempotencyKey: string; amount: Money; destination: string; reference: string };
export type PayoutResult = { status: 'paid'; payoutId: string; amount: Money };

export interface PaymentGateway {
  authorize(r: ChargeRequest): Promise<AuthorizeResult>;
  /** Captures at most the authorized amount. */
  capture(r: CaptureRequest): Promise<ChargeResult>;
  /** Authorize and capture in one step. */
  charge(r: ChargeRequest): Promise<ChargeResult>;
  /**
   * What an earlier `charge` with this idempotency key answered, without charging (undefined if
   * none reached the gateway): how a caller whose answer was lost (a timeout, a crash) learns it.
   */
  findCharge(idempotencyKey: string): Promise<ChargeResult | undefined>;
  refund(r: RefundRequest): Promise<RefundResult>;
  /** Pays money out of the platform's balance to a host; once per idempotency key, like every call. */
  payout(r: PayoutRequest): Promise<PayoutResult>;
}

/** Transient: timeout, 5xx, breaker open, network. Safe to retry later with the same key. */
export class PaymentGatewayUnavailable extends Error {
  override readonly name = 'PaymentGatewayUnavailable';
  constructor(message = 'Payment gateway unavailable', options?: { cause?: unknown }) {
    super(message, options);
  }
}

export const paymentErrorCodes = [
  'idempotency_key_reused',
  'payment_not_found',
  'payment_state',
  'amount_invalid',
  'currency_mismatch',
  'amount_exceeds_authorized',
  'refund_exceeds_captured',
  'invalid_request',
] as const;
export type PaymentErrorCode = (typeof paymentErrorCodes)[number];

/** Permanent: the gateway refused the request itself; retrying it unchanged fails the same way. */
export class PaymentGatewayError extends Error {
  override readonly name = 'PaymentGatewayError';
  constructor(
    readonly code: PaymentErrorCode,
    message: string,
  ) {
    super(message);
  }
}
