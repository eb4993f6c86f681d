import { expect } from 'vitest';
import { signWebhook, webhookSignatureHeader, type WebhookEvent } from '@stayhub/payments';
import { waitUntil } from './fixtures.ts';
import type { Stack } from './harness.ts';

/** The secret the harness configures the command side with. */
export const WEBHOOK_SECRET = 'webhook-secret-webhook-secret-0123456789';

let counter = 0;
export const uniqueSku = (prefix = 'SKU') => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`.toUpperCase();

export const productBody = (overrides: Record<string, unknown> = {}) => ({
  sku: uniqueSku(),
  name: 'Lumen 55" OLED television',
  description: 'Deep blacks, four HDMI ports, wall mount included.',
  category: 'TV',
  attributes: { size: 55, panel: 'OLED' },
  images: ['https://img.example.com/tv-55.jpg'],
  shipping: { postalPrefixes: ['10', '75'], deliveryDays: 3 },
  price: { amount: 129_900, currency: 'EUR' },
  ...overrides,
});

export const createProduct = async (stack: Stack, seller: { token: string }, overrides: Record<string, unknown> = {}) => {
  const body = productBody(overrides);
  const created = await stack.command.post('/products', body, { token: seller.token });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { productId: created.body.productId as string, sku: body.sku, price: body.price, consistencyToken: created.body.consistencyToken as string };
};

export const addStock = async (stack: Stack, seller: { token: string }, productId: string, quantity: number) => {
  const received = await stack.command.post(`/products/${productId}/stock`, { quantity }, { token: seller.token });
  expect(received.status, JSON.stringify(received.body)).toBe(201);
  return received.body as { onHand: number; available: number; consistencyToken: string };
};

export const checkout = (stack: Stack, shopper: { token: string }, body: Record<string, unknown>) =>
  stack.command.post('/checkout', { shippingPostalCode: '10115', paymentMethod: 'tok_visa', ...body }, { token: shopper.token });

/** Waits until the order history shows the order in `status`. */
export const orderReaches = (stack: Stack, shopper: { token: string }, orderId: string, status: string) =>
  waitUntil(
    () => stack.query.get(`/orders/${orderId}`, { token: shopper.token }),
    (reply) => reply.body?.status === status,
  );

/** Posts a gateway event to the webhook, signed as the gateway signs it, at the stack clock's time. */
export const postWebhook = (stack: Stack, event: WebhookEvent, secret = WEBHOOK_SECRET) => {
  const body = JSON.stringify(event);
  return stack.command.post('/payments/webhook', body, { headers: { [webhookSignatureHeader]: signWebhook(body, secret, stack.clock.now()) } });
};

/** Events of one stream, as stored. */
export const streamEvents = async (stack: Stack, streamId: string) => (await stack.side.deps.eventStore.readStream(streamId)).events;

/**
 * Waits until every committed event is visible to readers: the event store shows an event only once
 * all older transactions ended (on the whole server, which other test files share).
 */
const allEventsVisible = async (stack: Stack): Promise<void> => {
  await waitUntil(
    async () =>
      (await stack.pool.query<{ hidden: number }>('SELECT count(*) AS hidden FROM es_events WHERE transaction_id >= pg_snapshot_xmin(pg_current_snapshot())'))
        .rows[0]!.hidden,
    (hidden) => Number(hidden) === 0,
  );
};

/** Runs due workflow tasks until none is left: each round records the reactions to the events the last one appended. */
export const settle = async (stack: Stack, rounds = 20): Promise<void> => {
  for (let round = 0; round < rounds; round++) {
    await allEventsVisible(stack);
    if ((await stack.runDueTasks()) === 0) return;
  }
  throw new Error(`workflow tasks still due after ${rounds} rounds`);
};
