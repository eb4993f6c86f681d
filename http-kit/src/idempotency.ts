import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import {
  type CommandProcessor,
  type Handled,
  type Step,
  type StreamDecider,
  type EventMetadata,
  type EventStore,
  inTransaction,
} from '@stayhub/event-sourcing';
import { HttpProblem, sendProblem } from './problem.ts';
import type { Reply, Route } from './route.ts';

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

/** Creates the table once; the lock keeps processes that start together (command API, workflow runner) from racing on it. */
export const migrateIdempotency = (pool: Pool): Promise<void> =>
  inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(727004)');
    await client.query(idempotencySchema);
  });

/** Longer than any request may run (they time out well before). */
const ABANDONED_AFTER_SECONDS = 120;

const REPLAYED_HEADERS = ['location', 'x-consistency-token', 'etag'];

/** What identifies a request with an `Idempotency-Key`: who, which route (its pattern, not the path as typed), the key, and the body. */
export type IdempotentRequest = { scope: string; key: string; requestHash: string; streamId: string };

declare module 'express-serve-static-core' {
  interface Request {
    /** Set on routes whose answer is recorded in the same append as their events (`idempotency: 'in-append'`). */
    idempotency?: IdempotentRequest;
  }
}

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');

const requestOf = (req: Request, route: Route, key: string): IdempotentRequest => {
  const scope = `${req.user?.userId ?? 'anonymous'} ${route.method.toUpperCase()} ${route.path}`;
  return { scope, key, requestHash: hashOf(JSON.stringify(req.body ?? null)), streamId: `idempotency-${hashOf(`${scope}\n${key}`)}` };
};

// --- Answers recorded in the append (routes whose work is one command through the processor) ---

type Recorded = { requestHash: string; status: number; body: unknown; headers: Record<string, string> };
type RecordAnswer = { type: 'RecordAnswer'; data: Recorded & { scope: string; key: string } };
type AnswerRecorded = { type: 'IdempotentRequestAnswered'; data: Recorded & { scope: string; key: string } };

/** The key was answered already (by this command's twin, committed first). */
export class AlreadyAnswered extends Error {
  override readonly name = 'AlreadyAnswered';
  constructor(readonly recorded: Recorded) {
    super('This Idempotency-Key was answered already');
  }
}

/** One stream per (caller, route, key): its one event is the answer, so a second answer conflicts. */
export const idempotencyDecider: StreamDecider<RecordAnswer, Recorded | null, AnswerRecorded> = {
  initialState: null,
  evolve: (_state, { data }) => ({ requestHash: data.requestHash, status: data.status, body: data.body, headers: data.headers }),
  decide: (command, state) => {
    if (state) throw new AlreadyAnswered(state);
    return [{ type: 'IdempotentRequestAnswered', data: command.data }];
  },
};

/** Stands for the global position in a recorded answer; the replay puts the position of the record there. */
const POSITION = '@@position@@';

/**
 * Runs `steps` as one command and answers with `respond`. With an `Idempotency-Key` the answer is
 * stored in the same atomic append as the command's events, so the work and its answer commit
 * together or not at all: a retry (after a lost answer, a crash, a client that gave up) finds the
 * answer and never runs the work twice. A refused command records nothing; its retry is decided again.
 */
export const answerOnce = async (
  deps: { processor: CommandProcessor; eventStore: EventStore },
  request: IdempotentRequest | undefined,
  steps: Step[],
  metadata: EventMetadata,
  respond: (handled: Handled<any, any>[]) => Reply,
): Promise<Reply> => {
  if (!request) return respond(await deps.processor.handleAll(steps, metadata));
  const record: Step = {
    streamId: request.streamId,
    decider: idempotencyDecider,
    // The middleware has just found no answer for this key: appended without reading it again. A
    // twin that answered meanwhile makes the append conflict; the retry reads it and replays its answer.
    fresh: true,
    command: (earlier: Handled<any, any>[]): RecordAnswer => {
      const reply = respond(earlier.map((h) => ({ ...h, position: h.events.length > 0 ? POSITION : '' })));
      const { scope, key, requestHash } = request;
      return { type: 'RecordAnswer', data: { scope, key, requestHash, status: reply.status ?? 200, body: reply.body ?? null, headers: reply.headers ?? {} } };
    },
  };
  try {
    const handled = await deps.processor.handleAll([...steps, record], metadata);
    return respond(handled.slice(0, steps.length));
  } catch (error) {
    if (!(error instanceof AlreadyAnswered)) throw error;
    const recorded = await recordedReply(deps.eventStore, request);
    if (recorded) return recorded;
    throw new HttpProblem(409, 'Request in progress', 'The first request with this Idempotency-Key is still running', {}, { 'Retry-After': '1' });
  }
};

/** The recorded answer as first sent (its position filled in), undefined if none; another body with the key is a 422. */
const recordedReply = async (store: EventStore, request: IdempotentRequest): Promise<Reply | undefined> => {
  const { events } = await store.readStream(request.streamId, { maxCount: 1 });
  const first = events[0];
  if (!first) return undefined;
  const recorded = first.data as Recorded;
  if (recorded.requestHash !== request.requestHash) {
    throw new HttpProblem(422, 'Idempotency-Key reused', 'This Idempotency-Key was used with a different request body');
  }
  const filled = JSON.parse(JSON.stringify({ body: recorded.body, headers: recorded.headers }).replaceAll(POSITION, first.globalPosition)) as Pick<
    Recorded,
    'body' | 'headers'
  >;
  return { status: recorded.status, body: filled.body ?? undefined, headers: { ...filled.headers, 'Idempotent-Replayed': 'true' } };
};

/** Only successful answers are recorded (a refusal records nothing), so a replay is plain JSON. */
const sendReply = (res: Response, reply: Reply): void => {
  if (reply.headers) res.set(reply.headers);
  const status = reply.status ?? 200;
  if (reply.body === undefined) res.status(status).end();
  else res.status(status).json(reply.body);
};

// --- The middleware: per route, so that the scope is the route's pattern ---

const validKey = (key: string) => key.length <= 255 && /^[\x21-\x7e]+$/.test(key);

/**
 * `Idempotency-Key` on a POST, PUT or PATCH: the first answer for a key is replayed for every retry
 * with the same body; the same key with another body is a 422; a retry while the first still runs
 * is a 409. A route marked `idempotency: 'in-append'` records its answer in its own append (see
 * `answerOnce`); other routes keep theirs in `http_idempotency`, written when the answer leaves.
 */
export const idempotency =
  (deps: { pool: Pool; eventStore: EventStore }) =>
  (route: Route): RequestHandler[] => {
    if (!['post', 'put', 'patch'].includes(route.method)) return [];
    const check: RequestHandler = (req, res, next) => {
      const key = req.header('idempotency-key');
      if (key !== undefined && !validKey(key)) return sendProblem(res, 400, { detail: 'Idempotency-Key must be 1 to 255 visible ASCII characters' });
      next();
    };
    if (route.idempotency === 'in-append') {
      return [
        check,
        async (req, res, next) => {
          const key = req.header('idempotency-key');
          if (!key) return next();
          const request = requestOf(req, route, key);
          const recorded = await recordedReply(deps.eventStore, request);
          if (recorded) return sendReply(res, recorded);
          req.idempotency = request;
          next();
        },
      ];
    }
    return [check, tableBacked(deps.pool, route)];
  };

const tableBacked =
  (pool: Pool, route: Route): RequestHandler =>
  async (req, res, next) => {
    const key = req.header('idempotency-key');
    if (!key) return next();
    const { scope, requestHash: hash } = requestOf(req, route, key);
    // A first request that never finished (its process was killed) must not block its retries forever.
    await pool.query(
      `DELETE FROM http_idempotency WHERE scope = $1 AND key = $2 AND status IS NULL AND created_at < now() - interval '${ABANDONED_AFTER_SECONDS} seconds'`,
      [scope, key],
    );
    const inserted = await pool.query('INSERT INTO http_idempotency (scope, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [scope, key, hash]);
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

    // Record the response before it leaves, so that a retry after it arrived is always a replay. A
    // client that disconnects does not release the key: the handler still runs and may still commit.
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
      record.catch((error: unknown) => console.error('[idempotency] could not record the response', error)).finally(() => send(body));
      return res;
    };
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
