import { z } from 'zod';
import { HttpProblem } from './problem.ts';

export type InputPart = 'path' | 'query' | 'body' | 'header';

type Issue = { path: string; message: string; code: string };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Strings PostgreSQL's jsonb and most log pipelines cannot hold: a NUL character, or a UTF-16
 * surrogate without its partner. Checked in every key and value a client sent, before any schema runs.
 */
export const unsafeTextIssues = (value: unknown, path = ''): Issue[] => {
  const bad = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text);
  if (typeof value === 'string') return bad(value) ? [{ path, message: 'contains a NUL character or an unpaired surrogate', code: 'invalid_string' }] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => unsafeTextIssues(item, join(path, index)));
  if (isRecord(value)) {
    return Object.entries(value).flatMap(([key, item]) =>
      bad(key) ? [{ path: join(path, JSON.stringify(key)), message: 'a key contains a NUL character or an unpaired surrogate', code: 'invalid_key' }] : unsafeTextIssues(item, join(path, key)),
    );
  }
  return [];
};

/**
 * Keys the client sent that the schema did not keep. zod drops unknown keys of an object; comparing
 * what was sent with what was parsed finds them at any depth, whatever the schema is made of
 * (unions, intersections, refinements), without every schema having to say `.strict()`.
 */
export const unknownKeys = (sent: unknown, parsed: unknown, path = ''): string[] => {
  if (Array.isArray(sent) && Array.isArray(parsed) && sent.length === parsed.length) {
    return sent.flatMap((item, index) => unknownKeys(item, parsed[index], join(path, index)));
  }
  if (!isRecord(sent) || !isRecord(parsed)) return [];
  return Object.keys(sent).flatMap((key) => (Object.hasOwn(parsed, key) ? unknownKeys(sent[key], parsed[key], join(path, key)) : [join(path, key)]));
};

const nouns: Record<InputPart, string> = { path: 'path parameter', query: 'query parameter', body: 'body field', header: 'header' };

const badRequest = (detail: string, errors: Issue[]) => new HttpProblem(400, 'Invalid request', detail, { errors });

/**
 * Parses one part of a request strictly: unsafe text, schema errors and unknown keys are each a 400
 * problem that names the offending field. A part without a schema must be empty.
 */
export const parseStrict = (schema: z.ZodType | undefined, sent: unknown, part: InputPart): unknown => {
  const unsafe = unsafeTextIssues(sent);
  if (unsafe.length > 0) throw badRequest(`Unsafe text in ${nouns[part]} ${unsafe.map((i) => i.path || '(value)').join(', ')}`, unsafe);
  if (!schema) {
    const extra = isRecord(sent) ? Object.keys(sent) : [];
    if (extra.length > 0 && part !== 'header') {
      throw badRequest(`Unknown ${nouns[part]}${extra.length > 1 ? 's' : ''}: ${extra.join(', ')}`, extra.map((path) => ({ path, message: `unknown ${nouns[part]}`, code: 'unrecognized_keys' })));
    }
    return undefined;
  }
  const parsed = schema.safeParse(sent);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message, code: issue.code }));
    throw badRequest(`The ${part === 'body' ? 'body' : `${nouns[part]}s`} do${part === 'body' ? 'es' : ''} not match the schema: ${errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`, errors);
  }
  // Headers are open by nature (proxies add their own): only the declared ones are checked.
  const extra = part === 'header' ? [] : unknownKeys(sent, parsed.data);
  if (extra.length > 0) {
    throw badRequest(`Unknown ${nouns[part]}${extra.length > 1 ? 's' : ''}: ${extra.join(', ')}`, extra.map((path) => ({ path, message: `unknown ${nouns[part]}`, code: 'unrecognized_keys' })));
  }
  return parsed.data;
};

const documented = <S extends z.ZodType>(schema: S, json: Record<string, unknown>): S => schema.meta(json) as S;

/**
 * An integer in a query string, written in decimal only (`0x10`, `1e3`, ` 7` and `` are refused,
 * where `Number()` would take them), documented as an OpenAPI integer.
 */
export const queryInteger = (bounds: { min?: number; max?: number } = {}) => {
  const number = z.number().int().min(bounds.min ?? Number.MIN_SAFE_INTEGER).max(bounds.max ?? Number.MAX_SAFE_INTEGER);
  return documented(z.string().regex(/^-?(0|[1-9]\d{0,15})$/, 'a decimal integer').transform(Number).pipe(number), {
    type: 'integer',
    ...(bounds.min !== undefined ? { minimum: bounds.min } : {}),
    ...(bounds.max !== undefined ? { maximum: bounds.max } : {}),
  });
};

/** A decimal number in a query string (`12`, `-9.25`; not `0x10`, `1e3` or `Infinity`), documented as an OpenAPI number. */
export const queryNumber = (bounds: { min?: number; max?: number; positive?: boolean } = {}) => {
  let number = z.number();
  if (bounds.min !== undefined) number = number.min(bounds.min);
  if (bounds.max !== undefined) number = number.max(bounds.max);
  if (bounds.positive) number = number.positive();
  return documented(z.string().regex(/^-?(0|[1-9]\d{0,15})(\.\d{1,15})?$/, 'a decimal number').transform(Number).pipe(number), {
    type: 'number',
    ...(bounds.min !== undefined ? { minimum: bounds.min } : {}),
    ...(bounds.max !== undefined ? { maximum: bounds.max } : {}),
    ...(bounds.positive ? { exclusiveMinimum: 0 } : {}),
  });
};
