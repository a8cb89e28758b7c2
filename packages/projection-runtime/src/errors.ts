/** Stable codes of projection-runtime failures. */
export type ProjectionErrorCode =
  | 'invalid_projection'
  | 'fenced'
  | 'handler_failed'
  | 'invalid_position'
  | 'not_found'
  | 'not_stopped'
  | 'position_mismatch'
  | 'not_caught_up'
  | 'serving'
  | 'view_failed';

/**
 * The one error the runtime raises: a stable `code`, a readable message, details.
 *
 * @example
 * throw new ProjectionError('fenced', 'lease of kpi v1 is held by host-b (epoch 4)');
 */
export class ProjectionError extends Error {
  override readonly name = 'ProjectionError';
  constructor(
    readonly code: ProjectionErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// 57014: a statement cancelled (statement_timeout, or pg_cancel_backend / a client's cancel);
// 55P03: lock_timeout; 25P03: idle_in_transaction_session_timeout. None says anything about the events.
const transientPgCode = /^(08|53|57P0[1-3]|57014|55P03|25P03|40001|40P01)/;
// The driver's own failures, which carry no SQLSTATE. Not a bare "timeout": a handler's own
// error that mentions one (an SLA, a deadline in an event) is a poison event like any other.
const transientMessage =
  /Connection terminated|connection.*(closed|ended|lost|reset)|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|timeout exceeded when trying to connect|Query read timeout/i;
const statementTimeoutMessage = /canceling statement due to statement timeout/i;

/** The error and its causes, outermost first (at most 5). */
const chain = (error: unknown): Error[] => {
  const out: Error[] = [];
  for (let e = error; out.length < 5 && e instanceof Error; e = e.cause) out.push(e);
  return out;
};

/**
 * True for failures that say nothing about the events (lost connection, server shutting
 * down, a cancelled statement, serialization conflicts, a retriable event-store error):
 * retry, never dead-letter.
 *
 * @example
 * if (isTransient(error)) await retryLater();
 */
export const isTransient = (error: unknown): boolean =>
  chain(error).some((e) => {
    const code = (e as { code?: unknown }).code;
    return (typeof code === 'string' && transientPgCode.test(code)) || (e as { retriable?: unknown }).retriable === true || transientMessage.test(e.message);
  });

/**
 * True when PostgreSQL cancelled a statement for exceeding `statement_timeout` ("canceling
 * statement due to statement timeout", SQLSTATE 57014; told by the message, which a handler
 * may pass on without the code, and not by the code, which a cancel request shares): the
 * work was too much for the limit, and a smaller batch may fit.
 *
 * @example
 * if (isStatementTimeout(error)) retryWithSmallerBatch();
 */
export const isStatementTimeout = (error: unknown): boolean => chain(error).some((e) => statementTimeoutMessage.test(e.message));

/** A one-line description of any thrown value, for status rows and logs. */
export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
