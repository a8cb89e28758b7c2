import { ConcurrencyError, EventStoreError } from '../errors.ts';

const networkCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

/**
 * The error codes of a connection that is gone or was never had: SQLSTATE class 08 (connection
 * exception), 57P* (server shutdown or crash, cannot connect now, database dropped, idle-session
 * timeout: each ends the session), 53300 (too many connections), and Node's network errors.
 * Whether a statement sent then took effect is unknown, so callers treat it as `unavailable`.
 *
 * @example
 * isConnectionLoss('57P01'); // true; isConnectionLoss('23505') -> false
 */
export const isConnectionLoss = (code: string): boolean =>
  code.startsWith('08') || code.startsWith('57P') || code === '53300' || networkCodes.has(code);

/**
 * Turns a driver error (pg, PGlite, Node network errors) into the store's coded errors, so no
 * raw driver error leaks: unique violation on (stream, version) -> ConcurrencyError; lost or
 * refused connections -> `unavailable` (retriable); bad values -> `invalid_event`; the rest ->
 * `internal`. EventStoreErrors pass through unchanged.
 *
 * @example
 * try { await tx.query(sql) } catch (e) { throw translateSqlError(e, { streamId, expected }) }
 */
export const translateSqlError = (error: unknown, context: { streamId?: string; expected?: string | number } = {}): EventStoreError => {
  if (error instanceof EventStoreError) return error;
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (code === '23505') {
    if (e.constraint === 'events_stream_version_key') return new ConcurrencyError(context.streamId ?? 'unknown', context.expected ?? 'unknown', undefined);
    if (e.constraint === 'events_event_id_key') return new EventStoreError('invalid_event', 'an event with this id already exists', false, { cause: error });
    return new EventStoreError('internal', `unique violation: ${message}`, false, { cause: error });
  }
  if (isConnectionLoss(code))
    return new EventStoreError('unavailable', `database unavailable: ${message}`, true, { cause: error });
  if (code === '40001' || code === '40P01') return new EventStoreError('internal', `transaction aborted (${code}), retry: ${message}`, true, { cause: error });
  if (code.startsWith('22')) return new EventStoreError('invalid_event', `invalid value: ${message}`, false, { cause: error });
  if (/Connection terminated|connection.*(closed|ended)|Client has encountered a connection error|PGlite is closed|pool.*(ended|end on a pool)/i.test(message))
    return new EventStoreError('unavailable', `database unavailable: ${message}`, true, { cause: error });
  return new EventStoreError('internal', `event store failure: ${message}`, false, { cause: error });
};
