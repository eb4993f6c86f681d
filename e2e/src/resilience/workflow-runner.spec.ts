import { describe, expect, it } from 'vitest';
import { listingDetails } from '../fixtures.ts';
import { call, freePort, processFixture, signUp, startApp, startCommandApi } from './processes.ts';

const fixture = processFixture();

const eventsOf = async (streamId: string) =>
  (await fixture.pool.query<{ type: string }>('SELECT type FROM es_events WHERE stream_id = $1 ORDER BY stream_revision', [streamId])).rows.map((r) => r.type);

describe('the workflows in their own process (WORKFLOWS_IN=own-process)', () => {
  it('the command API answers without running them; the workflow runner pays and confirms, serves /health, and stops on SIGTERM', async () => {
    const env = { DATABASE_URL: fixture.databaseUrl, PAYMENTS: 'http', PAYMENT_GATEWAY_URL: fixture.gateway.url, WORKFLOWS_IN: 'own-process' };
    const port = await freePort();
    const command = await startCommandApi(env, port);
    fixture.running.push(command);
    const host = await signUp(command.url, { email: 'host@runner.test', password: 'correct horse battery', name: 'Host', role: 'host' });
    const guest = await signUp(command.url, { email: 'guest@runner.test', password: 'correct horse battery', name: 'Guest' });
    const listing = await call(command.url, 'POST', '/listings', { kind: 'rental', details: listingDetails() }, host.body.token);
    expect((await call(command.url, 'POST', `/listings/${listing.body.listingId}/publish`, {}, host.body.token)).status).toBe(200);
    const checkIn = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const checkOut = new Date(Date.now() + 12 * 86_400_000).toISOString().slice(0, 10);
    const booked = await call(
      command.url,
      'POST',
      '/bookings',
      { listingId: listing.body.listingId, checkIn, checkOut, guests: 1, paymentMethod: 'tok_visa' },
      guest.body.token,
    );
    expect(booked.status).toBe(201);
    const stream = `booking-${booked.body.bookingId}`;

    // The command API's process runs no workflow: nothing is reacted to, nothing charged.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await eventsOf(stream)).not.toContain('BookingPaid');
    expect((await fixture.pool.query('SELECT count(*)::int AS n FROM workflow_tasks')).rows[0].n).toBe(0);

    const runnerPort = await freePort();
    const runner = await startApp(
      'command-api/src/workflow-runner.ts',
      { ...env, WORKFLOWS_PORT: String(runnerPort) },
      { port: runnerPort, timeoutMs: 60_000 },
    );
    fixture.running.push(runner);
    await expect.poll(() => eventsOf(stream), { timeout: 30_000, interval: 100 }).toEqual(expect.arrayContaining(['BookingPaid', 'BookingConfirmed']));
    expect(fixture.gateway.gateway.charges().filter((c) => c.reference === booked.body.bookingId)).toHaveLength(1);

    const health = await call(runner.url, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.workflows.subscriptions.map((s: { workflow: string }) => s.workflow)).toEqual(expect.arrayContaining(['bookings', 'notifications']));
    // The command API reports the same workflows from the database.
    expect((await call(command.url, 'GET', '/health')).body.workflows.subscriptions).toHaveLength(health.body.workflows.subscriptions.length);

    runner.child.kill('SIGTERM');
    expect(await runner.exited, runner.output()).toEqual({ code: 0, signal: null });
    command.child.kill('SIGTERM');
    expect((await command.exited).code).toBe(0);
  }, 120_000);
});
