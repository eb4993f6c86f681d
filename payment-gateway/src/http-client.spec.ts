import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '@stayhub/event-sourcing/testing';
import { HttpPaymentGateway, PaymentGatewayError, PaymentGatewayUnavailable, type BreakerState, type HttpPaymentGatewayOptions } from '@stayhub/payments';
import { chargeRequest, paymentGatewayContract } from '@stayhub/payments/testing';
import { seededRandom, type GatewayFaults } from './faults.ts';
import { startGatewayServer, type GatewayServer } from './server.ts';

let server: GatewayServer;
beforeAll(async () => {
  server = await startGatewayServer({ webhookSecret: 'whsec_http_client_spec' });
});
afterAll(async () => {
  await server?.close();
});

const setFaults = async (faults: Partial<GatewayFaults>) => {
  const response = await fetch(`${server.url}/_faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  expect(response.status).toBe(200);
};

/** A client with short, bounded timings that counts the HTTP requests it sends. */
const client = (options: Partial<HttpPaymentGatewayOptions> = {}) => {
  const sent = { count: 0, keys: [] as string[] };
  const gateway = new HttpPaymentGateway({
    baseUrl: server.url,
    timeoutMs: 1_000,
    retries: 3,
    initialDelayMs: 5,
    maxDelayMs: 20,
    breakAfter: 5,
    halfOpenAfterMs: 150,
    fetch: (input, init) => {
      sent.count++;
      sent.keys.push(new Headers(init?.headers).get('idempotency-key') ?? '');
      return fetch(input, init);
    },
    ...options,
  });
  return { gateway, sent };
};

/** The first seed whose draws make the server's first request fail (or hang) and its second pass. */
const seedWhere = (first: 'fails' | 'hangs', rate: number) => {
  for (let seed = 1; ; seed++) {
    const next = seededRandom(seed);
    const [fail1, hang1, fail2, hang2] = [next(), next(), next(), next()];
    const [hit, miss] = first === 'fails' ? [fail1, fail2] : [hang1, hang2];
    if (hit! < rate && miss! >= rate) return seed;
  }
};

beforeEach(async () => {
  await setFaults({});
});

paymentGatewayContract('http client against the simulated server', () => client().gateway);

describe('http payment gateway: resilience', () => {
  it('sends a decline back at once: no retry, and declines never open the breaker', async () => {
    const { gateway, sent } = client();
    for (let i = 0; i < 6; i++) {
      expect(await gateway.charge(chargeRequest({ paymentMethod: 'tok_declined' }))).toEqual({ status: 'declined', reason: 'card_declined' });
    }
    expect(sent.count).toBe(6);
    expect(gateway.breakerState()).toBe('closed');
  });

  it('does not retry a refused request (4xx)', async () => {
    const { gateway, sent } = client();
    const request = chargeRequest();
    await gateway.charge(request);
    await expect(gateway.charge({ ...request, amount: { amount: 1, currency: 'EUR' } })).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    await expect(
      gateway.refund({ idempotencyKey: 'k-404', paymentId: 'pay_none', amount: { amount: 1, currency: 'EUR' }, reference: 'r' }),
    ).rejects.toBeInstanceOf(PaymentGatewayError);
    expect(sent.count).toBe(3);
  });

  it('retries an injected 503 with the same key and charges once', async () => {
    await setFaults({ failureRate: 0.5, seed: seedWhere('fails', 0.5) });
    const { gateway, sent } = client();
    const request = chargeRequest();
    const result = await gateway.charge(request);
    expect(result.status).toBe('captured');
    expect(sent.count).toBe(2);
    expect(sent.keys).toEqual([request.idempotencyKey, request.idempotencyKey]);
    expect(server.gateway.charges().filter((c) => c.idempotencyKey === request.idempotencyKey)).toHaveLength(1);
  });

  it('retries after a timeout whose charge went through, and gets that charge instead of a second one', async () => {
    await setFaults({ timeoutRate: 0.5, seed: seedWhere('hangs', 0.5) });
    const { gateway, sent } = client({ timeoutMs: 300 });
    const request = chargeRequest();
    const result = await gateway.charge(request);
    expect(sent.count).toBe(2);
    const charged = server.gateway.charges().filter((c) => c.idempotencyKey === request.idempotencyKey);
    expect(charged).toHaveLength(1);
    expect(result).toEqual({ status: 'captured', paymentId: (charged[0] as { paymentId: string }).paymentId, amount: request.amount });
  });

  it('rides out a flaky card (503 twice) within its retries', async () => {
    const { gateway, sent } = client();
    const request = chargeRequest({ paymentMethod: 'tok_flaky_2' });
    expect((await gateway.charge(request)).status).toBe('captured');
    expect(sent.count).toBe(3);
    expect(server.gateway.charges().filter((c) => c.idempotencyKey === request.idempotencyKey)).toHaveLength(1);
  });

  it('gives up on a gateway that never answers in time, as unavailable, after bounded attempts', async () => {
    await setFaults({ timeoutRate: 1 });
    const { gateway, sent } = client({ timeoutMs: 200 });
    const request = chargeRequest();
    await expect(gateway.charge(request)).rejects.toBeInstanceOf(PaymentGatewayUnavailable);
    expect(sent.count).toBe(4);
    // The server did the work once; the retries were answered from its idempotency record.
    expect(server.gateway.charges().filter((c) => c.idempotencyKey === request.idempotencyKey)).toHaveLength(1);
  });

  it('reports a gateway it cannot reach as unavailable', async () => {
    const gone = await startGatewayServer({ webhookSecret: 'whsec_http_client_spec' });
    await gone.close();
    const { gateway, sent } = client({ baseUrl: gone.url });
    await expect(gateway.charge(chargeRequest())).rejects.toBeInstanceOf(PaymentGatewayUnavailable);
    expect(sent.count).toBe(4);
  });

  it('opens the breaker after consecutive failures, then fails fast without calling the server', async () => {
    await setFaults({ failureRate: 1 });
    const { gateway, sent } = client({ halfOpenAfterMs: 60_000 });
    await expect(gateway.charge(chargeRequest())).rejects.toBeInstanceOf(PaymentGatewayUnavailable);
    expect(sent.count).toBe(4);
    expect(gateway.breakerState()).toBe('closed');
    // The fifth consecutive failure opens it, and the retry does not knock on an open breaker.
    await expect(gateway.charge(chargeRequest())).rejects.toBeInstanceOf(PaymentGatewayUnavailable);
    expect(sent.count).toBe(5);
    expect(gateway.breakerState()).toBe('open');
    await setFaults({});
    const error = await gateway.charge(chargeRequest()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentGatewayUnavailable);
    expect((error as Error).cause).toMatchObject({ isBrokenCircuitError: true });
    expect(sent.count).toBe(5);
  });

  it('lets a trial call through once half-open and closes again when the server is healthy', async () => {
    await setFaults({ failureRate: 1 });
    const { gateway, sent } = client({ halfOpenAfterMs: 100 });
    const states: BreakerState[] = [];
    gateway.onBreakerStateChange((s) => states.push(s));
    await gateway.charge(chargeRequest()).catch(() => undefined);
    await gateway.charge(chargeRequest()).catch(() => undefined);
    expect(gateway.breakerState()).toBe('open');

    // Still failing when half-open: one trial request, and the breaker opens again.
    await new Promise((r) => setTimeout(r, 120));
    const before = sent.count;
    await expect(gateway.charge(chargeRequest())).rejects.toBeInstanceOf(PaymentGatewayUnavailable);
    expect(sent.count).toBe(before + 1);
    expect(gateway.breakerState()).toBe('open');

    await setFaults({});
    await new Promise((r) => setTimeout(r, 120));
    const request = chargeRequest();
    expect((await gateway.charge(request)).status).toBe('captured');
    expect(gateway.breakerState()).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
    await waitFor(() => server.gateway.charges().some((c) => c.idempotencyKey === request.idempotencyKey), 1_000);
  });
});
