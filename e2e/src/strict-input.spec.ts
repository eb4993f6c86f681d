import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Reply, type Stack } from './harness.ts';
import { signWebhook, webhookSignatureHeader } from '@stayhub/payments';
import { adminToken } from './fixtures.ts';
import { WEBHOOK_SECRET } from './commerce-fixtures.ts';

/*
 * Strict schemas on every route, enumerated from the APIs' own OpenAPI documents: a query parameter
 * or a body field that a route does not name is a 400 problem+json naming it, never silently
 * dropped, whatever else is wrong with the request, and it stores nothing.
 */
const OPERATOR = 'strict-ops@stayhub.example';
const UNKNOWN = 'zz_unknown';

let stack: Stack;
let token: string;
beforeAll(async () => {
  stack = await startStack({ workflows: 'manual', settings: { ADMIN_EMAILS: OPERATOR } });
  token = await adminToken(stack, OPERATOR);
});
afterAll(async () => {
  await stack?.stop();
});

type Operation = { requestBody?: unknown };
type Document = { paths: Record<string, Record<string, Operation>> };

/** Bodies written by a third party, open by design: a field the gateway adds to its events later must not make us refuse them. */
const openBodies = new Set(['POST /payments/webhook']);

/** Headers a route checks before its input (the gateway signs its webhook calls), signed over the body sent. */
const headersFor = (route: string, body: unknown): Record<string, string> =>
  route === 'POST /payments/webhook' ? { [webhookSignatureHeader]: signWebhook(JSON.stringify(body), WEBHOOK_SECRET, stack.clock.now()) } : {};

const eventCount = async () => (await stack.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM es_events')).rows[0]!.n;

const expectNamed = (reply: Reply, what: string) => {
  const said = `${what} -> ${reply.status} ${JSON.stringify(reply.body)?.slice(0, 400)}`;
  expect(reply.status, said).toBe(400);
  expect(reply.headers.get('content-type'), said).toContain('application/problem+json');
  expect(reply.body.detail, said).toContain(UNKNOWN);
  expect(reply.body.errors, said).toContainEqual(expect.objectContaining({ path: UNKNOWN, code: 'unrecognized_keys' }));
};

describe('strict schemas on every route', () => {
  it.each(['command', 'query'] as const)('%s API: an unknown query parameter, and on a write an unknown body field, is a 400 naming it', async (api) => {
    const document = (await stack[api].get('/openapi.json')).body as Document;
    const operations = Object.entries(document.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
    expect(operations.length).toBeGreaterThan(api === 'command' ? 30 : 15);
    const before = await eventCount();
    for (const { path, method, op } of operations) {
      const url = path.replace(/\{[A-Za-z_]+\}/g, 'some-id');
      const what = `${method.toUpperCase()} ${path}`;
      const takesBody = op.requestBody !== undefined;
      const send = (query: string, body: unknown) =>
        stack[api].call(method.toUpperCase(), `${url}${query}`, { token, headers: headersFor(what, body), ...(body === undefined ? {} : { body }) });
      expectNamed(await send(`?${UNKNOWN}=1`, takesBody ? {} : undefined), `${what} ?${UNKNOWN}`);
      if (['post', 'put', 'patch'].includes(method) && !openBodies.has(what)) expectNamed(await send('', { [UNKNOWN]: 1 }), `${what} body.${UNKNOWN}`);
    }
    expect(await eventCount(), 'nothing stored').toBe(before);
  });
});
