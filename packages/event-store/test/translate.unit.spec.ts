import { describe, expect, it } from 'vitest';
import { ConcurrencyError, EventStoreError } from '../src/errors.ts';
import { isConnectionLoss, translateSqlError } from '../src/sql/translate.ts';

const pgError = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`server said ${code}`), { code, ...extra });

describe('translateSqlError', () => {
  it('makes every lost or refused connection a retriable unavailable, whatever the 57P cause', () => {
    // admin shutdown, crash shutdown, cannot connect now, database dropped, idle-session timeout; class 08; too many clients; network
    for (const code of ['57P01', '57P02', '57P03', '57P04', '57P05', '08006', '08003', '53300', 'ECONNRESET', 'ECONNREFUSED']) {
      expect(isConnectionLoss(code), code).toBe(true);
      const e = translateSqlError(pgError(code));
      expect(e, code).toBeInstanceOf(EventStoreError);
      expect([e.code, e.retriable], code).toEqual(['unavailable', true]);
    }
  });
  it('keeps statement errors apart from connection loss', () => {
    for (const code of ['23505', '22P02', '40001', '57014', 'CS409', '42P01']) expect(isConnectionLoss(code), code).toBe(false);
    expect(translateSqlError(pgError('23505', { constraint: 'events_stream_version_key' }), { streamId: 'S-1', expected: 2 })).toBeInstanceOf(ConcurrencyError);
    expect(translateSqlError(pgError('22P02')).code).toBe('invalid_event');
    expect([translateSqlError(pgError('40001')).code, translateSqlError(pgError('40001')).retriable]).toEqual(['internal', true]);
    expect([translateSqlError(pgError('42P01')).code, translateSqlError(pgError('42P01')).retriable]).toEqual(['internal', false]);
  });
  it('recognises a lost connection from the driver message when there is no code', () => {
    expect(translateSqlError(new Error('Connection terminated unexpectedly')).code).toBe('unavailable');
  });
});
