/** Stable codes of the audit package's refusals; the CLI and the NATS endpoint show them as is. */
export type AuditErrorCode =
  | 'complaint_not_found'
  | 'invalid_argument'
  | 'anchor_key_missing'
  | 'anchor_unavailable'
  /** the audit schema (views, access log) is not in the database: run `cs audit setup` */
  | 'audit_not_set_up'
  | 'forbidden';

/**
 * The one error the audit package raises for bad input or a missing record.
 *
 * @example
 * throw new AuditError('complaint_not_found', 'no complaint with number C-2024-0001');
 */
export class AuditError extends Error {
  override readonly name = 'AuditError';
  constructor(
    readonly code: AuditErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** True when `e` is an `AuditError` (also across module copies). */
export const isAuditError = (e: unknown): e is AuditError =>
  e instanceof AuditError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AuditError');
