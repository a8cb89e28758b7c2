import { z } from 'zod';

/** A command type: `<aggregate>.<verb>`, NATS-token safe (letters and digits, dot separated). */
export const CommandType = z
  .string()
  .regex(/^[a-z][a-zA-Z0-9]*(\.[a-zA-Z][a-zA-Z0-9]*)+$/, 'command type must look like aggregate.verb');

/** A service name as it appears in the last subject token and in the NATS user names. */
export const ServiceName = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'service name must be lower-case letters, digits and dashes');

/** The idempotency key of a command: 1..128 printable characters. */
export const CommandId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'command id must be printable ASCII without spaces');

export const EnvelopeMetadata = z.strictObject({
  /** The person acting, as declared by the sending service (the service itself is known from NATS). */
  person: z.string().min(1).max(200).optional(),
  correlationId: z.string().min(1).max(128).optional(),
  causationId: z.string().min(1).max(128).optional(),
});
export type EnvelopeMetadata = z.infer<typeof EnvelopeMetadata>;

/**
 * What travels on `cs.cmd.<type>.<service>`: the command id (idempotency key), the type, the
 * command's data (`payload`, with its `occurredAt`) and the declared metadata.
 *
 * @example
 * Envelope.parse({ commandId: 'c-1', type: 'order.place', payload: { orderId: 'O-1', occurredAt: '2024-05-01T08:00:00Z' }, metadata: {} });
 */
export const Envelope = z.strictObject({
  commandId: CommandId,
  type: CommandType,
  payload: z.record(z.string(), z.unknown()),
  metadata: EnvelopeMetadata.default({}),
});
export type Envelope = z.infer<typeof Envelope>;
export type EnvelopeInput = z.input<typeof Envelope>;
