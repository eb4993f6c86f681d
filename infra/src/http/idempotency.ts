import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import { sendProblem } from './problem.ts';

export const idempotencySchema = /* sql */ `
CREATE TABLE IF NOT EXISTS http_idempotency (
  scope        text NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  status       int,
  headers      jsonb,
  body         jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);`;

/** Longer than any request may run (they time out well before). */
const ABANDONED_AFTER_SECONDS = 120;

const REPLAYED_HEADERS = ['location', 'x-consistency-token', 'etag'];

/**
 * `Idempotency-Key` on a POST, PUT or PATCH: the first response for a key is stored and replayed for
 * every retry with the same body; the same key with another body is a 422; a retry while the first
 * is still running is a 409. Server errors are not stored, so the client may retry them.
 */
export const idempotency = (pool: Pool): RequestHandler => async (req, res, next) => {
  const key = req.header('idempotency-key');
  if (!key || !['POST', 'PUT', 'PATCH'].includes(req.method)) return next();
  if (key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    return sendProblem(res, 400, { detail: 'Idempotency-Key must be 1 to 255 visible ASCII characters' });
  }
  const scope = `${req.user?.userId ?? 'anonymous'} ${req.method} ${req.path}`;
  const hash = createHash('sha256').update(JSON.stringify(req.body ?? null)).digest('hex');
  // A first request that never finished (its process was killed) must not block its retries forever.
  await pool.query(
    `DELETE FROM http_idempotency WHERE scope = $1 AND key = $2 AND status IS NULL AND created_at < now() - interval '${ABANDONED_AFTER_SECONDS} seconds'`,
    [scope, key],
  );
  const inserted = await pool.query('INSERT INTO http_idempotency (scope, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
    scope,
    key,
    hash,
  ]);
  if (inserted.rowCount === 0) {
    const { rows } = await pool.query<{ request_hash: string; status: number | null; headers: Record<string, string> | null; body: unknown }>(
      'SELECT request_hash, status, headers, body FROM http_idempotency WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    const stored = rows[0];
    if (!stored) return sendProblem(res, 409, { detail: 'The first request with this Idempotency-Key is being retried; try again' });
    if (stored.request_hash !== hash) {
      return sendProblem(res, 422, { title: 'Idempotency-Key reused', detail: 'This Idempotency-Key was used with a different request body' });
    }
    if (stored.status === null) {
      res.set('Retry-After', '1');
      return sendProblem(res, 409, { title: 'Request in progress', detail: 'The first request with this Idempotency-Key is still running' });
    }
    res.set({ ...(stored.headers ?? {}), 'Idempotent-Replayed': 'true' });
    const contentType = stored.status >= 400 ? 'application/problem+json' : 'application/json';
    if (stored.body === null) return res.status(stored.status).end();
    return res.status(stored.status).type(contentType).send(JSON.stringify(stored.body));
  }

  // Record the response before it leaves, so that a retry after it arrived is always a replay.
  const send = res.send.bind(res);
  let recorded = false;
  res.send = (body?: unknown) => {
    if (recorded) return send(body);
    recorded = true;
    const status = res.statusCode;
    const record =
      status >= 500
        ? pool.query('DELETE FROM http_idempotency WHERE scope = $1 AND key = $2', [scope, key])
        : pool.query('UPDATE http_idempotency SET status = $3, headers = $4, body = $5 WHERE scope = $1 AND key = $2', [
            scope,
            key,
            status,
            JSON.stringify(Object.fromEntries(REPLAYED_HEADERS.flatMap((h) => (res.get(h) ? [[h, res.get(h)]] : [])))),
            parseBody(body),
          ]);
    record
      .catch((error: unknown) => console.error('[idempotency] could not record the response', error))
      .finally(() => send(body));
    return res;
  };
  res.on('close', () => {
    if (!recorded) {
      pool.query('DELETE FROM http_idempotency WHERE scope = $1 AND key = $2 AND status IS NULL', [scope, key]).catch(() => undefined);
    }
  });
  next();
};

const parseBody = (body: unknown): string | null => {
  if (body === null || body === undefined) return null;
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : String(body);
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify(text);
  }
};
