/** Stable error codes of the write path (the domain's rule codes come on top). */
export const applicationErrorCodes = [
  'validation',
  'unknown_command',
  'not_found',
  'conflict_exhausted',
  'idempotency_key_reused',
  'unauthorized',
  'payload_too_large',
  'unavailable',
  'internal',
] as const;
export type ApplicationErrorCode = (typeof applicationErrorCodes)[number];

export type FieldError = { path: string; message: string };

/** What a command did: the events it appended, or a coded error. Kept under its command id. */
export type CommandReply =
  | {
      ok: true;
      commandId: string;
      streamId: string;
      /** The stream's version after the command (unchanged when it changed nothing). */
      version: number;
      eventTypes: string[];
      positions: string[];
      /** True when this is the kept reply of an earlier run of the same command id. */
      duplicate: boolean;
    }
  | {
      ok: false;
      commandId: string;
      error: { code: string; message: string; fields?: FieldError[] };
      duplicate?: boolean;
    };

/** A coded error reply. */
export const errorReply = (commandId: string, code: string, message: string, fields?: FieldError[]): CommandReply => ({
  ok: false,
  commandId,
  error: fields ? { code, message, fields } : { code, message },
});
