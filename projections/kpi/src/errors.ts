/** Stable codes of KPI read-model failures. */
export type KpiErrorCode = 'invalid_event' | 'invalid_settings' | 'invalid_schema' | 'not_installed';

/**
 * The one error the KPI projection raises: a stable `code`, a readable message, details.
 *
 * @example
 * throw new KpiError('invalid_settings', 'unknown time zone "Mars/Olympus"');
 */
export class KpiError extends Error {
  override readonly name = 'KpiError';
  constructor(
    readonly code: KpiErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
