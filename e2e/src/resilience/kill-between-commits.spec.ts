import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { listingDetails } from '../fixtures.ts';
import { call, freePort, signUp, startCommandApi, type AppProcess } from './processes.ts';

/*
 * command-api as its own process, its commits shared between concurrent bookings, killed with
 * SIGKILL: after the answer was lost but the booking committed, and in the middle of a load.
 * Every request carries an Idempotency-Key and is retried after the restart, as a client would.
 */
let databaseUrl: string;
let pool: Pool;
let app: AppProcess | undefined;
let port: number;

beforeAll(async () => {
  databaseUrl = await testDatabaseUrl();
  pool = createPool(databaseUrl, 4);
  port = await freePort();
});
afterAll(async () => {
  app?.child.kill('SIGKILL');
  await pool?.end();
});

const start = async () => {
  app = await startCommandApi({ DATABASE_URL: databaseUrl }, port);
  return app.url;
};
const kill = async () => {
  app!.child.kill('SIGKILL');
  expect((await app!.exited).signal).toBe('SIGKILL');
  app = undefined;
};
const dayFromNow = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/** POST /bookings with an Idempotency-Key; a dead connection (or one we gave up on) is status 0. */
const book = async (url: string, token: string, key: string, body: unknown) => {
  try {
    const response = await fetch(`${url}/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as { bookingId?: string },
      replayed: response.headers.get('idempotent-replayed') === 'true',
    };
  } catch {
    return { status: 0, body: {}, replayed: false };
  }
};

/** Sends POST /bookings and hangs up as soon as the request has left: its answer can never arrive. */
const sendAndHangUp = (url: string, token: string, key: string, body: unknown): Promise<void> =>
  new Promise((resolve) => {
    const payload = JSON.stringify(body);
    const req = request(`${url}/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${token}`, 'idempotency-key': key },
    });
    req.on('error', () => resolve());
    req.on('response', () => resolve()); // too late to lose it: the assertions below will say so
    req.end(payload, () => {
      req.destroy();
      resolve();
    });
  });

/** Bookings stored per idempotency key (every request event carries its key in its metadata). */
const storedByKey = async () => {
  const { rows } = await pool.query<{ key: string; bookings: string[]; holds: number }>(
    `SELECT e.metadata->>'idempotencyKey' AS key, array_agg(e.data->>'bookingId') AS bookings,
            sum((SELECT count(*) FROM es_events h WHERE h.type = 'HoldPlaced' AND h.data->>'holdId' = e.data->>'bookingId'))::int AS holds
       FROM es_events e WHERE e.type = 'BookingRequested' GROUP BY 1`,
  );
  return new Map(rows.map((r) => [r.key, r]));
};

describe('SIGKILL between shared commits', () => {
  it('every acknowledged booking is stored exactly once, and a retried key never books twice, whenever the process dies', async () => {
    let url = await start();
    const host = await signUp(url, { email: 'host@between.test', password: 'correct horse battery', name: 'Host', role: 'host' });
    const guest = await signUp(url, { email: 'guest@between.test', password: 'correct horse battery', name: 'Guest' });
    const token = guest.body.token as string;
    const unitTypes = [{ unitTypeId: 'room', name: 'Double room', count: 10_000, capacity: 2, price: { amount: 9_000, currency: 'EUR' } }];
    const listing = await call(url, 'POST', '/listings', { kind: 'hotel', details: listingDetails({ unitTypes }) }, host.body.token);
    expect((await call(url, 'POST', `/listings/${listing.body.listingId}/publish`, {}, host.body.token)).status).toBe(200);
    const bodyOf = (n: number) => ({
      listingId: listing.body.listingId,
      unitTypeId: 'room',
      checkIn: dayFromNow(10 + (n % 40)),
      checkOut: dayFromNow(11 + (n % 40)),
      guests: 1,
      paymentMethod: 'tok_visa',
    });

    // 1. The booking commits, its answer never arrives (the client gave up), then the process dies.
    const lostKey = 'answer-lost-then-killed';
    await sendAndHangUp(url, token, lostKey, bodyOf(0));
    for (let i = 0; i < 1000 && !(await storedByKey()).has(lostKey); i++) await new Promise((r) => setTimeout(r, 10));
    await kill();
    const committed = (await storedByKey()).get(lostKey);
    expect(committed?.bookings).toHaveLength(1);
    url = await start();
    const retried = await book(url, token, lostKey, bodyOf(0));
    expect(retried).toMatchObject({ status: 201, replayed: true, body: { bookingId: committed!.bookings[0] } });

    // 2. Killed in the middle of a load whose commits are shared by many bookings.
    const answers = new Map<string, { status: number; bookingId?: string }>();
    let next = 1;
    let alive = true;
    const worker = async () => {
      while (alive) {
        const n = next++;
        const key = `load-${n}`;
        const reply = await book(url, token, key, bodyOf(n));
        answers.set(key, { status: reply.status, ...(reply.body.bookingId ? { bookingId: reply.body.bookingId } : {}) });
        if (reply.status === 0) return;
      }
    };
    const load = Promise.all(Array.from({ length: 16 }, worker));
    while ([...answers.values()].filter((a) => a.status === 201).length < 80) await new Promise((r) => setTimeout(r, 20));
    await kill();
    alive = false;
    await load;
    const acknowledged = [...answers].filter(([, a]) => a.status === 201);
    const lost = [...answers].filter(([, a]) => a.status === 0);
    expect(acknowledged.length).toBeGreaterThanOrEqual(80);
    expect([...answers.values()].every((a) => a.status === 201 || a.status === 0)).toBe(true);

    const afterKill = await storedByKey();
    for (const [key, answer] of acknowledged) {
      expect(afterKill.get(key)?.bookings, key).toEqual([answer.bookingId]);
      expect(afterKill.get(key)?.holds, key).toBe(1);
    }

    // Every key retried after the restart: each answers with the one booking it has, or books it now.
    url = await start();
    let replayedLost = 0;
    for (const [key, answer] of [...acknowledged, ...lost]) {
      const n = Number(key.slice('load-'.length));
      const reply = await book(url, token, key, bodyOf(n));
      expect(reply.status, key).toBe(201);
      if (answer.bookingId) expect(reply).toMatchObject({ replayed: true, body: { bookingId: answer.bookingId } });
      else if (reply.replayed) replayedLost++;
    }
    const final = await storedByKey();
    for (const [key] of [...acknowledged, ...lost]) expect(final.get(key)?.bookings, key).toHaveLength(1);
    expect(final.get(lostKey)?.bookings).toHaveLength(1);
    // How many answers the kill lost after their commit (each replayed, not booked again).
    console.info(`[kill-between-commits] ${acknowledged.length} acknowledged, ${lost.length} lost, ${replayedLost} of them committed before the kill`);
    app!.child.kill('SIGTERM');
    await app!.exited;
    app = undefined;
  });
});
