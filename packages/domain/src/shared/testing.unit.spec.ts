import { describe, expect, it } from 'vitest';
import type { Decider } from './decider.ts';
import { DomainError } from './errors.ts';
import { deciderSpec, deepEqual } from './testing.ts';

type C = { type: 'add'; n: number };
type E = { type: 'added'; n: number };
const counter: Decider<C, E, number> = {
  decide: (c, s) => {
    if (s + c.n > 10) throw new DomainError('invalid_amount', 'over 10');
    return [{ type: 'added', n: c.n }];
  },
  evolve: (s, e) => s + e.n,
  initialState: () => 0,
};
const spec = deciderSpec(counter);

describe('deciderSpec', () => {
  it('passes on the expected events and fails on others', () => {
    expect(spec.given([{ type: 'added', n: 5 }]).when({ type: 'add', n: 2 }).then([{ type: 'added', n: 2 }])).toHaveLength(1);
    expect(() => spec.given([]).when({ type: 'add', n: 2 }).then([{ type: 'added', n: 3 }])).toThrow(/other events/);
  });
  it('thenThrows passes on the code and fails on another code or on success', () => {
    expect(spec.given([{ type: 'added', n: 9 }]).when({ type: 'add', n: 2 }).thenThrows('invalid_amount').message).toBe('over 10');
    expect(() => spec.given([{ type: 'added', n: 9 }]).when({ type: 'add', n: 2 }).thenThrows('not_found')).toThrow(/'invalid_amount'/);
    expect(() => spec.given([]).when({ type: 'add', n: 2 }).thenThrows('invalid_amount')).toThrow(/produced/);
  });
  it('deepEqual ignores key order and undefined keys', () => {
    expect(deepEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, d: undefined })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 2 })).toBe(false);
    expect(deepEqual([1], { 0: 1 })).toBe(false);
  });
});
