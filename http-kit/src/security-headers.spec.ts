import type { AddressInfo } from 'node:net';
import express from 'express';
import helmet from 'helmet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from './app.ts';
import { jwtTokens } from './auth.ts';

const listen = async (app: express.Express) => {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
};

describe('security headers', () => {
  // given: our app, and a bare express app running helmet itself per request
  let ours: Awaited<ReturnType<typeof listen>>;
  let helmets: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    ours = await listen(
      createHttpApp({ title: 'spec', routes: [], tokens: jwtTokens('a-test-secret-a-test-secret-0123456789', 5), logError: () => undefined }),
    );
    const bare = express();
    bare.disable('x-powered-by');
    bare.use(helmet({ contentSecurityPolicy: false }));
    bare.get('/openapi.json', (_req, res) => void res.json({}));
    helmets = await listen(bare);
  });
  afterAll(() => {
    ours?.close();
    helmets?.close();
  });

  it("every answer carries exactly helmet's headers, and no X-Powered-By", async () => {
    const ofHelmet = await fetch(`${helmets.base}/openapi.json`);
    const expected = [...ofHelmet.headers.entries()].filter(
      ([name]) => !['date', 'content-type', 'content-length', 'etag', 'connection', 'keep-alive'].includes(name),
    );
    expect(expected.length).toBeGreaterThan(8);
    for (const path of ['/openapi.json', '/nowhere']) {
      const answer = await fetch(`${ours.base}${path}`);
      for (const [name, value] of expected) expect(answer.headers.get(name), `${path}: ${name}`).toBe(value);
      expect(answer.headers.get('x-powered-by')).toBeNull();
    }
  });
});
