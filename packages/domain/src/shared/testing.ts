import type { Decider } from './decider.ts';
import { isDomainError } from './errors.ts';
import type { DomainErrorCode } from './errors.ts';

/**
 * Structural equality for plain data (objects, arrays, primitives): key order is ignored,
 * `undefined`-valued keys count as absent (as they would after a JSON round trip).
 *
 * @example
 * deepEqual({ a: 1, b: [2] }, { b: [2], a: 1 }) // true
 */
export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(rb, k) && deepEqual(ra[k], rb[k]));
};

const show = (x: unknown): string => JSON.stringify(x, null, 2);

/** What `given(...).when(...)` returns: assert the events produced, or the refusal code. */
export type DeciderSpecResult<E> = {
  /** Asserts the command produced exactly these events (in order); returns them. */
  then: (expected: E[]) => E[];
  /** Asserts the command was refused with a `DomainError` of this code; returns the error. */
  thenThrows: (code: DomainErrorCode) => Error;
  /** The produced events, for custom assertions (throws what `decide` throws). */
  events: () => E[];
};

/**
 * Given/when/then for deciders (after Emmett's `DeciderSpecification`). Pure: it throws a plain
 * `Error` with both sides printed when an expectation fails, so any test runner reports it.
 *
 * @example
 * const spec = deciderSpec(orderDecider);
 * spec.given([placed]).when(verify).then([verified]);
 * spec.given([]).when(verify).thenThrows('not_found');
 */
export const deciderSpec = <C, E, S>(decider: Decider<C, E, S>) => ({
  given: (history: E[]) => ({
    when: (command: C): DeciderSpecResult<E> => {
      const run = () => decider.decide(command, history.reduce(decider.evolve, decider.initialState()));
      return {
        events: run,
        then: (expected) => {
          const actual = run();
          if (!deepEqual(actual, expected)) {
            throw new Error(`decider produced other events\nexpected: ${show(expected)}\nactual: ${show(actual)}`);
          }
          return actual;
        },
        thenThrows: (code) => {
          let produced: E[];
          try {
            produced = run();
          } catch (e) {
            if (isDomainError(e) && e.code === code) return e;
            throw new Error(
              `expected a DomainError '${code}', got ${isDomainError(e) ? `'${e.code}': ${e.message}` : String(e)}`,
            );
          }
          throw new Error(`expected a DomainError '${code}', but the decider produced ${show(produced)}`);
        },
      };
    },
  }),
});
