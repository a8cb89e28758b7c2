import { describe, expect, it } from 'vitest';
import { defineProjection, isStatementTimeout, isTransient, ProjectionError, schemaOf } from '../src/index.ts';

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

  it('a cancelled statement is transient, a handler error that mentions a timeout is not', () => {
    const pgError = (message: string, code: string) => Object.assign(new Error(message), { code });
    const statementTimeout = pgError('canceling statement due to statement timeout', '57014');
    const userCancel = pgError('canceling statement due to user request', '57014');
    const wrapped = (cause: Error) => new ProjectionError('handler_failed', `kpi v1: error: ${cause.message}`, {}, { cause });
    for (const e of [statementTimeout, userCancel, wrapped(statementTimeout), wrapped(userCancel)]) expect(isTransient(e)).toBe(true);
    expect(isTransient(pgError('canceling statement due to lock timeout', '55P03'))).toBe(true);
    expect(isTransient(new Error('timeout exceeded when trying to connect'))).toBe(true);
    // Only a statement timeout says the batch was too much for the limit (the runner shrinks it).
    expect([statementTimeout, wrapped(statementTimeout)].map(isStatementTimeout)).toEqual([true, true]);
    expect([userCancel, wrapped(userCancel), pgError('canceling statement due to lock timeout', '55P03')].map(isStatementTimeout)).toEqual([false, false, false]);
    // A handler's own error: a poison event, to be dead-lettered, not retried for ever.
    for (const message of ['SLA timeout for ticket t-1 is negative', 'TicketTimeoutSet: missing field "timeout"']) {
      expect(isTransient(wrapped(new Error(message)))).toBe(false);
      expect(isStatementTimeout(wrapped(new Error(message)))).toBe(false);
    }
  });
});
