import { randomUUID } from 'node:crypto';
import { Money } from '@stayhub/domain';
import {
  PaymentGatewayError,
  PaymentGatewayUnavailable,
  type AuthorizeResult,
  type CaptureRequest,
  type ChargeRequest,
  type ChargeResult,
  type PaymentGateway,
  type PayoutRequest,
  type PayoutResult,
  type RefundRequest,
  type RefundResult,
} from './port.ts';

/** Something that moved (or refused to move) money, as the gateway records it. */
type EffectFacts = { reference: string; amount: Money; idempotencyKey: string; webhookUrl?: string };
export type PaymentEffect = EffectFacts &
  (
    | { type: 'authorized' | 'captured'; paymentId: string }
    | { type: 'declined'; reason: string }
    | { type: 'refunded'; refundId: string; paymentId: string }
    | { type: 'paid_out'; payoutId: string; destination: string }
  );

type Payment = {
  paymentId: string;
  reference: string;
  paymentMethod: string;
  state: 'authorized' | 'captured';
  authorized: Money;
  captured: number;
  refunded: number;
  webhookUrl?: string;
};

const declines: Record<string, string> = { tok_declined: 'card_declined', tok_insufficient_funds: 'insufficient_funds' };

/** Keys in code-unit order: any fixed order will do, and ICU's collation (`localeCompare`) was most of a charge's CPU here. */
const byKey = ([a]: [string, unknown], [b]: [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0);

/** `JSON.stringify` with sorted keys, so that two equal requests always compare equal. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(byKey)) : v));

/**
 * An in-memory gateway with deterministic behaviour by card token:
 * `tok_declined` and `tok_insufficient_funds` decline, `tok_unavailable` always throws
 * `PaymentGatewayUnavailable`, `tok_flaky_N` throws it on the first N attempts of each key,
 * any other `tok_…` succeeds. A method not starting with `tok_` declines as `invalid_payment_method`.
 */
export class SimulatedGateway implements PaymentGateway {
  /** Declines every new authorization and charge (a fault the HTTP server can switch on). */
  declineAll = false;
  private readonly results = new Map<string, { fingerprint: string; result: unknown }>();
  private readonly attempts = new Map<string, number>();
  private readonly payments = new Map<string, Payment>();
  private readonly effects: PaymentEffect[] = [];
  private readonly listeners = new Set<(effect: PaymentEffect) => void>();
  private readonly newId: () => string;

  constructor(options: { newId?: () => string } = {}) {
    this.newId = options.newId ?? randomUUID;
  }

  async authorize(r: ChargeRequest): Promise<AuthorizeResult> {
    return this.once(r.idempotencyKey, 'authorize', r, r.paymentMethod, () => {
      const declined = this.declineOf(r);
      if (declined) return declined;
      const payment = this.open(r, 'authorized');
      this.record({ type: 'authorized', paymentId: payment.paymentId, ...facts(r, r.reference, r.webhookUrl) });
      return { status: 'authorized', paymentId: payment.paymentId, amount: r.amount };
    });
  }

  async capture(r: CaptureRequest): Promise<ChargeResult> {
    const payment = this.payment(r.paymentId);
    return this.once(r.idempotencyKey, 'capture', r, payment.paymentMethod, () => {
      checkAmount(r.amount, payment.authorized.currency);
      if (payment.state !== 'authorized') throw new PaymentGatewayError('payment_state', `Payment ${r.paymentId} is already ${payment.state}`);
      if (r.amount.amount > payment.authorized.amount) {
        throw new PaymentGatewayError('amount_exceeds_authorized', `Cannot capture ${r.amount.amount}, authorized ${payment.authorized.amount}`);
      }
      payment.state = 'captured';
      payment.captured = r.amount.amount;
      this.record({ type: 'captured', paymentId: payment.paymentId, ...facts(r, payment.reference, payment.webhookUrl) });
      return { status: 'captured', paymentId: payment.paymentId, amount: r.amount };
    });
  }

  async charge(r: ChargeRequest): Promise<ChargeResult> {
    return this.once(r.idempotencyKey, 'charge', r, r.paymentMethod, () => {
      const declined = this.declineOf(r);
      if (declined) return declined;
      const payment = this.open(r, 'captured');
      this.record({ type: 'captured', paymentId: payment.paymentId, ...facts(r, r.reference, r.webhookUrl) });
      return { status: 'captured', paymentId: payment.paymentId, amount: r.amount };
    });
  }

  async refund(r: RefundRequest): Promise<RefundResult> {
    const payment = this.payment(r.paymentId);
    return this.once(r.idempotencyKey, 'refund', r, payment.paymentMethod, () => {
      checkAmount(r.amount, payment.authorized.currency);
      if (payment.state !== 'captured') throw new PaymentGatewayError('payment_state', `Payment ${r.paymentId} is not captured`);
      const left = payment.captured - payment.refunded;
      if (r.amount.amount > left) throw new PaymentGatewayError('refund_exceeds_captured', `Cannot refund ${r.amount.amount}, ${left} left`);
      payment.refunded += r.amount.amount;
      const refundId = `re_${this.newId()}`;
      this.record({ type: 'refunded', refundId, paymentId: payment.paymentId, ...facts(r, r.reference, payment.webhookUrl) });
      return { status: 'refunded', refundId, amount: r.amount };
    });
  }

  /** `destination` plays the card token's part for faults: `tok_unavailable` and `tok_flaky_N` fail the same way. */
  async payout(r: PayoutRequest): Promise<PayoutResult> {
    return this.once(r.idempotencyKey, 'payout', r, r.destination, () => {
      checkAmount(r.amount);
      if (!r.destination) throw new PaymentGatewayError('invalid_request', 'A payout needs a destination');
      const payoutId = `po_${this.newId()}`;
      this.record({ type: 'paid_out', payoutId, destination: r.destination, ...facts(r, r.reference, undefined) });
      return { status: 'paid', payoutId, amount: r.amount };
    });
  }

  async findCharge(idempotencyKey: string): Promise<ChargeResult | undefined> {
    const done = this.results.get(idempotencyKey);
    return done?.fingerprint.startsWith('["charge",') ? (structuredClone(done.result) as ChargeResult) : undefined;
  }

  /** Captured effects (from `charge` or `capture`), oldest first: one per money movement. */
  charges(): PaymentEffect[] {
    return this.effects.filter((e) => e.type === 'captured');
  }

  authorizations(): PaymentEffect[] {
    return this.effects.filter((e) => e.type === 'authorized');
  }

  refunds(): PaymentEffect[] {
    return this.effects.filter((e) => e.type === 'refunded');
  }

  payouts(): PaymentEffect[] {
    return this.effects.filter((e) => e.type === 'paid_out');
  }

  /** Calls `listener` after each new effect (never for an idempotent replay). Returns an unsubscribe. */
  onEffect(listener: (effect: PaymentEffect) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private once<R>(key: string, operation: string, request: object, paymentMethod: string, run: () => R): R {
    if (!key) throw new PaymentGatewayError('invalid_request', 'An idempotency key is required');
    const fingerprint = canonical([operation, request]);
    const done = this.results.get(key);
    if (done) {
      if (done.fingerprint !== fingerprint) {
        throw new PaymentGatewayError('idempotency_key_reused', `Idempotency key ${key} was used for another request`);
      }
      return structuredClone(done.result) as R;
    }
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const flaky = /^tok_flaky_(\d+)$/.exec(paymentMethod);
    if (paymentMethod === 'tok_unavailable' || (flaky && attempt <= Number(flaky[1]))) {
      throw new PaymentGatewayUnavailable(`Simulated outage (${paymentMethod}, attempt ${attempt})`);
    }
    const result = run();
    this.results.set(key, { fingerprint, result });
    return structuredClone(result);
  }

  private declineOf(r: ChargeRequest): { status: 'declined'; reason: string } | undefined {
    checkAmount(r.amount);
    const reason = this.declineAll
      ? 'card_declined'
      : (declines[r.paymentMethod] ?? (r.paymentMethod.startsWith('tok_') ? undefined : 'invalid_payment_method'));
    if (!reason) return undefined;
    this.record({ type: 'declined', reason, ...facts(r, r.reference, r.webhookUrl) });
    return { status: 'declined', reason };
  }

  private open(r: ChargeRequest, state: Payment['state']): Payment {
    const payment: Payment = {
      paymentId: `pay_${this.newId()}`,
      reference: r.reference,
      paymentMethod: r.paymentMethod,
      state,
      authorized: r.amount,
      captured: state === 'captured' ? r.amount.amount : 0,
      refunded: 0,
      ...hook(r.webhookUrl),
    };
    this.payments.set(payment.paymentId, payment);
    return payment;
  }

  private payment(paymentId: string): Payment {
    const payment = this.payments.get(paymentId);
    if (!payment) throw new PaymentGatewayError('payment_not_found', `No payment ${paymentId}`);
    return payment;
  }

  private record(effect: PaymentEffect): void {
    this.effects.push(effect);
    for (const listener of this.listeners) listener(structuredClone(effect));
  }
}

const hook = (webhookUrl: string | undefined) => (webhookUrl ? { webhookUrl } : {});

const facts = (r: { amount: Money; idempotencyKey: string }, reference: string, webhookUrl: string | undefined): EffectFacts => ({
  reference,
  amount: r.amount,
  idempotencyKey: r.idempotencyKey,
  ...hook(webhookUrl),
});

const checkAmount = (amount: Money, currency?: string): void => {
  if (!Money.safeParse(amount).success || amount.amount <= 0) {
    throw new PaymentGatewayError('amount_invalid', 'Amount must be a positive whole number of minor units with an ISO 4217 currency');
  }
  if (currency && amount.currency !== currency) {
    throw new PaymentGatewayError('currency_mismatch', `Payment is in ${currency}, not ${amount.currency}`);
  }
};
