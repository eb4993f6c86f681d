import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookings, calendar, monthOf } from '@stayhub/domain';
import { CommandProcessor, createPool, PostgresEventStore, type Pool } from '@stayhub/event-sourcing';
import { seededRandom, startGatewayServer, type GatewayServer } from '@stayhub/payment-gateway';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { listingDetails } from '../fixtures.ts';
import { call, freePort, secrets, signUp, startCommandApi, type AppProcess } from './processes.ts';

/*
 * command-api as its own process, killed with SIGKILL at seeded random moments while bookings pour
 * in and payments are captured, then restarted. Afterwards, with every deadline passed: each
 * acknowledged booking is stored exactly once, no night is held without an owner, no card is
 * charged twice, and money taken for a booking that failed is given back.
 */
const SEED = 6;
const CYCLES = 5;
const WORKERS = 6;
const CAPACITY = 3;
const HOLD_TTL_MINUTES = 0.1;

let gateway: GatewayServer;
let databaseUrl: string;
let pool: Pool;
let store: PostgresEventStore;
let app: AppProcess | undefined;
let port: number;

beforeAll(async () => {
  gateway = await startGatewayServer({ webhookSecret: secrets.PAYMENT_WEBHOOK_SECRET, faults: { latencyMs: 25 } });
  databaseUrl = await testDatabaseUrl();
  pool = createPool(databaseUrl, 4);
  port = await freePort();
});
afterAll(async () => {
  app?.child.kill('SIGKILL');
  await store?.close();
  await pool?.end();
  await gateway?.close();
});

const env = () => ({ DATABASE_URL: databaseUrl, PAYMENTS: 'http', PAYMENT_GATEWAY_URL: gateway.url, HOLD_TTL_MINUTES: String(HOLD_TTL_MINUTES) });
const start = async () => {
  app = await startCommandApi(env(), port);
  return app.url;
};
const kill = async () => {
  app!.child.kill('SIGKILL');
  expect((await app!.exited).signal).toBe('SIGKILL');
  app = undefined;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dayFromNow = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/** Waits until the running process has nothing left to do now: every deadline passed, every due task done, every event seen. */
const settled = async (notBefore: Date) => {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const { rows } = await pool.query<{ due: number; behind: boolean; waiting: boolean }>(
      `SELECT (SELECT count(*)::int FROM workflow_tasks WHERE done_at IS NULL AND parked_at IS NULL AND due_at <= now()) AS due,
              coalesce((SELECT min(position) FROM subscription_checkpoints WHERE name LIKE 'workflow:%'), '') <
                coalesce((SELECT lpad(transaction_id::text, 20, '0') || '-' || lpad(global_position::text, 20, '0') FROM es_events ORDER BY transaction_id DESC, global_position DESC LIMIT 1), '') AS behind,
              now() < $1::timestamptz AS waiting`,
      [notBefore.toISOString()],
    );
    const row = rows[0]!;
    if (row.due === 0 && !row.behind && !row.waiting) return;
    if (Date.now() > deadline) throw new Error(`not settled: ${JSON.stringify(row)}\n${app?.output()}`);
    await sleep(200);
  }
};

describe('SIGKILL at random moments', () => {
  it(`${CYCLES} kill/restart cycles under booking load: stored exactly once, nothing held without an owner, never charged twice`, async () => {
    const random = seededRandom(SEED);
    let url = await start();
    const host = await signUp(url, { email: 'host@crash.test', password: 'correct horse battery', name: 'Host', role: 'host' });
    const guests = await Promise.all(
      [1, 2, 3].map((i) => signUp(url, { email: `guest${i}@crash.test`, password: 'correct horse battery', name: `Guest ${i}` })),
    );
    const unitTypes = [{ unitTypeId: 'room', name: 'Double room', count: CAPACITY, capacity: 2, price: { amount: 9_000, currency: 'EUR' } }];
    const listing = await call(url, 'POST', '/listings', { kind: 'hotel', details: listingDetails({ unitTypes }) }, host.body.token);
    expect((await call(url, 'POST', `/listings/${listing.body.listingId}/publish`, {}, host.body.token)).status).toBe(200);

    const acknowledged: string[] = [];
    const outcomes: Record<number, number> = {};
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      let alive = true;
      const worker = async (w: number) => {
        const pick = seededRandom(SEED * 100 + cycle * 10 + w);
        while (alive) {
          const guest = guests[Math.floor(pick() * guests.length)]!;
          const night = 10 + Math.floor(pick() * 8);
          const reply = await call(
            url,
            'POST',
            '/bookings',
            {
              listingId: listing.body.listingId,
              unitTypeId: 'room',
              checkIn: dayFromNow(night),
              checkOut: dayFromNow(night + 1),
              guests: 1,
              paymentMethod: 'tok_visa',
            },
            guest.body.token,
          );
          outcomes[reply.status] = (outcomes[reply.status] ?? 0) + 1;
          if (reply.status === 201) acknowledged.push(reply.body.bookingId);
          if (reply.status === 0) return;
        }
      };
      const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
      await sleep(300 + Math.floor(random() * 900));
      await kill();
      alive = false;
      await load;
      url = await start();
    }
    await kill();
    // The tasks the killed processes had claimed keep their 30 s lease; let it run out, as time would.
    await pool.query('UPDATE workflow_tasks SET locked_until = NULL WHERE done_at IS NULL AND locked_until IS NOT NULL');
    const { rows: lastHold } = await pool.query<{ at: Date | null }>(
      "SELECT max((data->>'expiresAt')::timestamptz) AS at FROM es_events WHERE type = 'HoldPlaced'",
    );
    await start();
    await settled(new Date((lastHold[0]!.at ?? new Date()).getTime() + 1_000));
    app!.child.kill('SIGTERM');
    expect((await app!.exited).code).toBe(0);
    app = undefined;

    expect(outcomes[201]).toBeGreaterThan(CYCLES);
    expect(outcomes[500] ?? 0).toBe(0);
    store = await PostgresEventStore.create(pool);
    const processor = new CommandProcessor(store);
    const count = async (sql: string, params: unknown[]) => (await pool.query<{ n: number }>(sql, params)).rows[0]!.n;

    // Every acknowledged booking: its request and its hold stored exactly once.
    for (const bookingId of acknowledged) {
      expect(
        await count("SELECT count(*)::int AS n FROM es_events WHERE stream_id = $1 AND type = 'BookingRequested'", [bookings.bookingStreamId(bookingId)]),
      ).toBe(1);
      expect(await count("SELECT count(*)::int AS n FROM es_events WHERE type = 'HoldPlaced' AND data->>'holdId' = $1", [bookingId])).toBe(1);
    }
    // Every booking (acknowledged or not) has run its course: none still waits for a payment.
    const { rows: streams } = await pool.query<{ stream_id: string }>("SELECT DISTINCT stream_id FROM es_events WHERE stream_id LIKE 'booking-%'");
    const states = new Map<string, bookings.BookingState>();
    for (const { stream_id } of streams) {
      const { state } = await processor.load(stream_id, bookings.bookingDecider);
      states.set(stream_id.slice('booking-'.length), state);
      expect(['confirmed', 'payment_failed'], `${stream_id} is ${state.status}`).toContain(state.status);
    }
    for (const bookingId of acknowledged) expect(states.has(bookingId)).toBe(true);

    // No night held without an owner: every hold is released or confirmed for a confirmed booking; no night over capacity.
    const { rows: calendars } = await pool.query<{ stream_id: string }>("SELECT DISTINCT stream_id FROM es_events WHERE stream_id LIKE 'calendar-%'");
    for (const { stream_id } of calendars) {
      const { state } = await processor.load(stream_id, calendar.calendarDecider);
      for (const [holdId, hold] of calendar.allHolds(state)) {
        expect(hold.status, `${stream_id} hold ${holdId}`).not.toBe('held');
        if (hold.status === 'confirmed') expect(states.get(hold.bookingId)?.status, `hold ${holdId}`).toBe('confirmed');
      }
      for (const key of Object.keys(state.keys)) expect(calendar.usedUnits(state, key)).toBeLessThanOrEqual(CAPACITY);
    }
    for (const [bookingId, state] of states) {
      if (state.status !== 'confirmed') continue;
      const { state: held } = await processor.load(
        calendar.calendarStreamId(state.unitTypeId, monthOf(state.stay.kind === 'nights' ? state.stay.checkIn : state.stay.start)),
        calendar.calendarDecider,
      );
      expect(calendar.holdOf(held, state.holdId)?.status, `hold of confirmed booking ${bookingId}`).toBe('confirmed');
    }

    // Never charged twice; a confirmed booking charged once; money taken for a failed booking refunded.
    const charges = new Map<string, number>();
    for (const charge of gateway.gateway.charges()) charges.set(charge.reference, (charges.get(charge.reference) ?? 0) + 1);
    const refunded = new Set(gateway.gateway.refunds().map((refund) => refund.reference));
    for (const [reference, n] of charges) expect(n, `charges of ${reference}`).toBe(1);
    for (const [bookingId, state] of states) {
      if (state.status === 'confirmed') expect(charges.get(bookingId), `charge of confirmed ${bookingId}`).toBe(1);
      if (state.status === 'payment_failed' && charges.has(bookingId)) expect(refunded.has(bookingId), `refund of failed ${bookingId}`).toBe(true);
    }
  }, 240_000);
});
