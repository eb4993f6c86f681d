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

/** `text` with its parameters `$1`, `$2`… replaced by their values as literals. */
const inline = (text: string, values: readonly unknown[]): string =>
  values.length === 0
    ? text
    : text.replace(/\$(\d+)/g, (parameter, n: string) => (Number(n) >= 1 && Number(n) <= values.length ? literal(values[Number(n) - 1]) : parameter));

/**
 * The statements a write sends, each with its parameters inlined, so that the whole transaction can
 * go to the server in one round trip (under load each round trip waits for a turn of a busy event
 * loop). Undefined when the write cannot go that way: it reads a result (e.g. rows it locked), uses
 * the client otherwise than for a statement with parameters, or sends a value without a text form;
 * nothing was sent then, and the write runs statement by statement as before.
 */
export const inlinedStatements = async (write: PgWrite): Promise<string[] | undefined> => {
  const statements: string[] = [];
  const recorder = new Proxy(
    {
      query: (text: unknown, values?: readonly unknown[]) => {
        if (typeof text !== 'string') throw new NotInlinable('a query that is not text');
        statements.push(inline(text, values ?? []));
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
