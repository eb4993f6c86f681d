import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonBody } from './json-body.ts';

const listen = async (parser: RequestHandler) => {
  const app = express();
  app.post('/echo', parser, (req, res) => void res.json({ body: req.body ?? null, raw: req.rawBody?.toString('base64') ?? null }));
  const errors: ErrorRequestHandler = (error, _req, res, _next) => void res.status(error.status ?? 500).json({ type: error.type ?? null });
  app.use(errors);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
};

const json = 'application/json';
const cases: { name: string; type: string; body: string | Uint8Array }[] = [
  { name: 'an object', type: json, body: '{"a":1,"b":[1,2,{"c":"d"}]}' },
  { name: 'an array after white space', type: json, body: ' \n\t[1,2]' },
  { name: 'UTF-8 with a charset parameter', type: 'application/json; charset=UTF-8', body: '{"name":"Zoë 🏠"}' },
  { name: 'a leading byte order mark', type: json, body: new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"a":"é"}')]) },
  { name: 'a string (not an object or array)', type: json, body: '"text"' },
  { name: 'a number', type: json, body: '1' },
  { name: 'broken JSON', type: json, body: '{"a":' },
  { name: 'another charset', type: 'application/json; charset=latin1', body: '{"a":1}' },
  { name: 'a +json type', type: 'application/merge-patch+json', body: '{"a":null}' },
  { name: 'a body over the limit', type: json, body: `{"a":"${'x'.repeat(2000)}"}` },
  { name: 'not JSON at all', type: 'text/plain', body: 'hello' },
];

describe('JSON bodies', () => {
  // given: ours, and body-parser (express.json) as the apps used it, with the same limit
  let ours: Awaited<ReturnType<typeof listen>>;
  let bodyParser: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    ours = await listen(jsonBody({ limit: '1kb', keepRaw: true }));
    bodyParser = await listen(
      express.json({
        limit: '1kb',
        type: ['application/json', 'application/*+json'],
        verify: (req, _res, buf) => {
          req.rawBody = buf;
        },
      }),
    );
  });
  afterAll(() => {
    ours?.close();
    bodyParser?.close();
  });

  const send = async (base: string, type: string, body: string | Uint8Array) => {
    const answer = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': type }, body });
    return { status: answer.status, body: await answer.json() };
  };

  it.each(cases)('reads $name as body-parser does: the same parsed body and raw bytes, or the same error', async ({ type, body }) => {
    const [mine, theirs] = [await send(ours.base, type, body), await send(bodyParser.base, type, body)];
    expect(mine).toEqual(theirs);
  });

  it('answers what it reads, and refuses what body-parser refuses', async () => {
    expect((await send(ours.base, json, '{"a":1}')).body).toEqual({ body: { a: 1 }, raw: Buffer.from('{"a":1}').toString('base64') });
    expect(await send(ours.base, json, '"text"')).toEqual({ status: 400, body: { type: 'entity.parse.failed' } });
    expect(await send(ours.base, json, `[${'1,'.repeat(600)}1]`)).toEqual({ status: 413, body: { type: 'entity.too.large' } });
  });
});
