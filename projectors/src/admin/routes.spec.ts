import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, PostgresEventStore, type Pool, type RecordedEvent, workflowSchema } from '@stayhub/event-sourcing';
import { createHttpApp, jwtTokens } from '@stayhub/http-kit';
import { eachEvent, type PgProjection } from '@stayhub/read-models';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { applyBatch, migrateProjector } from '../runner/pg-runner.ts';
import { pgRebuildAdapter } from '../replay/pg-target.ts';
import { pgEventSource } from '../replay/sources.ts';
import { RebuildJobs } from './rebuilds.ts';
import { adminRoutes } from './routes.ts';

/** A projection that fails on the labels it is told are bad, as a bug would. */
const bad = new Set<string>();
const tallies: PgProjection = {
  name: 'tallies',
  handles: new Set(['Tallied']),
  migrate: async (client, target) => void (await client.query(`CREATE TABLE IF NOT EXISTS ${target} (label text PRIMARY KEY, times int NOT NULL)`)),
  index: async () => undefined,
  fold: eachEvent(async (client, event, target) => {
    const { label } = event.data as { label: string };
    if (bad.has(label)) throw new Error(`cannot tally ${label}`);
    await client.query(`INSERT INTO ${target} (label, times) VALUES ($1, 1) ON CONFLICT (label) DO UPDATE SET times = ${target}.times + 1`, [label]);
  }),
  drop: async (client, target) => void (await client.query(`DROP TABLE IF EXISTS ${target}`)),
};

const tokens = jwtTokens('admin-routes-secret-admin-routes-secret-0123', 60);
let pool: Pool;
let store: PostgresEventStore;
let server: Server;
let base = '';
let rebuilds: RebuildJobs;
const as = (role: 'guest' | 'host' | 'admin') => tokens.issue({ userId: randomUUID(), role, email: `${role}@stayhub.test` });
const call = async (method: string, path: string, role?: 'guest' | 'host' | 'admin', body?: unknown) => {
  const headers: Record<string, string> = {
    ...(role ? { authorization: `Bearer ${await as(role)}` } : {}),
    ...(body ? { 'content-type': 'application/json' } : {}),
  };
  const response = await fetch(`${base}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as any };
};

beforeAll(async () => {
  pool = createPool(await testDatabaseUrl(), 4);
  store = await PostgresEventStore.create(pool);
  await migrateProjector(pool, [tallies]);
  rebuilds = new RebuildJobs({ pool, events: pgEventSource(pool), adapter: pgRebuildAdapter(pool, [tallies]), log: () => undefined });
  const app = createHttpApp({
    title: 'admin',
    routes: adminRoutes({ pool, projections: [tallies], now: () => new Date(), rebuilds }),
    tokens,
    logError: () => undefined,
  });
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.close();
  await store?.close();
  await pool?.end();
});

describe('the operator routes of the projectors', () => {
  it('are for admins only: 401 without a token, 403 for a host', async () => {
    expect(await call('GET', '/admin/projections')).toMatchObject({ status: 401, type: expect.stringContaining('application/problem+json') });
    expect(await call('GET', '/admin/projections', 'host')).toMatchObject({ status: 403, body: { detail: 'This needs one of the roles: admin' } });
    expect((await call('POST', '/admin/projections/tallies/parked/retry', 'guest')).status).toBe(403);
    expect((await call('GET', '/admin/workflows/tasks', 'host')).status).toBe(403);
  });

  it('show lag and a parked event, and apply it once on retry after the fix', async () => {
    bad.add('b');
    const append = (label: string) => store.append(`tally-${label}`, [{ eventId: randomUUID(), type: 'Tallied', data: { label } }], 'no_stream');
    await append('a');
    await append('b');
    await append('c');
    let lagging = await call('GET', '/admin/projections', 'admin');
    expect(lagging.body.projections).toMatchObject([{ name: 'tallies', lag: 3, parked: 0, parkedEvents: [] }]);

    const events: RecordedEvent[] = await store.readAll({});
    await applyBatch(pool, tallies, 'tallies', events, () => undefined);
    const parked = await call('GET', '/admin/projections', 'admin');
    expect(parked.body.projections).toMatchObject([
      { name: 'tallies', lag: 0, parked: 1, parkedEvents: [{ type: 'Tallied', streamId: 'tally-b', error: 'Error: cannot tally b' }] },
    ]);
    expect(parked.body.projections[0].parkedEvents[0]).not.toHaveProperty('event');

    const stillBroken = await call('POST', '/admin/projections/tallies/parked/retry', 'admin');
    expect(stillBroken.body).toMatchObject({ retried: [], failed: [{ error: 'Error: cannot tally b' }] });
    bad.delete('b');
    const fixed = await call('POST', '/admin/projections/tallies/parked/retry', 'admin');
    expect(fixed).toMatchObject({ status: 200, body: { retried: [parked.body.projections[0].parkedEvents[0].eventId], failed: [] } });
    expect((await call('POST', '/admin/projections/tallies/parked/retry', 'admin')).body).toEqual({ retried: [], failed: [] });
    expect((await pool.query('SELECT label, times FROM tallies ORDER BY label')).rows).toEqual(['a', 'b', 'c'].map((label) => ({ label, times: 1 })));
    lagging = await call('GET', '/admin/projections', 'admin');
    expect(lagging.body.projections).toMatchObject([{ name: 'tallies', lag: 0, parked: 0 }]);
  });

  it('answer 404 for an unknown projection and 400 for a malformed name', async () => {
    expect(await call('POST', '/admin/projections/nope/parked/retry', 'admin')).toMatchObject({
      status: 404,
      body: { detail: 'No projection nope; there are tallies' },
    });
    expect((await call('POST', '/admin/projections/DROP%20TABLE/parked/retry', 'admin')).status).toBe(400);
  });

  it('list workflow tasks due and parked, with counts', async () => {
    expect((await call('GET', '/admin/workflows/tasks', 'admin')).body).toEqual({
      counts: { pending: 0, overdue: 0, parked: 0, subscriptions: [] },
      due: [],
      parked: [],
    });
    await pool.query(workflowSchema);
    await pool.query(`INSERT INTO workflow_tasks (task_id, workflow, due_at, task, attempts, last_error, parked_at) VALUES
      ('expire-request:b1', 'bookings', now() + interval '1 day', '{}', 0, NULL, NULL),
      ('capture-payment:b2', 'bookings', now() - interval '1 hour', '{}', 5, 'gateway down', now()),
      ('done:b3', 'bookings', now() - interval '1 hour', '{}', 1, NULL, NULL)`);
    await pool.query("UPDATE workflow_tasks SET done_at = now() WHERE task_id = 'done:b3'");
    const tasks = await call('GET', '/admin/workflows/tasks?limit=10', 'admin');
    expect(tasks.body).toMatchObject({
      counts: { pending: 1, overdue: 0, parked: 1 },
      due: [{ taskId: 'expire-request:b1', workflow: 'bookings', attempts: 0, lastError: null, parkedAt: null }],
      parked: [{ taskId: 'capture-payment:b2', attempts: 5, lastError: 'gateway down' }],
    });
    expect((await call('GET', '/admin/workflows/tasks?limit=0', 'admin')).status).toBe(400);
    expect((await call('GET', '/admin/workflows/tasks?since=1', 'admin')).status).toBe(400);
  });

  it('rebuild a projection into a fresh target with progress, and swap it in', async () => {
    expect((await call('POST', '/admin/rebuilds', 'host', { projection: 'tallies' })).status).toBe(403);
    expect((await call('POST', '/admin/rebuilds', 'admin', { projection: 'nope' })).status).toBe(404);
    expect((await call('POST', '/admin/rebuilds', 'admin', { projection: 'tallies', force: true })).status).toBe(400);
    const started = await call('POST', '/admin/rebuilds', 'admin', { projection: 'tallies' });
    expect(started).toMatchObject({ status: 202, body: { rebuild: { projection: 'tallies', swap: true, status: 'running' } } });
    let current = started.body.rebuild;
    for (let i = 0; i < 200 && current.status === 'running'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      current = (await call('GET', '/admin/rebuilds/current', 'admin')).body.rebuild;
    }
    expect(current).toMatchObject({
      status: 'done',
      done: 3,
      total: 3,
      error: null,
      outcome: { status: 'swapped', events: 3, targets: [{ projection: 'tallies', target: 'tallies_r1' }] },
    });
    expect((await pool.query('SELECT label, times FROM tallies_r1 ORDER BY label')).rows).toEqual(['a', 'b', 'c'].map((label) => ({ label, times: 1 })));
    expect((await call('GET', '/admin/projections', 'admin')).body.projections).toMatchObject([{ name: 'tallies', target: 'tallies_r1', lag: 0 }]);
  });

  it('run one rebuild at a time', () => {
    const jobs = new RebuildJobs({
      pool,
      events: { read: () => new Promise(() => undefined) },
      adapter: pgRebuildAdapter(pool, [tallies]),
      log: () => undefined,
    });
    expect(jobs.start('tallies', false).status).toBe('running');
    expect(() => jobs.start('tallies', false)).toThrow(/A rebuild of tallies is running/);
  });
});
