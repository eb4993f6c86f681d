import fc from 'fast-check';
import { z } from 'zod';

type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
};

const YEAR_1 = new Date('0001-01-01T00:00:00.000Z');
const YEAR_9999 = new Date('9999-12-31T23:59:59.999Z');
/** Most arrays stay short (speed); bounds still come up, as fast-check favours them. */
const MAX_ITEMS = 12;

const integer = (min: number, max: number) => fc.oneof(fc.constantFrom(min, max), fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number));

/** Strings of any code point, biased towards the edges of the length the schema allows. */
const text = (min: number, max: number) => fc.string({ unit: 'binary', minLength: min, maxLength: max });

const fromJson = (schema: JsonSchema, root: JsonSchema): fc.Arbitrary<unknown> => {
  if (schema.$ref) return fromJson(root.$defs?.[schema.$ref.replace('#/$defs/', '')] ?? {}, root);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return fc.oneof(...union.map((s) => fromJson(s, root)));
  if (schema.allOf?.length === 1) return fromJson(schema.allOf[0]!, root);
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((type) => fromJson({ ...schema, type }, root)));
  switch (schema.type) {
    case 'object': {
      const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, s]) => [key, fromJson(s, root)]));
      return fc.record(properties, { requiredKeys: (schema.required ?? []) as never[] });
    }
    case 'array':
      return fc.array(fromJson(schema.items ?? {}, root), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS)),
      });
    case 'string': {
      if (schema.format === 'date-time') return fc.date({ min: YEAR_1, max: YEAR_9999, noInvalidDate: true }).map((d) => d.toISOString());
      if (schema.format === 'date') return fc.date({ min: YEAR_1, max: YEAR_9999, noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
      if (schema.format === 'uuid') return fc.uuid();
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.pattern)
        return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? Infinity));
      return text(schema.minLength ?? 0, schema.maxLength ?? 300);
    }
    case 'integer':
      return integer(
        Math.max(schema.minimum ?? Number.MIN_SAFE_INTEGER, (schema.exclusiveMinimum ?? -Infinity) + 1),
        Math.min(schema.maximum ?? Number.MAX_SAFE_INTEGER, (schema.exclusiveMaximum ?? Infinity) - 1),
      );
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e300, max: schema.maximum ?? 1e300, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.anything();
  }
};

/**
 * Values the zod schema accepts, drawn from its JSON Schema (bounds, patterns, formats) and kept
 * only where the schema itself parses them (refinements the JSON Schema cannot say).
 */
export const arbitraryOf = <S extends z.ZodType>(schema: S): fc.Arbitrary<z.output<S>> => {
  const json = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as JsonSchema;
  return fromJson(json, json)
    .map((value) => schema.safeParse(value))
    .filter((parsed) => parsed.success)
    .map((parsed) => parsed.data as z.output<S>);
};
