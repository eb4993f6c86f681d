import { describe, expect, it } from 'vitest';
import { metricsText } from '@stayhub/platform-kit';
import { HttpPaymentGateway } from './http-client.ts';
import { meteredGateway } from './metrics.ts';
import { PaymentGatewayUnavailable } from './port.ts';
import { SimulatedGateway } from './simulated.ts';

const charge = (paymentMethod: string, key: string) => ({ idempotencyKey: key, paymentMethod, amount: { amount: 1000, currency: 'EUR' }, reference: key });

const sample = (text: string, name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);

describe('payment gateway metrics', () => {
  it('counts calls by operation and outcome: ok, declined, unavailable; answers pass through unchanged', async () => {
    const gateway = meteredGateway(new SimulatedGateway());
    const before = await metricsText();
    const paid = await gateway.charge(charge('tok_visa', 'm-1'));
    expect(paid.status).toBe('captured');
    expect((await gateway.charge(charge('tok_declined', 'm-2'))).status).toBe('declined');
    await expect(gateway.charge(charge('tok_unavailable', 'm-3'))).rejects.toBeInstanceOf(PaymentGatewayUnavailable);
    const after = await metricsText();
    for (const outcome of ['ok', 'declined', 'unavailable']) {
      const labels = `operation="charge",outcome="${outcome}"`;
      expect(
        sample(after, 'payment_gateway_call_duration_seconds_count', labels) - sample(before, 'payment_gateway_call_duration_seconds_count', labels),
        outcome,
      ).toBe(1);
    }
  });

  it('shows the HTTP client’s breaker: 0 while closed, 2 once open', async () => {
    const down: typeof fetch = async () => new Response('down', { status: 503 });
    const gateway = meteredGateway(new HttpPaymentGateway({ baseUrl: 'http://127.0.0.1:9', fetch: down, retries: 0, breakAfter: 2, halfOpenAfterMs: 60_000 }));
    expect(await metricsText()).toMatch(/^payment_gateway_breaker_state 0$/m);
    for (const key of ['b-1', 'b-2', 'b-3']) await expect(gateway.charge(charge('tok_visa', key))).rejects.toBeInstanceOf(PaymentGatewayUnavailable);
    const text = await metricsText();
    expect(text).toMatch(/^payment_gateway_breaker_state 2$/m);
    expect(sample(text, 'payment_gateway_breaker_transitions_total', 'state="open"')).toBeGreaterThanOrEqual(1);
  });
});
