/** Stable codes of event-store failures; services map them to replies. */
export type EventStoreErrorCode =
  | 'conflict'
  | 'duplicate_command'
  | 'idempotency_key_reused'
  | 'unavailable'
  | 'invalid_event'
  | 'internal';

/**
 * Base of every error an adapter raises; drivers' errors never leak raw.
 * `retriable` is true where the same call may succeed later (connection lost, timeouts).
 */
export class EventStoreError extends Error {
  override readonly name: string = 'EventStoreError';
  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
    readonly retriable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The one optimistic-concurrency error: the stream was not at the expected version. */
export class ConcurrencyError extends EventStoreError {
  override readonly name = 'ConcurrencyError';
  constructor(
    readonly streamId: string,
    readonly expected: string | number,
    readonly actual: number | undefined,
  ) {
    super('conflict', `stream ${streamId}: expected version ${String(expected)}, found ${actual ?? 'unknown'}`, true);
  }
}

/** The command id was already used: `outcome` is the kept reply of its first run. */
export class DuplicateCommandError extends EventStoreError {
  override readonly name = 'DuplicateCommandError';
  constructor(
    readonly commandId: string,
    readonly reply: unknown,
  ) {
    super('duplicate_command', `command ${commandId} was already handled`);
  }
}

/** The command id was already used with a different payload. */
export class IdempotencyKeyReusedError extends EventStoreError {
  override readonly name = 'IdempotencyKeyReusedError';
  constructor(readonly commandId: string) {
    super('idempotency_key_reused', `command id ${commandId} was already used with a different payload`);
  }
}
