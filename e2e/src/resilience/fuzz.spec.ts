import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtTokens } from '@stayhub/http-kit';
import { startStack, type Stack } from '../harness.ts';
import { day, publishedListing, register } from '../fixtures.ts';
import { badScalar, badValue, encode, invalidQueryValue, jsonObject, pollutionKeys, propertiesOf, wrongType, type Operation } from './bad-input.ts';

/*
 * Every route of both APIs, enumerated from their OpenAPI documents, fed generated bad input:
 * always a 4xx problem+json, never a 5xx, never a stored event, never a polluted prototype.
 */
let stack: Stack;
let tokens: Record<'guest' | 'host', string>;
let listingId: string;
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  stack = await startStack({ workflows: 'manual' });
  const host = await register(stack, 'host');
  const guest = await register(stack, 'guest');
  tokens = { guest: guest.token, host: host.token };
  listingId = (await publishedListing(stack, host)).listingId;
});
afterAll(async () => {
  await stack?.stop();
});

const eventCount = async () => (await stack.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM es_events')).rows[0]!.n;

type Api = 'command' | 'query';
type Identity = 'anonymous' | 'guest' | 'host' | 'garbage' | 'forged' | 'expired' | 'basic';
type Fuzzed = { identity: Identity; path: string; query: [string, string][]; body?: string };
/** One way to make a request invalid whoever sends it. */
type Flaw = { in: 'path'; index: number; value: string } | { in: 'query'; pairs: [string, string][] } | { in: 'body'; entry: [string, unknown] };

const forged = jwtTokens('another-secret-another-secret-0123456789', 60);
const expired = jwtTokens('test-secret-test-secret-test-secret-0123456789', -1);
const authHeader = async (identity: Identity): Promise<Record<string, string>> => {
  const user = { userId: 'u-forged', role: 'admin' as const, email: 'x@example.com' };
  switch (identity) {
    case 'anonymous':
      return {};
    case 'guest':
    case 'host':
      return { authorization: `Bearer ${tokens[identity]}` };
    case 'garbage':
      return { authorization: 'Bearer not.a.token' };
    case 'forged':
      return { authorization: `Bearer ${await forged.issue(user)}` };
    case 'expired':
      return { authorization: `Bearer ${await expired.issue(user)}` };
    case 'basic':
      return { authorization: 'Basic YWRtaW46YWRtaW4=' };
  }
};

const send = async (api: Api, method: string, request: Fuzzed) => {
  const query = request.query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
  const path = `${request.path}${query ? `?${query}` : ''}`;
  const options = { headers: await authHeader(request.identity) };
  const client = stack[api];
  switch (method) {
    case 'get':
      return client.get(path, options);
    case 'delete':
      return client.delete(path, options);
    case 'post':
      return client.post(path, request.body, options);
    case 'put':
      return client.put(path, request.body, options);
    case 'patch':
      return client.patch(path, request.body, options);
    default:
      throw new Error(`unexpected method ${method}`);
  }
};

const expectProblem = (reply: { status: number; headers: Headers; body: any }, what: string) => {
  const said = `${what} -> ${reply.status} ${(JSON.stringify(reply.body) ?? '').slice(0, 300)}`;
  expect(reply.status, said).toBeGreaterThanOrEqual(400);
  expect(reply.status, said).toBeLessThan(500);
  // Node's HTTP parser refuses a request head over 16 KiB itself, before any app code runs.
  if (reply.status === 431) return;
  expect(reply.headers.get('content-type'), said).toContain('application/problem+json');
  expect(reply.body.status, said).toBe(reply.status);
  expect(typeof reply.body.title, said).toBe('string');
};

const text = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null'));
const pathValue = fc.oneof(badScalar.map(text), fc.uuid(), fc.constantFrom('..', 'a'.repeat(5_000)));

/** The flaws an operation's schemas let us put in a request. */
const flawsOf = (op: Operation): Flaw[] => {
  const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
  const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query');
  return [
    ...pathParams.flatMap((p, index): Flaw[] => {
      const value = invalidQueryValue(p.schema);
      return value === undefined ? [] : [{ in: 'path', index, value }];
    }),
    ...queryParams.map((p): Flaw => {
      const value = invalidQueryValue(p.schema);
      // Any string will do for this one: sent twice it arrives as an array, which no string accepts.
      return {
        in: 'query',
        pairs:
          value === undefined
            ? [
                [p.name, 'a'],
                [p.name, 'b'],
              ]
            : [[p.name, value]],
      };
    }),
    ...Object.entries(propertiesOf(op.requestBody?.content['application/json'].schema)).flatMap(([name, schema]): Flaw[] => {
      const value = wrongType(schema);
      return value === undefined ? [] : [{ in: 'body', entry: [name, value] }];
    }),
  ];
};

/** Requests for one operation, each with a flaw (or without a valid token), plus junk anywhere. */
const requests = (path: string, method: string, op: Operation): fc.Arbitrary<Fuzzed> => {
  const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
  const queryNames = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  const bodyNames = Object.keys(propertiesOf(op.requestBody?.content['application/json'].schema));
  const flaws = flawsOf(op);
  // A route with nothing to get wrong (DELETE /carts/me) is only called without a valid token.
  const identities: Identity[] = ['anonymous', 'garbage', 'forged', 'expired', 'basic', ...(flaws.length > 0 ? (['guest', 'host'] as const) : [])];
  return fc
    .record({
      identity: fc.constantFrom(...identities),
      params: fc.tuple(...pathParams.map(() => pathValue)),
      junkQuery: fc.array(fc.tuple(fc.constantFrom(...queryNames, ...pollutionKeys), badScalar.map(text)), { maxLength: 4 }),
      junkBody: fc.array(fc.tuple(fc.constantFrom(...bodyNames, ...pollutionKeys), badValue), { maxLength: 5 }),
      flaw: flaws.length > 0 ? fc.constantFrom(...flaws) : fc.constant(undefined),
      rawBody: fc.oneof(
        { weight: 6, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom('{"a":', '[1,2', 'null', '"text"', '42', '{"a":1}{"b":2}') },
      ),
    })
    .map(({ identity, params, junkQuery, junkBody, flaw, rawBody }) => {
      const values = params.map((value, index) => (flaw?.in === 'path' && flaw.index === index ? flaw.value : value));
      let i = 0;
      const filled = path.replace(/\{[A-Za-z_]+\}/g, () => encode(values[i++] ?? ''));
      const query: [string, string][] = [...junkQuery, ...(flaw?.in === 'query' ? flaw.pairs : [])];
      // The flaw goes last: a duplicate key in JSON keeps the last value.
      const entries: [string, unknown][] = [...junkBody, ...(flaw?.in === 'body' ? [flaw.entry] : [])];
      const hasBody = ['post', 'put', 'patch'].includes(method);
      return { identity, path: filled, query, ...(hasBody ? { body: rawBody ?? jsonObject(entries) } : {}) };
    });
};

describe('bad input on every route', () => {
  it.each(['command', 'query'] as const)('%s API: generated bad input is a 4xx problem, never a 5xx, and stores nothing', async (api) => {
    const document = (await stack[api].get('/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
    const operations = Object.entries(document.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
    expect(operations.length).toBeGreaterThan(api === 'command' ? 10 : 5);
    for (const { path, method, op } of operations) {
      const before = await eventCount();
      await fc.assert(
        fc.asyncProperty(requests(path, method, op), async (request) => {
          const reply = await send(api, method, request);
          expectProblem(reply, `${method.toUpperCase()} ${request.path} as ${request.identity}`);
        }),
        { numRuns: 40, seed: 6, endOnFailure: true },
      );
      expect(await eventCount(), `${method.toUpperCase()} ${path} stored events`).toBe(before);
    }
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('every route that takes a body refuses one over 256 kB (413), nested too deep (400), not JSON (415) or malformed (400)', async () => {
    const document = (await stack.command.get('/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
    const before = await eventCount();
    const huge = JSON.stringify({ reason: 'x'.repeat(300 * 1024) });
    let deep = '"bottom"';
    for (let i = 0; i < 100; i++) deep = `{"a":${deep}}`;
    for (const [path, ops] of Object.entries(document.paths)) {
      for (const method of Object.keys(ops).filter((m) => ['post', 'put', 'patch'].includes(m))) {
        const url = path.replace(/\{[A-Za-z_]+\}/g, 'some-id');
        const as = { identity: 'guest' as const, path: url, query: [] };
        expectProblem(await send('command', method, { ...as, body: huge }), `${method} ${url} huge`);
        expect((await send('command', method, { ...as, body: huge })).status).toBe(413);
        const nested = await send('command', method, { ...as, body: deep });
        expectProblem(nested, `${method} ${url} deep`);
        expect(nested.status).toBe(400);
        const malformed = await send('command', method, { ...as, body: '{"reason": "unterminated' });
        expect(malformed.status).toBe(400);
        expectProblem(malformed, `${method} ${url} malformed`);
        const form = await stack.command.post(url, 'reason=x', { token: tokens.guest, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        expect(form.status, `${method} ${url} form`).toBe(415);
      }
    }
    expect(await eventCount()).toBe(before);
  });

  it('POST /bookings on a real listing: impossible dates, reversed stays and absurd parties are 4xx and hold nothing', async () => {
    const before = await eventCount();
    const date = fc.oneof(
      fc.integer({ min: -400, max: 800 }).map((n) => day(stack, n)),
      fc.constantFrom('2031-02-30', '2031-02-29', '2030-13-01', '2031-04-31', '0000-01-01', '2031-1-1', '20310101', '2031-01-01T00:00:00Z', ''),
    );
    const party = fc.oneof(fc.constantFrom(0, -1, 1.5, 2 ** 53 + 1, 1e308, -1e308, 1001, '2', null), fc.integer({ min: 1, max: 4 }));
    const stay = fc
      .record({
        checkIn: date,
        checkOut: date,
        guests: party,
        units: fc.option(party, { nil: undefined }),
        paymentMethod: fc.oneof(fc.constant('tok_visa'), fc.constantFrom('', 'x'.repeat(201))),
      })
      .filter((s) => {
        // Keep only requests that are wrong somewhere: a reversed or empty stay, an impossible date, or a bad party or payment method.
        const real = (d: string) =>
          /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);
        const goodParty = (n: unknown) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 4;
        return !(
          real(s.checkIn) &&
          real(s.checkOut) &&
          s.checkIn < s.checkOut &&
          s.checkIn >= day(stack, 0) &&
          goodParty(s.guests) &&
          (s.units === undefined || goodParty(s.units)) &&
          s.paymentMethod === 'tok_visa'
        );
      });
    await fc.assert(
      fc.asyncProperty(stay, async (body) => {
        const reply = await send('command', 'post', { identity: 'guest', path: '/bookings', query: [], body: JSON.stringify({ listingId, ...body }) });
        expectProblem(reply, `POST /bookings ${JSON.stringify(body)}`);
      }),
      { numRuns: 50, seed: 6, endOnFailure: true },
    );
    expect(await eventCount()).toBe(before);
  });
});
