import fc from 'fast-check';

/** The slice of JSON Schema the generated OpenAPI documents use. */
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
};
export type Operation = {
  parameters?: { name: string; in: 'path' | 'query'; schema: JsonSchema }[];
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
  security?: unknown[];
};

export const pollutionKeys = ['__proto__', 'constructor', 'prototype'];

const deep = (depth: number): unknown => (depth === 0 ? 'bottom' : { a: deep(depth - 1) });

const lies = [
  fc.constantFrom(null, true, false, 0, -1, -0.5, 2 ** 31, -(2 ** 63), 2 ** 53 + 1, 1e308, -1e308, '', ' ', '0', '-1', 'NaN', 'Infinity', '1e999'),
  fc.constantFrom('2031-02-30', '2031-13-01', '2031-00-10', '0000-00-00', '31/12/2031', '2031-01-01T25:61:00Z', 'tomorrow', '9999-99-99'),
  fc.constantFrom(
    '__proto__',
    'constructor',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    "'; DROP TABLE es_events; --",
    '\u0000',
    '\uFEFF',
    '\uD800',
    'e\u0301',
    '𝕊𝕥𝕒𝕪',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.double(),
  fc.array(fc.constantFrom(1, 'x', null), { maxLength: 5 }),
  fc.constantFrom({}, [], JSON.parse('{"__proto__": {"polluted": true}}'), { constructor: { prototype: { polluted: true } } }),
];

/** Values that lie, short enough for a URL: wrong types, odd strings, numbers out of every range, dates that do not exist, pollution. */
export const badScalar: fc.Arbitrary<unknown> = fc.oneof(
  ...lies,
  fc.integer({ min: 300, max: 1_500 }).map((n) => 'ß'.repeat(n)),
);

/** The same for bodies, plus huge strings (under the body limit) and deep nesting. */
export const badValue: fc.Arbitrary<unknown> = fc.oneof(
  ...lies,
  fc.integer({ min: 5_000, max: 60_000 }).map((n) => 'ß'.repeat(n)),
  fc.constant(deep(40)),
);

/** JSON written by hand, so that `__proto__` keys go over the wire as keys. */
export const jsonObject = (entries: [string, unknown][]): string =>
  `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;

export const propertiesOf = (schema: JsonSchema | undefined): Record<string, JsonSchema> =>
  schema ? Object.assign({}, ...(schema.allOf ?? []).map(propertiesOf), schema.properties ?? {}) : {};

const typeOf = (schema: JsonSchema): string | undefined => (Array.isArray(schema.type) ? undefined : schema.type);

/** A JSON value of the wrong type for a body property, or `undefined` when any type might do. */
export const wrongType = (schema: JsonSchema): unknown => {
  switch (typeOf(schema)) {
    case 'string':
      return 12_345;
    case 'integer':
    case 'number':
      return 'not a number';
    case 'boolean':
      return 'yes';
    case 'object':
      return 'an object was expected';
    case 'array':
      return { not: 'an array' };
    default:
      return schema.const !== undefined ? { not: 'the constant' } : undefined;
  }
};

/** A query string value its parameter can never accept, or `undefined` if it accepts any string. */
export const invalidQueryValue = (schema: JsonSchema): string | undefined => {
  if (schema.enum) return 'zz-not-one-of-them';
  const type = typeOf(schema);
  if (type === 'integer' || type === 'number') return 'twelve';
  if (type === 'boolean') return 'maybe';
  if (schema.format === 'date') return '2031-02-30';
  if (schema.format === 'date-time') return 'yesterday at noon';
  if (schema.pattern && !new RegExp(schema.pattern, 'u').test('\u0000 <bad>')) return '\u0000 <bad>';
  if (schema.maxLength !== undefined) return 'x'.repeat(schema.maxLength + 1);
  return undefined;
};

/** Percent-encodes like `encodeURIComponent`, but sends a lone surrogate as the invalid UTF-8 it would be (the server must refuse it). */
export const encode = (value: string): string =>
  Array.from(value, (char) => {
    try {
      return encodeURIComponent(char);
    } catch {
      return '%ED%A0%80';
    }
  }).join('');
