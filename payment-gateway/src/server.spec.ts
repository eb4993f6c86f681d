import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '@stayhub/event-sourcing/testing';
import type { GatewayFaults } from './faults.ts';
import { startGatewayServer, type GatewayServer } from './server.ts';
import { verifyWebhook, WebhookEvent, webhookSignatureHeader } from '@stayhub/payments';

const secret = 'whsec_gateway_server_spec';
type Delivery = { body: string; signature: string | undefined; at: number };

let gateway: GatewayServer;
let receiver: Server;
let hookUrl: string;
let deliveries: Delivery[] = [];

/** A tiny webhook receiver: keeps the raw body, answers 400 to a bad signature as a real one would. */
beforeAll(async () => {
  gateway = await startGatewayServer({ webhookSecret: secret });
  const app = express();
  app.post('/hooks', express.text({ type: '*/*' }), (req, res) => {
    const signature = req.header(webhookSignatureHeader);
    deliveries.push({ body: req.body as string, signature, at: Date.now() });
    res.sendStatus(verifyWebhook(req.body as string, signature, secret, new Date()) ? 204 : 400);
  });
  receiver = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => {
  await gateway?.close();
  receiver?.closeAllConnections();
  await new Promise((r) => receiver?.close(r));
});
beforeEach(async () => {
  deliveries = [];
  await setFaults({});
});

const setFaults = async (faults: Partial<GatewayFaults>) => {
  const response = await fetch(`${gateway.url}/_faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  expect(response.status).toBe(200);
  return response;
};

let n = 0;
const post = async (path: string, body: unknown, key: string | null = `key-${Date.now()}-${++n}`) => {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
};
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const charge = (reference: string, paymentMethod = 'tok_visa', key?: string) =>
  post('/v1/charges', { amount: eur(9_900), paymentMethod, reference, webhookUrl: hookUrl }, key);
/** Deliveries about one reference: retries of an earlier test may still arrive during the next one. */
const deliveriesOf = (reference: string) => deliveries.filter((d) => WebhookEvent.parse(JSON.parse(d.body)).reference === reference);
const events = (...references: string[]) =>
  deliveries.map((d) => WebhookEvent.parse(JSON.parse(d.body))).filter((e) => references.length === 0 || references.includes(e.reference));

describe('simulated gateway server: HTTP', () => {
  it('serves health and reports the faults in force', async () => {
    expect(await (await fetch(`${gateway.url}/health`)).json()).toEqual({ status: 'ok' });
    await setFaults({ latencyMs: 5, webhook: 'twice' });
    expect(await (await fetch(`${gateway.url}/_faults`)).json()).toMatchObject({ latencyMs: 5, webhook: 'twice', failureRate: 0, declineAll: false });
  });

  it('answers 400 problem+json without an Idempotency-Key, for a bad body, and for bad faults', async () => {
    const noKey = await post('/v1/charges', { amount: eur(1), paymentMethod: 'tok_visa', reference: 'r' }, null);
    expect(noKey).toMatchObject({ status: 400, type: expect.stringContaining('application/problem+json'), body: { status: 400, code: 'invalid_request' } });
    expect((await post('/v1/charges', { amount: { amount: -1, currency: 'EUR' }, paymentMethod: 'tok_visa', reference: 'r' })).status).toBe(400);
    expect((await post('/v1/charges', '{"amount":')).status).toBe(400);
    const badFaults = await fetch(`${gateway.url}/_faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"failureRate":2}' });
    expect(badFaults.status).toBe(400);
  });

  it('answers a capture 200, a decline 402, a reused key 422 and an unknown payment 404', async () => {
    expect(await charge('b-1', 'tok_visa', 'same-key')).toMatchObject({ status: 200, body: { status: 'captured', amount: eur(9_900) } });
    expect((await post('/v1/charges', { amount: eur(1), paymentMethod: 'tok_visa', reference: 'b-1' }, 'same-key')).body).toMatchObject({
      status: 422,
      code: 'idempotency_key_reused',
    });
    expect(await charge('b-2', 'tok_insufficient_funds')).toMatchObject({ status: 402, body: { status: 'declined', reason: 'insufficient_funds' } });
    expect((await post('/v1/refunds', { paymentId: 'pay_x', amount: eur(1), reference: 'r' })).status).toBe(404);
    expect((await charge('b-3', 'tok_unavailable')).status).toBe(503);
  });

  it('declines every new charge while declineAll is set', async () => {
    await setFaults({ declineAll: true });
    expect(await charge('b-4')).toMatchObject({ status: 402, body: { reason: 'card_declined' } });
    await setFaults({});
    expect((await charge('b-5')).status).toBe(200);
  });

  it('draws injected failures from the seed: the same faults give the same outcomes', async () => {
    const outcomes = async () => {
      await setFaults({ failureRate: 0.5, seed: 7 });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await charge(`b-seed-${i}`)).status);
      return statuses;
    };
    const first = await outcomes();
    expect(new Set(first)).toEqual(new Set([200, 503]));
    expect(await outcomes()).toEqual(first);
  });
});

describe('simulated gateway server: webhooks', () => {
  it('posts one signed payment.captured for a charge, and none for its idempotent replay', async () => {
    const first = await charge('b-10', 'tok_visa', 'hook-key');
    await charge('b-10', 'tok_visa', 'hook-key');
    await waitFor(() => deliveriesOf('b-10').length >= 1);
    await charge('b-11', 'tok_declined');
    await waitFor(() => deliveriesOf('b-11').length >= 1);
    expect(deliveriesOf('b-10').map((d) => verifyWebhook(d.body, d.signature, secret, new Date()))).toEqual([true]);
    expect(events('b-10', 'b-11')).toEqual([
      expect.objectContaining({ type: 'payment.captured', paymentId: first.body.paymentId, reference: 'b-10', amount: eur(9_900), idempotencyKey: 'hook-key' }),
      expect.objectContaining({ type: 'payment.declined', reason: 'card_declined', reference: 'b-11' }),
    ]);
    expect(events('b-11')[0]!.paymentId).toBeUndefined();
  });

  it('posts payment.captured on the capture of an authorization, and refund.succeeded on a refund', async () => {
    const auth = await post('/v1/authorizations', { amount: eur(5_000), paymentMethod: 'tok_visa', reference: 'b-20', webhookUrl: hookUrl });
    expect(auth.body.status).toBe('authorized');
    const paymentId = auth.body.paymentId as string;
    expect((await post('/v1/captures', { paymentId, amount: eur(5_000) })).status).toBe(200);
    await waitFor(() => deliveriesOf('b-20').length >= 1);
    const refund = await post('/v1/refunds', { paymentId, amount: eur(2_000), reference: 'b-20' });
    await waitFor(() => deliveriesOf('b-20').length >= 2);
    expect(events('b-20').map((e) => [e.type, e.paymentId, e.amount.amount])).toEqual([
      ['payment.captured', paymentId, 5_000],
      ['refund.succeeded', paymentId, 2_000],
    ]);
    expect(events('b-20')[1]!.refundId).toBe(refund.body.refundId);
  });

  it('twice: the same event arrives twice, with one eventId', async () => {
    await setFaults({ webhook: 'twice' });
    await charge('b-30');
    await waitFor(() => deliveriesOf('b-30').length >= 2);
    const [a, b] = events('b-30');
    expect(a).toEqual(b);
    expect(deliveriesOf('b-30').every((d) => verifyWebhook(d.body, d.signature, secret, new Date()))).toBe(true);
  });

  it('never: no webhook is sent, while the next one in normal mode is', async () => {
    await setFaults({ webhook: 'never' });
    expect((await charge('b-40')).status).toBe(200);
    await setFaults({ webhook: 'normal' });
    await charge('b-41');
    await waitFor(() => deliveriesOf('b-41').length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(events('b-40', 'b-41').map((e) => e.reference)).toEqual(['b-41']);
  });

  it('bad_signature: the webhook arrives with a signature that does not verify', async () => {
    await setFaults({ webhook: 'bad_signature' });
    await charge('b-50');
    await waitFor(() => deliveriesOf('b-50').length >= 1);
    expect(events('b-50')[0]).toMatchObject({ type: 'payment.captured', reference: 'b-50' });
    expect(deliveriesOf('b-50').some((d) => verifyWebhook(d.body, d.signature, secret, new Date()))).toBe(false);
  });

  it('redelivers a webhook the receiver refused, a bounded number of times', async () => {
    await setFaults({ webhook: 'bad_signature' });
    await charge('b-51');
    await waitFor(() => deliveriesOf('b-51').length >= 3);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(deliveriesOf('b-51')).toHaveLength(3);
    expect(new Set(events('b-51').map((e) => e.eventId)).size).toBe(1);
  });

  it('late: the charge is answered first and the webhook arrives after the delay', async () => {
    await setFaults({ webhook: 'late', webhookDelayMs: 300 });
    const answered = Date.now();
    expect((await charge('b-60')).status).toBe(200);
    expect(deliveriesOf('b-60')).toHaveLength(0);
    await waitFor(() => deliveriesOf('b-60').length >= 1);
    expect(deliveriesOf('b-60')[0]!.at - answered).toBeGreaterThanOrEqual(290);
    expect(events('b-60')).toEqual([expect.objectContaining({ type: 'payment.captured', reference: 'b-60' })]);
  });
});
