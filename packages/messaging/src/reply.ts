import { z } from 'zod';
import type { ReplyErrorCode } from './errors.ts';

export const FieldError = z.object({ path: z.string(), message: z.string() });
export type FieldError = z.infer<typeof FieldError>;

export const SuccessReply = z.object({
  ok: z.literal(true),
  commandId: z.string(),
  streamId: z.string(),
  version: z.number().int(),
  eventTypes: z.array(z.string()),
  positions: z.array(z.string()),
  duplicate: z.boolean(),
  /** Free-form result of query endpoints; commands leave it out. */
  data: z.unknown().optional(),
});
export type SuccessReply = z.infer<typeof SuccessReply>;

export const ErrorReply = z.object({
  ok: z.literal(false),
  commandId: z.string().optional(),
  error: z.object({
    // Any snake_case code parses, so an older client still reads a code added later;
    // producers use `errorReply`, which only takes the known `ReplyErrorCode`s.
    code: z.string().regex(/^[a-z][a-z0-9_]*$/),
    message: z.string(),
    fields: z.array(FieldError).optional(),
  }),
  /** True when this is the kept reply of an earlier run of the same command id (a kept rejection). */
  duplicate: z.boolean().optional(),
});
export type ErrorReply = z.infer<typeof ErrorReply>;

/**
 * The reply to a command: success with stream, version, event types and positions, or a coded error.
 *
 * @example
 * const reply = Reply.parse(JSON.parse(text));
 * if (!reply.ok) console.log(reply.error.code);
 */
export const Reply = z.discriminatedUnion('ok', [SuccessReply, ErrorReply]);
export type Reply = z.infer<typeof Reply>;

/**
 * Builds a coded error reply.
 *
 * @example
 * errorReply('validation', 'payload.orderId: required', { commandId: 'c-1', fields: [{ path: 'payload.orderId', message: 'required' }] });
 */
export const errorReply = (
  code: ReplyErrorCode,
  message: string,
  options: { commandId?: string | undefined; fields?: FieldError[] | undefined } = {},
): ErrorReply => ({
  ok: false,
  ...(options.commandId !== undefined ? { commandId: options.commandId } : {}),
  error: { code, message, ...(options.fields && options.fields.length > 0 ? { fields: options.fields } : {}) },
});

/**
 * Turns zod issues into wire field errors, prefixing each path (`payload.lines.0.quantity`).
 *
 * @example
 * fieldErrors(result.error.issues, ['payload']);
 */
export const fieldErrors = (issues: readonly z.core.$ZodIssue[], prefix: readonly (string | number)[] = []): FieldError[] =>
  issues.map((i) => ({
    path: [...prefix, ...i.path].map(String).join('.') || '(root)',
    message: i.message,
  }));
