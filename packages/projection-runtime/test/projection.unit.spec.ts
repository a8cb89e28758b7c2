import { describe, expect, it } from 'vitest';
import { defineProjection, isTransient, ProjectionError, schemaOf } from '../src/index.ts';

const base = {
  name: 'kpi',
  version: 2,
  eventTypes: ['OrderPlaced'],
  migrations: { '202501150930_create': { up: async () => undefined } },
  handle: async () => undefined,
};
const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return e instanceof ProjectionError ? e.code : String(e);
  }
  return 'no error';
};

describe('defineProjection', () => {
  it('accepts a well-formed projection and names its schema', () => {
    expect(schemaOf(defineProjection(base))).toBe('kpi_v2');
  });
  it.each([
    ['a bad name', { name: 'Kpi-2' }],
    ['version 0', { version: 0 }],
    ['no event types', { eventTypes: [] }],
    ['an untimestamped migration', { migrations: { create: { up: async () => undefined } } }],
    ['a bad view name', { views: () => [{ name: 'bad name', select: 'SELECT 1' }] }],
    ['an empty view query', { views: () => [{ name: 'v', select: ' ' }] }],
    ['a bad reader role', { viewReaders: ['analyst; DROP'] }],
    ['a readsMetadata that is not a boolean', { readsMetadata: 'no' }],
    ['a readsChain that is not a boolean', { readsChain: 1 }],
  ])('refuses %s with invalid_projection', (_, patch) => {
    expect(codeOf(() => defineProjection({ ...base, ...patch } as typeof base))).toBe('invalid_projection');
  });
});

describe('isTransient', () => {
  it('tells connection and server-side transient failures from handler bugs', () => {
    expect(isTransient(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransient(new ProjectionError('handler_failed', 'x', {}, { cause: Object.assign(new Error('x'), { code: '08006' }) }))).toBe(true);
    expect(isTransient(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isTransient(new TypeError('cannot read properties of undefined'))).toBe(false);
  });
});
