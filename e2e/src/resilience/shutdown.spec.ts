import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PostgresEventStore } from '@stayhub/event-sourcing';
import { listingDetails } from '../fixtures.ts';
import { call, freePort, processFixture, signUp, startApp, startCommandApi } from './processes.ts';

const fixture = processFixture();
const { running } = fixture;

const env = () => ({ DATABASE_URL: fixture.databaseUrl, PAYMENTS: 'http', PAYMENT_GATEWAY_URL: fixture.gateway.url });
const setFaults = (faults: Record<string, unknown>) =>
  fetch(`${fixture.gateway.url}/_faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
const waitFor = async (probe: () => Promise<boolean>, what: string, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

/** Sends a request's head and part of its body, then the rest on demand: a request that is in flight for as long as we like. */
const slowRequest = (port: number, path: string, body: string) => {
  const socket: Socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const split = Math.floor(body.length / 2);
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n${body.slice(0, split)}`,
  );
  return {
    finish: async (): Promise<{ status: number; body: any }> => {
      socket.write(body.slice(split));
      await waitFor(async () => /\r\n\r\n/.test(received) && received.split('\r\n\r\n')[1]!.trim().endsWith('}'), 'the slow response');
      const [head, payload] = received.split('\r\n\r\n') as [string, string];
      return { status: Number(head.split(' ')[1]), body: JSON.parse(payload.trim()) };
    },
    closed,
  };
};

describe('graceful shutdown on SIGTERM', () => {
  it('command-api: answers the request in flight, refuses new connections, finishes the workflow task in hand, exits 0', async () => {
    const port = await freePort();
    const app = await startCommandApi(env(), port);
    running.push(app);
    const host = await signUp(app.url, { email: 'host@shutdown.test', password: 'correct horse battery', name: 'Host', role: 'host' });
    const guest = await signUp(app.url, { email: 'guest@shutdown.test', password: 'correct horse battery', name: 'Guest' });
    const listing = await call(app.url, 'POST', '/listings', { kind: 'rental', details: listingDetails() }, host.body.token);
    expect((await call(app.url, 'POST', `/listings/${listing.body.listingId}/publish`, {}, host.body.token)).status).toBe(200);

    // The capture of this booking is in hand (claimed, waiting on a slow gateway) when SIGTERM arrives.
    await setFaults({ latencyMs: 1_000 });
    const checkIn = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const checkOut = new Date(Date.now() + 12 * 86_400_000).toISOString().slice(0, 10);
    const booked = await call(
      app.url,
      'POST',
      '/bookings',
      { listingId: listing.body.listingId, checkIn, checkOut, guests: 1, paymentMethod: 'tok_visa' },
      guest.body.token,
    );
    expect(booked.status).toBe(201);
    const captureTask = `capture-payment:${booked.body.bookingId}`;
    await waitFor(
      async () =>
        (await fixture.pool.query('SELECT 1 FROM workflow_tasks WHERE task_id = $1 AND locked_until IS NOT NULL AND done_at IS NULL', [captureTask]))
          .rowCount === 1,
      'the capture to be claimed',
    );

    const login = slowRequest(port, '/auth/login', JSON.stringify({ email: 'guest@shutdown.test', password: 'correct horse battery' }));
    await new Promise((r) => setTimeout(r, 200));
    app.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));

    const fresh = await fetch(`${app.url}/health`).then(
      () => 'answered',
      (error: { cause?: { code?: string } }) => error.cause?.code,
    );
    expect(fresh).toBe('ECONNREFUSED');
    const answer = await login.finish();
    expect(answer.status).toBe(200);
    expect(answer.body.token).toEqual(expect.any(String));

    const answered = Date.now();
    const exit = await app.exited;
    expect(exit, app.output()).toEqual({ code: 0, signal: null });
    // The keep-alive connection was closed once idle, not left to its 5 s timeout.
    expect(Date.now() - answered).toBeLessThan(4_000);
    const task = await fixture.pool.query('SELECT done_at, locked_until FROM workflow_tasks WHERE task_id = $1', [captureTask]);
    expect(task.rows[0].done_at).not.toBeNull();
    expect(task.rows[0].locked_until).toBeNull();
    const paid = await fixture.pool.query("SELECT count(*)::int AS n FROM es_events WHERE stream_id = $1 AND type = 'BookingPaid'", [
      `booking-${booked.body.bookingId}`,
    ]);
    expect(paid.rows[0].n).toBe(1);
    expect(fixture.gateway.gateway.charges().filter((c) => c.reference === booked.body.bookingId)).toHaveLength(1);
    // What the stop left to do (confirming the paid booking) is done after a restart: nothing is lost.
    await setFaults({});
    const again = await startCommandApi(env(), port);
    running.push(again);
    await waitFor(
      async () =>
        (await fixture.pool.query("SELECT 1 FROM es_events WHERE stream_id = $1 AND type = 'BookingConfirmed'", [`booking-${booked.body.bookingId}`]))
          .rowCount === 1,
      'the booking to be confirmed after the restart',
    );
    again.child.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
  });

  it('projectors: stop on SIGTERM with the batch in hand committed, exit 0, and catch up after a restart', async () => {
    const store = await PostgresEventStore.create(fixture.pool);
    const burst = async (n: number) => {
      for (let i = 0; i < n; i += 100) {
        await store.append(
          `noise-${randomUUID()}`,
          Array.from({ length: 100 }, (_, j) => ({ eventId: randomUUID(), type: 'NoiseHappened', data: { i: i + j } })),
          'no_stream',
        );
      }
    };
    const head = async () => store.headPosition();
    const port = await freePort();
    const env = { DATABASE_URL: fixture.databaseUrl, PROJECTORS_PORT: String(port) };
    const projectors = await startApp('projectors/src/main.ts', env, { port });
    running.push(projectors);
    const status = async (url: string) => (await call(url, 'GET', '/health')).body as { projections: { name: string; position: string; lag: number }[] };

    await burst(3_000);
    await waitFor(async () => (await status(projectors.url)).projections.some((p) => p.position !== ''), 'the projections to start').catch(
      async (error: Error) => {
        // Subscriptions stop at the cluster's oldest open transaction: name it if that is what stalls them.
        const open = await fixture.pool.query(
          "SELECT datname, state, now() - xact_start AS age, left(query, 100) AS query FROM pg_stat_activity WHERE xact_start < now() - interval '5 seconds'",
        );
        throw new Error(`${error.message}; open transactions: ${JSON.stringify(open.rows)}`);
      },
    );
    projectors.child.kill('SIGTERM');
    const exit = await projectors.exited;
    expect(exit, projectors.output()).toEqual({ code: 0, signal: null });

    // Each checkpoint is the end of a committed batch: the position of a stored event.
    const { rows } = await fixture.pool.query<{ name: string; position: string }>('SELECT name, position FROM projection_checkpoints');
    const positions = new Set((await store.readAll({ maxCount: 10_000 })).map((e) => e.globalPosition));
    for (const row of rows) expect(row.position === '' || positions.has(row.position), `${row.name} at ${row.position}`).toBe(true);

    const again = await startApp('projectors/src/main.ts', env, { port });
    running.push(again);
    const target = await head();
    await waitFor(
      async () => (await status(again.url)).projections.every((p) => p.position >= target),
      'the projections to catch up after the restart',
      30_000,
    );
    again.child.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
    await store.close();
  });
});
