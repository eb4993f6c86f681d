import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpProblem } from './problem.ts';
import { parseStrict, parseStrictParts } from './input.ts';

const problemOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpProblem) return { detail: error.detail, errors: (error.extra as { errors: { path: string; code: string }[] }).errors };
    throw error;
  }
  throw new Error('no problem raised');
};

describe('strict input', () => {
  const Search = z.object({ q: z.string().min(1), page: z.coerce.number().int().optional() });

  it('names an unknown field, and takes a known one', () => {
    expect(parseStrict(Search, { q: 'flat' }, 'query')).toEqual({ q: 'flat' });
    const problem = problemOf(() => parseStrict(Search, { q: 'flat', limit: '5' }, 'query'));
    expect(problem.detail).toBe('Unknown query parameter: limit');
    expect(problem.errors).toEqual([{ path: 'limit', message: 'unknown query parameter', code: 'unrecognized_keys' }]);
  });

  it('names an unknown field even when the input is wrong in other ways too', () => {
    const problem = problemOf(() => parseStrict(Search, { limit: '5', page: 'x' }, 'query'));
    expect(problem.detail).toMatch(/^Unknown query parameter: limit; and the query parameters do not match the schema: /);
    expect(problem.errors.map((e) => [e.path, e.code])).toEqual([
      ['limit', 'unrecognized_keys'],
      ['q', 'invalid_type'],
      ['page', 'invalid_type'],
    ]);
  });

  it('a request wrong in several parts hears about each, in one problem', () => {
    const problem = problemOf(() =>
      parseStrictParts([
        { schema: z.object({ id: z.string().regex(/^n_/, 'a notice id') }), sent: { id: 'x' }, part: 'path' },
        { schema: Search, sent: { q: 'flat', limit: '5' }, part: 'query' },
        { schema: undefined, sent: {}, part: 'body' },
      ]),
    );
    expect(problem.detail).toBe('The path parameters do not match the schema: id: a notice id; Unknown query parameter: limit');
    expect(problem.errors.map((e) => [e.path, e.code])).toEqual([
      ['id', 'invalid_format'],
      ['limit', 'unrecognized_keys'],
    ]);
  });

  it('parts that all parse give their values in order', () => {
    expect(
      parseStrictParts([
        { schema: Search, sent: { q: 'flat' }, part: 'query' },
        { schema: undefined, sent: {}, part: 'body' },
      ]),
    ).toEqual([{ q: 'flat' }, undefined]);
  });

  it('knows the fields of every branch of a union, and refinements change nothing', () => {
    const Stay = z.union([z.object({ from: z.string(), to: z.string() }), z.object({ slots: z.string() })]).refine(() => false, 'never');
    const problem = problemOf(() => parseStrict(Stay, { slots: 'x', from: 'y', colour: 'red' }, 'body'));
    expect(problem.errors.filter((e) => e.code === 'unrecognized_keys').map((e) => e.path)).toEqual(['colour']);
  });

  it('names each key a .strict() schema refuses, like any other unknown key', () => {
    const problem = problemOf(() => parseStrict(z.object({ name: z.string() }).strict(), { name: 'Ada', role: 'admin', nested: 1 }, 'body'));
    expect(problem.detail).toBe('Unknown body fields: role, nested');
    expect(problem.errors).toEqual([
      { path: 'role', message: 'unknown body field', code: 'unrecognized_keys' },
      { path: 'nested', message: 'unknown body field', code: 'unrecognized_keys' },
    ]);
  });

  it('names nothing it cannot know: a record or a catch-all takes any key', () => {
    const open = z.record(z.string(), z.string()).refine(() => false, 'never');
    expect(problemOf(() => parseStrict(open, { anything: 'x' }, 'body')).errors.map((e) => e.code)).toEqual(['custom']);
    const loose = z.looseObject({ q: z.string() });
    expect(problemOf(() => parseStrict(loose, { extra: 'x' }, 'body')).errors.map((e) => e.path)).toEqual(['q']);
  });
});
