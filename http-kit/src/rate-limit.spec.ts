import type { AddressInfo } from 'node:net';
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byAddress, rateLimiter, RateWindows } from './rate-limit.ts';
import { sendProblem } from './problem.ts';

describe('rate windows', () => {
  it("counts each key in its own window, from the key's first request until windowMs later", () => {
    let now = 1_000;
    const windows = new RateWindows(60_000, () => now);
    expect(windows.hit('a').hits).toBe(1);
    now += 30_000;
    expect(windows.hit('a').hits).toBe(2);
    expect(windows.hit('b')).toMatchObject({ hits: 1, resetAt: 91_000 });
    now = 60_999;
    expect(windows.hit('a')).toMatchObject({ hits: 3, resetAt: 61_000 });
    now = 61_000;
    expect(windows.hit('a')).toMatchObject({ hits: 1, resetAt: 121_000 });
    expect(windows.hit('b').hits).toBe(2);
  });

  it('forgets the keys whose window ended, at most once per window: the map holds only recent keys', () => {
    let now = 0;
    const windows = new RateWindows(1_000, () => now);
    for (let i = 0; i < 500; i++) windows.hit(`old-${i}`);
    now = 500;
    windows.hit('recent');
    expect(windows.size).toBe(501);
    now = 1_200;
    windows.hit('new');
    expect(windows.size).toBe(2);
  });

  it('shows a hash of the key in the headers, never the key, the same for every request of a key', () => {
    const windows = new RateWindows(1_000, () => 0);
    const { partition } = windows.hit('203.0.113.9');
    expect(partition).not.toContain('203');
    expect(windows.hit('203.0.113.9').partition).toBe(partition);
    expect(windows.hit('203.0.113.10').partition).not.toBe(partition);
  });
});

const listen = async (app: express.Express) => {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
};

describe('rate limiter', () => {
  // given: the same two limits on a route, ours and express-rate-limit's (draft-8 headers)
  let ours: Awaited<ReturnType<typeof listen>>;
  let theirs: Awaited<ReturnType<typeof listen>>;
  const user = (req: express.Request) => String(req.headers['x-user'] ?? '');
  const noUser = (req: express.Request) => req.headers['x-user'] === undefined;
  beforeAll(async () => {
    const app = express();
    app.post(
      '/things',
      rateLimiter({ name: 'per-address', windowMs: 60_000, limit: 3, key: byAddress }),
      rateLimiter({ name: 'per-user', windowMs: 60_000, limit: 2, key: user, skip: noUser }),
      (_req, res) => void res.status(201).json({ ok: true }),
    );
    ours = await listen(app);
    const bare = express();
    const theirLimit = (name: string, limit: number, key: (req: express.Request) => string, skip = (_req: express.Request) => false) =>
      rateLimit({
        windowMs: 60_000,
        limit,
        identifier: name,
        standardHeaders: 'draft-8',
        legacyHeaders: false,
        keyGenerator: key,
        skip,
        handler: (_req, res) => sendProblem(res, 429, { detail: `Too many requests (${name}); retry after ${res.getHeader('Retry-After') ?? 'a while'} s` }),
      });
    bare.post(
      '/things',
      theirLimit('per-address', 3, byAddress),
      theirLimit('per-user', 2, user, noUser),
      (_req, res) => void res.status(201).json({ ok: true }),
    );
    theirs = await listen(bare);
  });
  afterAll(() => {
    ours?.close();
    theirs?.close();
  });

  const answers = async (base: string, headers: Record<string, string>[]) => {
    const seen = [];
    for (const sent of headers) {
      const answer = await fetch(`${base}/things`, { method: 'POST', headers: sent });
      seen.push({
        status: answer.status,
        type: answer.headers.get('content-type'),
        rateLimit: answer.headers.get('ratelimit'),
        policy: answer.headers.get('ratelimit-policy'),
        retryAfter: answer.headers.get('retry-after'),
        body: await answer.text(),
      });
    }
    return seen;
  };

  it("counts, announces and refuses exactly as express-rate-limit's draft-8 limiter did: headers of both limits, then a 429 problem", async () => {
    const requests: Record<string, string>[] = [{ 'x-user': 'u1' }, { 'x-user': 'u1' }, { 'x-user': 'u1' }, {}];
    const [mine, express] = [await answers(ours.base, requests), await answers(theirs.base, requests)];
    expect(mine.map((a) => a.status)).toEqual([201, 201, 429, 429]);
    // Seconds left in the window depend on when each answer was made: compared apart, generously.
    const timeless = (seen: typeof mine) =>
      JSON.parse(
        JSON.stringify(seen)
          .replace(/t=\d+/g, 't=T')
          .replace(/retry after \d+ s/g, 'retry after T s')
          .replace(/"retryAfter":"\d+"/g, '"retryAfter":"T"'),
      );
    expect(timeless(mine)).toEqual(timeless(express));
    for (const t of JSON.stringify(mine).match(/t=\d+/g)!) expect(Number(t.slice(2))).toBeGreaterThanOrEqual(30);
    expect(timeless(mine)[0].rateLimit).toBe('"per-address"; r=2; t=T, "per-user"; r=1; t=T');
    expect(mine[0]!.policy).toMatch(/^"per-address"; q=3; w=60; pk=:[A-Za-z0-9+/=]+:, "per-user"; q=2; w=60; pk=:[A-Za-z0-9+/=]+:$/);
    expect(mine[2]).toMatchObject({ type: 'application/problem+json; charset=utf-8', retryAfter: expect.stringMatching(/^\d+$/) });
    expect(JSON.parse(mine[2]!.body)).toEqual({
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
      detail: `Too many requests (per-user); retry after ${mine[2]!.retryAfter} s`,
    });
    expect(timeless(mine)[3].rateLimit).toBe('"per-address"; r=0; t=T');
    expect(JSON.parse(mine[3]!.body).detail).toMatch(/^Too many requests \(per-address\); retry after \d+ s$/);
  });
});
