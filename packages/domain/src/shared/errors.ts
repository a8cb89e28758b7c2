/**
 * Every rule a decider can refuse a command for, as a stable string code.
 * Services map these codes to replies on the wire; the codes never change meaning.
 */
export const domainErrorCodes = [
  // generic lifecycle
  'not_found',
  'already_exists',
  'invalid_state',
  'out_of_order_time',
  'invalid_quantity',
  'invalid_amount',
  'unknown_line',
  // customer account
  'account_not_active',
  'account_closed',
  'credit_limit_exceeded',
  'single_order_limit_exceeded',
  'reservation_not_found',
  'visitor_is_local_salesperson',
  'invalid_customer_type',
  // order
  'order_not_cancellable',
  'order_lost',
  'quantity_exceeds_ordered',
  'return_exceeds_delivered',
  // complaint
  'complaint_not_resolved',
  'callback_required',
  'complaint_closed',
  // service standard
  'invalid_standard',
] as const;

export type DomainErrorCode = (typeof domainErrorCodes)[number];

/**
 * The one error a decider throws: a stable `code` and a readable message.
 *
 * @example
 * throw new DomainError('credit_limit_exceeded', 'outstanding 12000 + 5000 > cap 15000');
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** True when `e` is a `DomainError` (also across module copies). */
export const isDomainError = (e: unknown): e is DomainError =>
  e instanceof DomainError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'DomainError');
