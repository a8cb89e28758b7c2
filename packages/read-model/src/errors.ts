/** Stable codes of read-model failures. */
export type ReadModelErrorCode = 'invalid_config' | 'invalid_migration' | 'migration_failed' | 'invalid_identifier';

/**
 * The one error the read-model package raises: a stable `code` and a readable message.
 *
 * @example
 * throw new ReadModelError('invalid_migration', 'migration name "x" does not start with a timestamp');
 */
export class ReadModelError extends Error {
  override readonly name = 'ReadModelError';
  constructor(
    readonly code: ReadModelErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
