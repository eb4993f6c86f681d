import { counter, gauge, histogram, latencyBuckets } from '@stayhub/platform-kit';
import type { BreakerState } from './http-client.ts';
import { PaymentGatewayUnavailable, type PaymentGateway } from './port.ts';

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2, isolated: 3 };

type Breaker = { breakerState(): BreakerState; onBreakerStateChange(listener: (state: BreakerState) => void): () => void };
const hasBreaker = (gateway: object): gateway is Breaker => 'onBreakerStateChange' in gateway && 'breakerState' in gateway;

/** What an answer says: `declined` is an answer too; `unavailable` is transient (timeout, 5xx, open breaker); anything else an error. */
const outcomeOf = (answer: unknown): string =>
  typeof answer === 'object' && answer !== null && (answer as { status?: unknown }).status === 'declined' ? 'declined' : 'ok';

/**
 * The gateway with its calls counted in Prometheus by operation and outcome (ok, declined,
 * unavailable, error) with their durations, and, for the HTTP client, its breaker's state
 * (`payment_gateway_breaker_state`: 0 closed, 1 half-open, 2 open, 3 isolated).
 */
export const meteredGateway = <G extends PaymentGateway>(gateway: G): G => {
  const calls = histogram(
    'payment_gateway_call_duration_seconds',
    'Calls to the payment gateway (retries and breaker included), by operation and outcome',
    ['operation', 'outcome'],
    latencyBuckets,
  );
  if (hasBreaker(gateway)) {
    const breaker = gauge('payment_gateway_breaker_state', 'The payment gateway breaker: 0 closed, 1 half-open, 2 open, 3 isolated');
    const transitions = counter('payment_gateway_breaker_transitions_total', 'Breaker transitions, by the state entered', ['state']);
    breaker.set(BREAKER_VALUE[gateway.breakerState()]);
    gateway.onBreakerStateChange((state) => {
      breaker.set(BREAKER_VALUE[state]);
      transitions.inc({ state });
    });
  }
  const measured =
    <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const end = calls.startTimer({ operation });
      try {
        const answer = await call(...args);
        end({ outcome: outcomeOf(answer) });
        return answer;
      } catch (error) {
        end({ outcome: error instanceof PaymentGatewayUnavailable ? 'unavailable' : 'error' });
        throw error;
      }
    };
  return Object.assign(Object.create(gateway) as G, {
    authorize: measured('authorize', gateway.authorize.bind(gateway)),
    capture: measured('capture', gateway.capture.bind(gateway)),
    charge: measured('charge', gateway.charge.bind(gateway)),
    findCharge: measured('findCharge', gateway.findCharge.bind(gateway)),
    refund: measured('refund', gateway.refund.bind(gateway)),
  });
};
