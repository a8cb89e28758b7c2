import { domainErrorCodes } from '@cs/domain';

/** Error codes of the transport and the write path; stable on the wire. */
export const transportErrorCodes = [
  'validation',
  'not_found',
  'conflict_exhausted',
  'idempotency_key_reused',
  'unauthorized',
  'payload_too_large',
  'unknown_command',
  'internal',
  'unavailable',
] as const;

/**
 * Every code an error reply may carry: the transport codes plus the domain's rule codes.
 *
 * @example
 * replyErrorCodes.includes('credit_limit_exceeded'); // true
 */
export const replyErrorCodes: readonly ReplyErrorCode[] = [...new Set([...transportErrorCodes, ...domainErrorCodes])];

export type TransportErrorCode = (typeof transportErrorCodes)[number];
export type ReplyErrorCode = TransportErrorCode | (typeof domainErrorCodes)[number];

/**
 * True when `code` is one of the known reply error codes.
 *
 * @example
 * isReplyErrorCode('validation'); // true
 * isReplyErrorCode('oops'); // false
 */
export const isReplyErrorCode = (code: string): code is ReplyErrorCode => (replyErrorCodes as readonly string[]).includes(code);

export type MessagingErrorCode = 'invalid_config' | 'invalid_catalogue';

/**
 * A coded error for mistakes made when wiring messaging (bad environment, bad catalogue).
 * Bad input on the wire never throws: it becomes an error reply.
 *
 * @example
 * throw new MessagingError('invalid_config', 'NATS_URL: invalid url', [{ path: 'NATS_URL', message: 'invalid url' }]);
 */
export class MessagingError extends Error {
  override readonly name = 'MessagingError';
  constructor(
    readonly code: MessagingErrorCode,
    message: string,
    readonly fields: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}
