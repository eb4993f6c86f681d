import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CommandProcessor, PostgresEventStore, createPool, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { createHttpApp } from './app.ts';
import { jwtTokens } from './auth.ts';
import { AlreadyAnswered, answerOnce, idempotency, idempotencyDecider, migrateIdempotency } from './idempotency.ts';
import { defineRoute, type Route } from './route.ts';

describe('the idempotency decider: one answer per key', () => {
  const answer = { type: 'RecordAnswer' as const, data: { scope: 'u1 POST /x', key: 'k', requestHash: 'h', status: 201, body: { id: 1 }, headers: {} } };
  it('records the first answer', () => {
    expect(idempotencyDecider.decide(answer, null)).toEqual([{ type: 'IdempotentRequestAnswered', data: answer.data }]);
  });
  it('refuses a second, handing back the first', () => {
    const first = idempotencyDecider.evolve(null, { type: 'IdempotentRequestAnswered', data: answer.data });
    expect(() => idempotencyDecider.decide({ ...answer, data: { ...answer.data, status: 500 } }, first)).toThrow(AlreadyAnswered);
  });
});

describe('Idempotency-Key on writes', () => {
  let pool: Pool;
  let store: PostgresEventStore;
  let server: Server;
  let base: string;
  let runs = 0;
  let token: string;
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 4);
    store = await PostgresEventStore.create(pool);
    await migrateIdempotency(pool);
    const processor = new CommandProcessor(store);
    const counter = {
      initialState: 0,
      evolve: (n: number) => n + 1,
      decide: (command: { type: 'Count'; data: { by: number } }) => [{ type: 'Counted', data: command.data }],
    };
    const routes: Route[] = [
      defineRoute({
        method: 'post',
        path: '/notes',
        summary: 'Kept in the table',
        tags: ['spec'],
        auth: 'optional',
        body: z.object({ text: z.string() }),
        handler: async ({ body }) => {
          runs += 1;
          if (body.text === 'refuse') return { status: 409, body: { detail: 'no' } };
          return { status: 201, body: { run: runs, text: body.text }, headers: { Location: `/notes/${runs}` } };
        },
      }),
      defineRoute({
        method: 'post',
        path: '/counts',
        summary: 'Answered in the append',
        tags: ['spec'],
        auth: 'optional',
        idempotency: 'in-append',
        body: z.object({ by: z.number() }),
        handler: ({ body, req }) =>
          answerOnce(
            { processor, eventStore: store },
            req.idempotency,
            [{ streamId: 'count-1', decider: counter, command: { type: 'Count', data: { by: body.by } } }],
            {},
            ([done]) => ({
              status: 201,
              body: { count: done!.state, position: done!.position },
            }),
          ),
      }),
    ];
    const tokens = jwtTokens('idempotency-spec-secret-idempotency-spec', 5);
    token = await tokens.issue({ userId: 'u1', role: 'guest', email: 'u1@example.com' });
    const app = createHttpApp({ title: 'spec', routes, tokens, perRoute: idempotency({ pool, eventStore: store }), logError: () => undefined });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.close();
    await store?.close();
    await pool?.end();
  });

  const post = async (path: string, body: unknown, key?: string, bearer?: string) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(key !== undefined ? { 'idempotency-key': key } : {}),
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  };

  describe.each([
    { kept: 'in the table', path: '/notes', body: { text: 'a' }, other: { text: 'b' } },
    { kept: 'in the append', path: '/counts', body: { by: 1 }, other: { by: 2 } },
  ])('an answer kept $kept', ({ path, body, other }) => {
    it('is replayed to a retry with the same key and body: the work runs once, the answer is the first', async () => {
      const first = await post(path, body, `${path}-once`);
      expect(first.status).toBe(201);
      const runsAfterFirst = runs;
      const { events: before } = await store.readStream('count-1');
      const again = await post(path, body, `${path}-once`);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(runs).toBe(runsAfterFirst);
      expect((await store.readStream('count-1')).events).toHaveLength(before.length);
    });
    it('refuses the key with another body: 422, nothing run', async () => {
      await post(path, body, `${path}-other`);
      const count = (await store.readStream('count-1')).events.length;
      const reused = await post(path, other, `${path}-other`);
      expect(reused.status).toBe(422);
      expect((await store.readStream('count-1')).events).toHaveLength(count);
    });
    it("scopes a key to its caller: another caller's same key runs again", async () => {
      const anonymous = await post(path, body, `${path}-scoped`);
      const signedIn = await post(path, body, `${path}-scoped`, token);
      expect(signedIn.headers.get('idempotent-replayed')).toBeNull();
      expect(signedIn.body).not.toEqual(anonymous.body);
    });
    it.each(['', 'x'.repeat(256), 'tab\there'])('refuses a malformed key (%j) with 400', async (key) => {
      expect((await post(path, body, key)).status).toBe(400);
    });
  });

  it('replays a refusal kept in the table as the problem it was', async () => {
    const first = await post('/notes', { text: 'refuse' }, 'refused-once');
    const again = await post('/notes', { text: 'refuse' }, 'refused-once');
    expect(first.status).toBe(409);
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
