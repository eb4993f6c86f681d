import { describe, expect, it } from 'vitest';
import { NotifierUnavailable, type Notification } from './port.ts';
import { ResilientNotifier } from './resilient.ts';
import { SimulatedMailServer } from './testing/simulated-mail.ts';

const mail = (key: string): Notification => ({ to: 'guest@example.com', template: 'booking.confirmed', data: { bookingId: 'b1' }, idempotencyKey: key });

describe('simulated mail server', () => {
  it('delivers each idempotency key once, and refuses everything while down', async () => {
    const server = new SimulatedMailServer();
    const first = await server.send(mail('k1'));
    expect(await server.send(mail('k1'))).toEqual(first);
    server.down();
    await expect(server.send(mail('k2'))).rejects.toBeInstanceOf(NotifierUnavailable);
    server.up();
    await server.send(mail('k2'));
    expect(server.outbox().map((m) => m.idempotencyKey)).toEqual(['k1', 'k2']);
    expect(server.attempts).toBe(4);
  });
});

describe('resilient notifier', () => {
  it('times a slow server out as unavailable', async () => {
    const server = new SimulatedMailServer({ latencyMs: 200 });
    const notifier = new ResilientNotifier(server, { timeoutMs: 20 });
    await expect(notifier.send(mail('slow'))).rejects.toThrow(/timed out/);
  });

  it('opens the breaker after consecutive failures and fails fast without calling the server', async () => {
    const server = new SimulatedMailServer();
    const notifier = new ResilientNotifier(server, { breakAfter: 2, halfOpenAfterMs: 50 });
    server.down();
    for (const key of ['a', 'b']) await expect(notifier.send(mail(key))).rejects.toBeInstanceOf(NotifierUnavailable);
    expect(notifier.breakerOpen()).toBe(true);
    await expect(notifier.send(mail('c'))).rejects.toThrow(/breaker is open/);
    expect(server.attempts).toBe(2);

    server.up();
    await new Promise((resolve) => setTimeout(resolve, 60));
    await notifier.send(mail('c'));
    expect(notifier.breakerOpen()).toBe(false);
    expect(server.outbox().map((m) => m.idempotencyKey)).toEqual(['c']);
  });
});
