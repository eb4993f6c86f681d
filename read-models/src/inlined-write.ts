import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type pg from 'pg';
import type { PgWrite } from './pg-documents.ts';

/** The driver's own conversion of a parameter to the text it sends (arrays as array literals, objects as JSON, dates…). */
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue(value: unknown): unknown };

/** A write asked for something an inlined statement cannot give: a result, or a value with no text form. */
class NotInlinable extends Error {}

/** A query's answer to a write that only sends statements: reading anything of it is a write that cannot be inlined. */
const unreadable: object = new Proxy(
  {},
  {
    // `then` is asked by `await` itself (is it a promise?): the answer is no.
    get: (_target, property) => {
      if (property === 'then') return undefined;
      throw new NotInlinable(`reads ${String(property)} of a result`);
    },
  },
);

/**
 * A parameter as a SQL literal: what the driver would send for it, dollar-quoted with a tag it does
 * not contain (nothing inside is escaped: one scan of a large JSON document, not a copy per
 * character), NULL for null.
 */
const literal = (value: unknown): string => {
  const prepared: unknown = prepareValue(value);
  if (prepared === null || prepared === undefined) return 'NULL';
  if (typeof prepared !== 'string') throw new NotInlinable('a value without a text form');
  let tag = '$v$';
  for (let n = 1; prepared.includes(tag) || prepared.endsWith(tag.slice(0, -1)); n++) tag = `$v${n}$`;
  return `${tag}${prepared}${tag}`;
};

/** A statement of a write with its parameters as SQL literals: sent inlined, or as an `EXECUTE` of it prepared (see `preparedStatements`). */
export type InlinedStatement = { text: string; literals: readonly string[] };

/** A statement and its parameters, the parameters made literals (throws `NotInlinable` for a value without a text form). */
export const statementOf = (text: string, values: readonly unknown[] = []): InlinedStatement => ({ text, literals: values.map(literal) });

/** `text` with its parameters `$1`, `$2`… replaced by their literals. */
const inline = ({ text, literals }: InlinedStatement): string =>
  literals.length === 0
    ? text
    : text.replace(/\$(\d+)/g, (parameter, n: string) => (Number(n) >= 1 && Number(n) <= literals.length ? literals[Number(n) - 1]! : parameter));

/**
 * The statements a write sends, each with its parameters as literals, so that the whole transaction
 * can go to the server in one round trip (under load each round trip waits for a turn of a busy event
 * loop). Undefined when the write cannot go that way: it reads a result (e.g. rows it locked), uses
 * the client otherwise than for a statement with parameters, or sends a value without a text form;
 * nothing was sent then, and the write runs statement by statement as before.
 */
export const recordedStatements = async (write: PgWrite): Promise<InlinedStatement[] | undefined> => {
  const statements: InlinedStatement[] = [];
  const recorder = new Proxy(
    {
      query: (text: unknown, values?: readonly unknown[]) => {
        if (typeof text !== 'string') throw new NotInlinable('a query that is not text');
        statements.push(statementOf(text, values));
        return Promise.resolve(unreadable);
      },
    },
    {
      get: (target, property) => {
        if (property === 'query') return target.query;
        if (property === 'then') return undefined;
        throw new NotInlinable(`uses ${String(property)} of the client`);
      },
    },
  ) as unknown as pg.PoolClient;
  try {
    await write(recorder);
    return statements;
  } catch (error) {
    if (error instanceof NotInlinable) return undefined;
    throw error;
  }
};

/** The statements a write sends, each with its parameters inlined (see `recordedStatements`). */
export const inlinedStatements = async (write: PgWrite): Promise<string[] | undefined> => (await recordedStatements(write))?.map(inline);

/** Per connection, the statements prepared on it (by name); per process, the texts the server would not prepare. */
const preparedOn = new WeakMap<pg.ClientBase, Set<string>>();
const notPreparable = new Set<string>();

const nameOf = (text: string) => `stayhub_rt_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;

/** The highest parameter a text refers to (`$3` → 3): a statement is prepared only when it uses every parameter it is given. */
const highestParameter = (text: string) => {
  let highest = 0;
  for (const [, n] of text.matchAll(/\$(\d+)/g)) highest = Math.max(highest, Number(n));
  return highest;
};

/**
 * `statements` as `client` sends them in one round trip: each statement with parameters as an
 * `EXECUTE` of it prepared on that connection, its parameters the same literals, so the server
 * parses and plans it once per connection (then runs its cached plan) instead of on every batch:
 * a projection's statements are the same few texts batch after batch, and their parsing and planning
 * cost the server as much as some of them take to run. A statement not yet prepared on the connection
 * is prepared first, in a round trip of its own, outside any transaction (a prepared statement is the
 * session's, not a transaction's); one the server will not prepare (a parameter whose type it cannot
 * tell) goes inlined, as does a statement without parameters.
 */
export const preparedStatements = async (client: pg.ClientBase, statements: readonly InlinedStatement[]): Promise<string[]> => {
  const prepared = preparedOn.get(client) ?? new Set<string>();
  preparedOn.set(client, prepared);
  const sent: string[] = [];
  for (const statement of statements) {
    const { text, literals } = statement;
    if (literals.length === 0 || notPreparable.has(text) || highestParameter(text) !== literals.length) {
      sent.push(inline(statement));
      continue;
    }
    const name = nameOf(text);
    if (!prepared.has(name)) {
      try {
        await client.query(`PREPARE ${name} AS ${text}`);
        prepared.add(name);
      } catch (error) {
        const code = String((error as { code?: string }).code ?? '');
        if (code === '42P05') {
          prepared.add(name); // already prepared on this connection
        } else {
          // The statement itself (class 42: a type the server cannot tell, say) will never prepare; anything else may be passing.
          if (code.startsWith('42')) notPreparable.add(text);
          sent.push(inline(statement));
          continue;
        }
      }
    }
    sent.push(`EXECUTE ${name}(${literals.join(', ')})`);
  }
  return sent;
};
