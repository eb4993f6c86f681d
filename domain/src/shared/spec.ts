// Test-only helper: imports vitest, so it stays out of the shared barrel (import it by path).
import { expect } from 'vitest';
import { fold, type Decider } from './decider.ts';
import { DomainError, type ErrorCode } from './errors.ts';

/** One row of a table-style spec: given events, when a command, then events or an error. */
export type SpecCase<Command, Event> = { name: string; given?: Event[]; when: Command } & (
  | { then: Event[] }
  | { throws: ErrorCode; details?: Record<string, unknown> }
);

/**
 * `specFor(decider).given(events).when(command).then(events)` or `.thenThrows(code, details?)`.
 * `then` also checks that the events are plain JSON data and that `evolve` accepts them.
 */
export const specFor = <Command, State, Event>(decider: Decider<Command, State, Event>) => {
  const given = (history: Event[] = []) => ({
    when: (command: Command) => {
      const decide = () => decider.decide(command, fold(decider, history));
      return {
        then: (expected: Event[]): Event[] => {
          const events = decide();
          expect(events).toEqual(expected);
          expect(JSON.parse(JSON.stringify(events))).toEqual(events);
          fold(decider, [...history, ...events]);
          return events;
        },
        thenThrows: (code: ErrorCode, details?: Record<string, unknown>): DomainError => {
          let events: Event[];
          try {
            events = decide();
          } catch (error) {
            expect(error).toBeInstanceOf(DomainError);
            const domainError = error as DomainError;
            expect(domainError.code).toBe(code);
            if (details) expect(domainError.details).toMatchObject(details);
            return domainError;
          }
          throw new Error(`Expected ${code} but decided ${JSON.stringify(events)}`);
        },
      };
    },
  });
  /** Runs one table row: `it.each(cases)('$name', spec.run)`. */
  const run = (row: SpecCase<Command, Event>): void => {
    const when = given(row.given).when(row.when);
    if ('then' in row) when.then(row.then);
    else when.thenThrows(row.throws, row.details);
  };
  return { given, run };
};
