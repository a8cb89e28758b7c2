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

const transientPgCode = /^(08|53|57P0[1-3]|40001|40P01)/;
const transientMessage = /Connection terminated|connection.*(closed|ended|lost|reset)|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|timeout/i;

/**
 * True for failures that say nothing about the events (lost connection, server shutting
 * down, serialization conflicts, a retriable event-store error): retry, never dead-letter.
 *
 * @example
 * if (isTransient(error)) await retryLater();
 */
export const isTransient = (error: unknown): boolean => {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e instanceof Error; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && transientPgCode.test(code)) return true;
    if ((e as { retriable?: unknown }).retriable === true) return true;
    if (transientMessage.test(e.message)) return true;
    e = e.cause;
  }
  return false;
};

/** A one-line description of any thrown value, for status rows and logs. */
export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
