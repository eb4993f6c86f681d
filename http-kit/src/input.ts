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
const unsafeText = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text);

/** Whether any key or value is unsafe text: the walk every request takes, allocating nothing. */
const hasUnsafeText = (value: unknown): boolean => {
  if (typeof value === 'string') return unsafeText(value);
  if (Array.isArray(value)) {
    for (const item of value) if (hasUnsafeText(item)) return true;
    return false;
  }
  if (isRecord(value)) {
    for (const key in value) if (Object.hasOwn(value, key) && (unsafeText(key) || hasUnsafeText(value[key]))) return true;
  }
  return false;
};

const unsafeTextIssues = (value: unknown, path = ''): Issue[] => {
  if (!hasUnsafeText(value)) return [];
  if (typeof value === 'string')
    return unsafeText(value) ? [{ path, message: 'contains a NUL character or an unpaired surrogate', code: 'invalid_string' }] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => unsafeTextIssues(item, join(path, index)));
  if (isRecord(value)) {
    return Object.entries(value).flatMap(([key, item]) =>
      unsafeText(key)
        ? [{ path: join(path, JSON.stringify(key)), message: 'a key contains a NUL character or an unpaired surrogate', code: 'invalid_key' }]
        : unsafeTextIssues(item, join(path, key)),
    );
  }
  return [];
};

/**
 * Keys the client sent that the schema did not keep. zod drops unknown keys of an object; comparing
 * what was sent with what was parsed finds them at any depth, whatever the schema is made of
 * (unions, intersections, refinements), without every schema having to say `.strict()`.
 */
const unknownKeys = (sent: unknown, parsed: unknown, path = ''): string[] => (hasUnknownKeys(sent, parsed) ? unknownKeysAt(sent, parsed, path) : []);

/** Whether `sent` has a key `parsed` lacks, at any depth (the common answer, no, found without allocating). */
const hasUnknownKeys = (sent: unknown, parsed: unknown): boolean => {
  if (Array.isArray(sent) && Array.isArray(parsed) && sent.length === parsed.length) {
    for (let i = 0; i < sent.length; i++) if (hasUnknownKeys(sent[i], parsed[i])) return true;
    return false;
  }
  if (!isRecord(sent) || !isRecord(parsed)) return false;
  for (const key in sent) {
    if (!Object.hasOwn(sent, key)) continue;
    if (!Object.hasOwn(parsed, key) || hasUnknownKeys(sent[key], parsed[key])) return true;
  }
  return false;
};

const unknownKeysAt = (sent: unknown, parsed: unknown, path = ''): string[] => {
  if (Array.isArray(sent) && Array.isArray(parsed) && sent.length === parsed.length) {
    return sent.flatMap((item, index) => unknownKeysAt(item, parsed[index], join(path, index)));
  }
  if (!isRecord(sent) || !isRecord(parsed)) return [];
  return Object.keys(sent).flatMap((key) => (Object.hasOwn(parsed, key) ? unknownKeysAt(sent[key], parsed[key], join(path, key)) : [join(path, key)]));
};

type Json = Record<string, unknown>;
const namedKeys = new WeakMap<z.ZodType, Set<string> | null>();

/** The keys an object's JSON Schema names, or null when it takes keys it cannot name (a record, a catch-all, a reference). */
const keysOf = (node: Json): Set<string> | null => {
  const members = (node.anyOf ?? node.oneOf ?? node.allOf) as Json[] | undefined;
  if (node.$ref || node.patternProperties || (node.additionalProperties !== undefined && node.additionalProperties !== false)) return null;
  if (!members && (node.type !== 'object' || !isRecord(node.properties))) return null;
  const keys = new Set(isRecord(node.properties) ? Object.keys(node.properties) : []);
  for (const member of members ?? []) {
    const more = keysOf(member);
    if (more === null) return null;
    for (const key of more) keys.add(key);
  }
  return keys;
};

/**
 * Keys of `sent` that the schema names nowhere (in any branch of a union), found without parsing:
 * so a request that is wrong in other ways too still hears which of its fields are unknown.
 */
const unnamedKeys = (schema: z.ZodType, sent: unknown): string[] => {
  if (!isRecord(sent)) return [];
  if (!namedKeys.has(schema)) {
    let keys: Set<string> | null = null;
    try {
      keys = keysOf(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json);
    } catch {
      keys = null;
    }
    namedKeys.set(schema, keys);
  }
  const keys = namedKeys.get(schema);
  return keys ? Object.keys(sent).filter((key) => !keys.has(key)) : [];
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
      throw badRequest(
        `Unknown ${nouns[part]}${extra.length > 1 ? 's' : ''}: ${extra.join(', ')}`,
        extra.map((path) => ({ path, message: `unknown ${nouns[part]}`, code: 'unrecognized_keys' })),
      );
    }
    return undefined;
  }
  const parsed = schema.safeParse(sent);
  if (!parsed.success) {
    // A `.strict()` schema reports its unknown keys itself, all in one issue: each is named like the others.
    const strictKeys = parsed.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys' ? issue.keys.map((key) => join(issue.path.map(String).join('.'), key)) : [],
    );
    const unknown = [...new Set([...(part === 'header' ? [] : unnamedKeys(schema, sent)), ...strictKeys])];
    const errors = [
      ...unknown.map((path) => ({ path, message: `unknown ${nouns[part]}`, code: 'unrecognized_keys' })),
      ...parsed.error.issues
        .filter((issue) => issue.code !== 'unrecognized_keys')
        .map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message, code: issue.code })),
    ];
    const unknownDetail = `Unknown ${nouns[part]}${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`;
    const wrong = errors.slice(unknown.length);
    const wrongDetail = `${part === 'body' ? 'body' : `${nouns[part]}s`} do${part === 'body' ? 'es' : ''} not match the schema: ${wrong.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`;
    if (wrong.length === 0) throw badRequest(unknownDetail, errors);
    throw badRequest(unknown.length > 0 ? `${unknownDetail}; and the ${wrongDetail}` : `The ${wrongDetail}`, errors);
  }
  // Headers are open by nature (proxies add their own): only the declared ones are checked.
  const extra = part === 'header' ? [] : unknownKeys(sent, parsed.data);
  if (extra.length > 0) {
    throw badRequest(
      `Unknown ${nouns[part]}${extra.length > 1 ? 's' : ''}: ${extra.join(', ')}`,
      extra.map((path) => ({ path, message: `unknown ${nouns[part]}`, code: 'unrecognized_keys' })),
    );
  }
  return parsed.data;
};

/**
 * Parses several parts of a request (path, query, body) strictly, each as `parseStrict` does; a
 * request wrong in several parts hears about every one in one 400 problem, not only the first.
 */
export const parseStrictParts = (parts: readonly { schema: z.ZodType | undefined; sent: unknown; part: InputPart }[]): unknown[] => {
  const problems: HttpProblem[] = [];
  const values = parts.map(({ schema, sent, part }) => {
    try {
      return parseStrict(schema, sent, part);
    } catch (error) {
      if (!(error instanceof HttpProblem) || error.status !== 400) throw error;
      problems.push(error);
      return undefined;
    }
  });
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) {
    throw badRequest(
      problems.map((p) => p.detail).join('; '),
      problems.flatMap((p) => (p.extra.errors as Issue[] | undefined) ?? []),
    );
  }
  return values;
};

const documented = <S extends z.ZodType>(schema: S, json: Record<string, unknown>): S => schema.meta(json) as S;

/**
 * An integer in a query string, written in decimal only (`0x10`, `1e3`, ` 7` and `` are refused,
 * where `Number()` would take them), documented as an OpenAPI integer.
 */
export const queryInteger = (bounds: { min?: number; max?: number } = {}) => {
  const number = z
    .number()
    .int()
    .min(bounds.min ?? Number.MIN_SAFE_INTEGER)
    .max(bounds.max ?? Number.MAX_SAFE_INTEGER);
  return documented(
    z
      .string()
      .regex(/^-?(0|[1-9]\d{0,15})$/, 'a decimal integer')
      .transform(Number)
      .pipe(number),
    {
      type: 'integer',
      ...(bounds.min !== undefined ? { minimum: bounds.min } : {}),
      ...(bounds.max !== undefined ? { maximum: bounds.max } : {}),
    },
  );
};

/** A decimal number in a query string (`12`, `-9.25`; not `0x10`, `1e3` or `Infinity`), documented as an OpenAPI number. */
export const queryNumber = (bounds: { min?: number; max?: number; positive?: boolean } = {}) => {
  let number = z.number();
  if (bounds.min !== undefined) number = number.min(bounds.min);
  if (bounds.max !== undefined) number = number.max(bounds.max);
  if (bounds.positive) number = number.positive();
  return documented(
    z
      .string()
      .regex(/^-?(0|[1-9]\d{0,15})(\.\d{1,15})?$/, 'a decimal number')
      .transform(Number)
      .pipe(number),
    {
      type: 'number',
      ...(bounds.min !== undefined ? { minimum: bounds.min } : {}),
      ...(bounds.max !== undefined ? { maximum: bounds.max } : {}),
      ...(bounds.positive ? { exclusiveMinimum: 0 } : {}),
    },
  );
};
