import { randomUUID } from 'node:crypto';
import { ErrorCode, type NatsConnection, type NatsError } from 'nats';
import { Envelope, type EnvelopeMetadata, ServiceName } from './envelope.ts';
import { errorReply, fieldErrors, Reply } from './reply.ts';
import { commandSubject } from './subjects.ts';

export type SendCommandOptions = {
  type: string;
  /** The sending service; must be the NATS user's own name, or NATS refuses the publish. */
  service: string;
  payload: Record<string, unknown>;
  /** The idempotency key; generated once (UUID) when absent and reused by every retry. */
  commandId?: string;
  metadata?: EnvelopeMetadata;
  /** Per attempt. Default 5000 ms. */
  timeoutMs?: number;
  /** Extra attempts after a timeout, "no responders" or an `unavailable` reply. Default 3. */
  retries?: number;
  /** First back-off between attempts, doubled each time up to 30 s. Default 100 ms. */
  backoffMs?: number;
  /** Subject prefix. Default `cs.cmd`; only tests sharing a NATS server change it. */
  subjectPrefix?: string;
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The longest wait between two attempts (Node runs a timer of over ~24.8 days after 1 ms). */
const MAX_BACKOFF_MS = 30_000;

/**
 * The wait before retry `attempt` (1 = the first retry): `firstMs` doubled each time, at most 30 s.
 *
 * @example
 * retryDelayMs(100, 3); // 400
 */
export const retryDelayMs = (firstMs: number, attempt: number): number =>
  Math.min(MAX_BACKOFF_MS, firstMs * 2 ** Math.min(Math.max(0, attempt - 1), 30));

/**
 * Sends a command over NATS on `cs.cmd.<type>.<service>` and returns the parsed reply. The
 * command id is fixed before the first attempt, so retries after a timeout, "no responders"
 * (handler down, NATS reconnecting) or a handler's `unavailable` reply (busy, its store down) are
 * idempotent. Never throws: a payload that cannot be written as JSON is refused as `validation`,
 * a permissions violation becomes `unauthorized`, exhausted retries `unavailable` (the handler's
 * own last `unavailable` reply when it gave one), an unreadable reply `internal`.
 *
 * @example
 * const reply = await sendCommand(nc, { type: 'order.place', service: 'order-desk', payload: { orderId: 'O-1', occurredAt } });
 * if (reply.ok) console.log(reply.streamId, reply.version);
 */
export const sendCommand = async (nc: NatsConnection, options: SendCommandOptions): Promise<Reply> => {
  const commandId = options.commandId ?? randomUUID();
  const checked = Envelope.safeParse({ commandId, type: options.type, payload: options.payload, metadata: options.metadata ?? {} });
  if (!checked.success) {
    const fields = fieldErrors(checked.error.issues);
    return errorReply('validation', fields.map((f) => `${f.path}: ${f.message}`).join('; '), { commandId, fields });
  }
  const service = ServiceName.safeParse(options.service);
  if (!service.success) return errorReply('validation', `invalid service name '${options.service}'`, { commandId, fields: [{ path: 'service', message: 'invalid service name' }] });
  const subject = commandSubject(options.type, options.service, options.subjectPrefix);
  let body: Uint8Array;
  try {
    body = encoder.encode(JSON.stringify(checked.data));
  } catch (e) {
    const message = `the payload cannot be written as JSON (${(e as Error).message})`;
    return errorReply('validation', message, { commandId, fields: [{ path: 'payload', message }] });
  }
  const timeout = options.timeoutMs ?? 5000;
  const retries = options.retries ?? 3;
  const firstBackoff = options.backoffMs ?? 100;
  let lastProblem = '';
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(retryDelayMs(firstBackoff, attempt));
    if (nc.isClosed()) return errorReply('unavailable', 'NATS connection is closed', { commandId });
    try {
      const msg = await nc.request(subject, body, { timeout });
      let parsed: unknown;
      try {
        parsed = JSON.parse(decoder.decode(msg.data));
      } catch {
        return errorReply('internal', 'unreadable reply (not JSON)', { commandId });
      }
      const reply = Reply.safeParse(parsed);
      if (!reply.success) return errorReply('internal', 'reply does not match the reply schema', { commandId });
      // The handler could not finish it (busy, its store down): the same command id again, later
      // (idempotent: a command that did commit answers with its kept reply).
      if (!reply.data.ok && reply.data.error.code === 'unavailable' && attempt < retries) continue;
      return reply.data;
    } catch (e) {
      const code = (e as NatsError).code;
      if (code === ErrorCode.PermissionsViolation) {
        const context = (e as NatsError).permissionContext;
        if (context?.operation === 'subscription')
          return errorReply(
            'unauthorized',
            `this connection may not receive replies on ${context.subject} (connect with inboxPrefix '_INBOX.<service>'); the command may have been applied`,
            { commandId },
          );
        return errorReply('unauthorized', `service '${options.service}' may not send ${options.type}`, { commandId });
      }
      if (code === ErrorCode.Timeout || code === ErrorCode.NoResponders || code === ErrorCode.Disconnect) {
        lastProblem = code === ErrorCode.NoResponders ? 'no command handler is listening' : 'the command handler did not answer in time';
        continue;
      }
      if (code === ErrorCode.MaxPayloadExceeded) return errorReply('payload_too_large', (e as Error).message, { commandId });
      return errorReply('unavailable', `request failed: ${(e as Error).message}`, { commandId });
    }
  }
  return errorReply(
    'unavailable',
    `${lastProblem} after ${retries + 1} attempts; the command may have been applied: retry with the same commandId`,
    { commandId },
  );
};

/** How a sender reaches the write path: over NATS here, in-process in the application layer. */
export type CommandBus = {
  send: (envelope: Envelope, context: { service: string }) => Promise<Reply>;
};

/**
 * A command bus over NATS: each `send` is a `sendCommand` with the envelope's command id.
 *
 * @example
 * const bus = natsCommandBus(nc, { timeoutMs: 3000 });
 * await bus.send({ commandId: 'c-1', type: 'order.cancel', payload, metadata: { person: 'li.wei' } }, { service: 'order-desk' });
 */
export const natsCommandBus = (
  nc: NatsConnection,
  defaults: Pick<SendCommandOptions, 'timeoutMs' | 'retries' | 'backoffMs' | 'subjectPrefix'> = {},
): CommandBus => ({
  send: (envelope, { service }) =>
    sendCommand(nc, {
      ...defaults,
      type: envelope.type,
      service,
      payload: envelope.payload,
      commandId: envelope.commandId,
      metadata: envelope.metadata,
    }),
});

