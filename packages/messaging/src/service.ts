import type { Msg, NatsConnection, Service, ServiceMsg, Subscription } from 'nats';
import { isDomainError } from '@cs/domain';
import { pino, type Logger } from 'pino';
import type { z } from 'zod';
import { CommandType, Envelope, ServiceName } from './envelope.ts';
import { isReplyErrorCode, MessagingError, type ReplyErrorCode } from './errors.ts';
import { errorReply, fieldErrors, Reply, type ErrorReply } from './reply.ts';
import { parseUntrustedJson } from './safe-json.ts';
import { COMMAND_QUEUE_GROUP, COMMAND_SUBJECT_PREFIX, commandEndpointSubject, parseCommandSubject } from './subjects.ts';

/** One command the service accepts: its type, a description and the zod schema of its data. */
export type CatalogueEntry = { type: string; description: string; schema: z.ZodType };

/** Who sent the command: the service NATS authenticated (last subject token), and the subject. */
export type CommandContext = { service: string; subject: string };

export type CommandServiceOptions = {
  /** Service name in `$SRV` discovery, e.g. 'cs-command-handler'. */
  name: string;
  /** Semantic version, e.g. '1.0.0'. */
  version: string;
  description?: string;
  catalogue: readonly CatalogueEntry[];
  /** Runs a validated command; its reply goes back to the sender. Never called for bad input. */
  handle: (envelope: Envelope, context: CommandContext) => Promise<Reply>;
  /** Largest accepted request body; larger ones get `payload_too_large`. Default 64 KiB. */
  maxPayloadBytes?: number;
  /** Deepest accepted JSON nesting. Default 32. */
  maxDepth?: number;
  /**
   * Commands handled at once by this instance; a request beyond is answered `unavailable` at once
   * (retry with the same command id) instead of waiting in memory for a stalled store. Default 1024.
   */
  maxInFlight?: number;
  /** Queue group of the endpoints. Default `cs-command-handler`. */
  queue?: string;
  /** Subject prefix. Default `cs.cmd`; tests sharing a NATS server use their own. */
  subjectPrefix?: string;
  /**
   * Answer `unknown_command` for command subjects no endpoint serves. Default true. Every
   * service doing so on one server must hold the same catalogue (or use its own prefix), or
   * one would refuse the other's commands.
   */
  answerUnknownCommands?: boolean;
  logger?: Logger;
};

export type CommandService = {
  /** The underlying NATS micro service (`$SRV.PING|INFO|STATS`). */
  service: Service;
  /** Commands being handled right now. */
  inFlight: () => number;
  /** Stops taking requests (drains the subscriptions) and waits for the ones in flight. */
  stop: () => Promise<void>;
};

const encoder = new TextEncoder();

/** Micro-service error status per reply code (the `Nats-Service-Error-Code` header, for tooling). */
const statusOf = (code: string): number => {
  switch (code) {
    case 'validation':
      return 400;
    case 'unauthorized':
      return 403;
    case 'not_found':
    case 'unknown_command':
      return 404;
    case 'conflict_exhausted':
    case 'idempotency_key_reused':
    case 'already_exists':
      return 409;
    case 'payload_too_large':
      return 413;
    case 'internal':
      return 500;
    case 'unavailable':
      return 503;
    default:
      return 422; // a domain rule refused the command
  }
};

/** Endpoint names allow only letters, digits, '-' and '_'. */
const endpointName = (type: string): string => type.replace(/\./g, '-');

/**
 * Serves a command catalogue on NATS with the services framework: one endpoint per command type
 * on `cs.cmd.<type>.*` (queue group `cs-command-handler`), the acting service taken from the last
 * subject token. Bad input (malformed JSON, oversized or too deeply nested payloads, prototype
 * keys, schema violations, unknown command types) gets a coded error reply and `handle` is not
 * called. Error replies also carry the `Nats-Service-Error(-Code)` headers and count in
 * `$SRV.STATS` `num_errors`.
 *
 * @example
 * const svc = await startCommandService(nc, {
 *   name: 'cs-command-handler', version: '1.0.0',
 *   catalogue: [{ type: 'order.place', description: 'Place an order', schema: PlaceOrderData }],
 *   handle: async (envelope, { service }) => handler.handle({ ...envelope, service }),
 * });
 * // later: await svc.stop();
 */
export const startCommandService = async (nc: NatsConnection, options: CommandServiceOptions): Promise<CommandService> => {
  const logger = options.logger ?? pino({ name: options.name });
  const maxBytes = options.maxPayloadBytes ?? 64 * 1024;
  const maxDepth = options.maxDepth ?? 32;
  const maxInFlight = options.maxInFlight ?? 1024;
  const queue = options.queue ?? COMMAND_QUEUE_GROUP;
  const prefix = options.subjectPrefix ?? COMMAND_SUBJECT_PREFIX;
  const catalogue = new Map<string, CatalogueEntry>();
  for (const entry of options.catalogue) {
    if (!CommandType.safeParse(entry.type).success)
      throw new MessagingError('invalid_catalogue', `command type '${entry.type}' is not of the form aggregate.verb`);
    if (catalogue.has(entry.type)) throw new MessagingError('invalid_catalogue', `command type '${entry.type}' listed twice`);
    catalogue.set(entry.type, entry);
  }

  // nats.js 2.x counts an endpoint error (and its processing time) only for the synchronous
  // part of a handler; ours are asynchronous, so we keep the counts here and copy them into the
  // framework's stats record when `$SRV.STATS` asks (statsHandler receives that record).
  type EndpointCounters = { errors: number; lastError?: string; byCode: Record<string, number>; processingNs: number };
  const counters = new Map<string, EndpointCounters>();
  const countersOf = (endpoint: string): EndpointCounters => {
    let c = counters.get(endpoint);
    if (!c) counters.set(endpoint, (c = { errors: 0, byCode: {}, processingNs: 0 }));
    return c;
  };
  const countError = (endpoint: string, reply: ErrorReply) => {
    const c = countersOf(endpoint);
    c.errors++;
    c.lastError = `${reply.error.code}: ${reply.error.message}`;
    c.byCode[reply.error.code] = (c.byCode[reply.error.code] ?? 0) + 1;
  };

  const service = await nc.services.add({
    name: options.name,
    version: options.version,
    description: options.description ?? 'customer-service command handler',
    queue,
    statsHandler: async (endpoint) => {
      const record = endpoint as unknown as {
        name?: string;
        stats?: { num_requests?: number; num_errors?: number; last_error?: string; processing_time?: number; average_processing_time?: number };
      };
      const c = record.name !== undefined ? counters.get(record.name) : undefined;
      const stats = record.stats;
      if (c && stats) {
        stats.num_errors = c.errors;
        if (c.lastError !== undefined) stats.last_error = c.lastError;
        stats.processing_time = c.processingNs;
        stats.average_processing_time = stats.num_requests ? Math.round(c.processingNs / stats.num_requests) : 0;
      }
      return { errors_by_code: c?.byCode ?? {} };
    },
  });

  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const send = (msg: Msg | ServiceMsg, endpoint: string, full: Reply) => {
    if (!msg.reply) return;
    let reply = full;
    let body = encoder.encode(JSON.stringify(reply));
    // a refusal can be larger than its request (zod names every unrecognized key); one over the
    // server's max_payload would make the publish throw and leave the sender without an answer
    const limit = nc.info?.max_payload;
    if (limit !== undefined && body.length + REPLY_HEADROOM_BYTES > limit) {
      reply = shortened(full);
      body = encoder.encode(JSON.stringify(reply));
    }
    try {
      if (reply.ok) msg.respond(body);
      else {
        countError(endpoint, reply);
        if ('respondError' in msg) msg.respondError(statusOf(reply.error.code), reply.error.code, body);
        else msg.respond(body);
      }
    } catch (e) {
      logger.error({ err: e, subject: msg.subject, commandId: reply.commandId }, 'reply not sent');
    }
  };

  const processCommand = async (msg: ServiceMsg, entry: CatalogueEntry, endpoint: string): Promise<void> => {
    const started = performance.now();
    // Every line this command logs names its subject and type (not a child logger per command: that costs a serialisation each).
    const tag = (obj: object): object => ({ subject: msg.subject, type: entry.type, ...obj });
    let reply: Reply;
    let envelope: Envelope | undefined;
    try {
      const checked = validate(msg, entry);
      if (!checked.ok) reply = checked.reply;
      else {
        envelope = checked.envelope;
        reply = await runHandler(checked.envelope, checked.context);
      }
    } catch (e) {
      // validate never throws by design; this guards against a bug turning into a hang
      logger.error(tag({ err: e }), 'unexpected failure while validating a command');
      reply = errorReply('internal', 'internal error', {});
    }
    const fields = {
      commandId: envelope?.commandId ?? (reply.ok ? reply.commandId : reply.commandId),
      correlationId: envelope?.metadata.correlationId,
      service: parseCommandSubject(msg.subject, prefix)?.service,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      outcome: reply.ok ? (reply.duplicate ? 'duplicate' : 'ok') : reply.error.code,
    };
    if (!msg.reply) logger.warn(tag(fields), 'command without a reply subject: nobody can learn its outcome');
    else if (reply.ok) logger.info(tag(fields), 'command handled');
    else logger.info(tag({ ...fields, error: reply.error.message }), 'command refused');
    countersOf(endpoint).processingNs += Math.round((performance.now() - started) * 1e6);
    send(msg, endpoint, reply);

    async function runHandler(env: Envelope, context: CommandContext): Promise<Reply> {
      try {
        const result = await options.handle(env, context);
        const parsed = Reply.safeParse(result);
        if (!parsed.success) {
          logger.error(tag({ commandId: env.commandId, issues: parsed.error.issues }), 'handler returned a malformed reply');
          return errorReply('internal', `internal error (command ${env.commandId})`, { commandId: env.commandId });
        }
        return parsed.data;
      } catch (e) {
        if (isDomainError(e) && isReplyErrorCode(e.code)) return errorReply(e.code, e.message, { commandId: env.commandId });
        logger.error(tag({ err: e, commandId: env.commandId, correlationId: env.metadata.correlationId }), 'command handler threw');
        return errorReply('internal', `internal error (command ${env.commandId})`, { commandId: env.commandId });
      }
    }
  };

  const validate = (
    msg: ServiceMsg,
    entry: CatalogueEntry,
  ): { ok: true; envelope: Envelope; context: CommandContext } | { ok: false; reply: ErrorReply } => {
    const fail = (code: ReplyErrorCode, message: string, extra: { commandId?: string | undefined; fields?: { path: string; message: string }[] | undefined } = {}) => ({
      ok: false as const,
      reply: errorReply(code, message, extra),
    });
    const subject = parseCommandSubject(msg.subject, prefix);
    if (!subject || !ServiceName.safeParse(subject.service).success)
      return fail('unauthorized', `subject '${msg.subject}' does not name a valid sending service`);
    const json = parseUntrustedJson(msg.data, { maxBytes, maxDepth });
    if (!json.ok) return fail(json.code, json.message, { fields: json.fields });
    const commandId = commandIdOf(json.value);
    const parsed = Envelope.safeParse(json.value);
    if (!parsed.success) {
      const fields = fieldErrors(parsed.error.issues);
      return fail('validation', `invalid envelope: ${summary(fields)}`, { commandId, fields });
    }
    const envelope = parsed.data;
    if (envelope.type !== entry.type)
      return fail('validation', `envelope type '${envelope.type}' does not match the subject's '${entry.type}'`, {
        commandId,
        fields: [{ path: 'type', message: `expected '${entry.type}'` }],
      });
    const data = entry.schema.safeParse(envelope.payload);
    if (!data.success) {
      const fields = fieldErrors(data.error.issues, ['payload']);
      return fail('validation', `invalid ${entry.type}: ${summary(fields)}`, { commandId, fields });
    }
    return {
      ok: true,
      envelope: { ...envelope, payload: data.data as Record<string, unknown> },
      context: { service: subject.service, subject: msg.subject },
    };
  };

  for (const entry of catalogue.values()) {
    const name = endpointName(entry.type);
    service.addEndpoint(name, {
      subject: commandEndpointSubject(entry.type, prefix),
      metadata: { type: entry.type, description: entry.description },
      handler: (err, msg) => {
        if (err) {
          logger.error({ err, type: entry.type }, 'endpoint subscription failed');
          return;
        }
        if (inFlight.size >= maxInFlight) {
          const reply = errorReply('unavailable', `the command handler is busy (${maxInFlight} commands in flight); retry with the same command id`, {
            commandId: safeCommandIdOf(msg.data, maxBytes, maxDepth),
          });
          logger.warn({ subject: msg.subject, type: entry.type, commandId: reply.commandId, outcome: 'unavailable' }, 'command refused: too many in flight');
          send(msg, name, reply);
          return;
        }
        track(processCommand(msg, entry, name));
      },
    });
  }

  // Unknown command types: a separate subscription over all command subjects, in its own queue
  // group (sharing the endpoints' group would let it steal their messages). It answers only the
  // subjects no endpoint of this catalogue serves.
  const unknown: Subscription | undefined = options.answerUnknownCommands === false ? undefined : nc.subscribe(`${prefix}.>`, {
    queue: `${queue}-unknown`,
    callback: (err, msg) => {
      if (err) {
        logger.error({ err }, 'unknown-command subscription failed');
        return;
      }
      const subject = parseCommandSubject(msg.subject, prefix);
      if (subject && catalogue.has(subject.type)) return; // an endpoint serves it
      const reply = errorReply(
        'unknown_command',
        subject
          ? `unknown command type '${subject.type}'`
          : `subject '${msg.subject}' is not of the form ${prefix}.<command type>.<service>`,
        { commandId: safeCommandIdOf(msg.data, maxBytes, maxDepth) },
      );
      logger.info({ subject: msg.subject, outcome: 'unknown_command' }, 'command refused');
      if (msg.reply) msg.respond(encoder.encode(JSON.stringify(reply)));
    },
  });

  // the server has registered every subscription once the flush round trip returns, so a
  // request sent right after start (from any connection) reaches this instance
  if (!nc.isClosed()) await nc.flush();
  // nats.js stops the whole service, without calling our handler, when NATS refuses one of its
  // subscriptions (permissions); by now the server has answered every SUB of this start
  if (service.isStopped) {
    const err = await service.stopped;
    if (unknown && !unknown.isClosed()) unknown.unsubscribe();
    throw new MessagingError('invalid_config', `the command service could not start: ${err?.message ?? 'NATS stopped it'}`);
  }
  logger.info({ name: options.name, version: options.version, commands: [...catalogue.keys()], queue, prefix }, 'command service started');

  let stopping: Promise<void> | undefined;
  void service.stopped.then((err) => {
    if (!stopping) logger.error({ err, name: options.name }, 'NATS stopped the command service: no commands are served');
  });
  return {
    service,
    inFlight: () => inFlight.size,
    stop: () =>
      (stopping ??= (async () => {
        await Promise.allSettled([service.stop(), nc.isClosed() || !unknown ? Promise.resolve() : unknown.drain()]);
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        logger.info({ name: options.name }, 'command service stopped');
      })()),
  };
};

/** Room left in a reply for its headers (Nats-Service-Error and -Code) under the server's max_payload. */
const REPLY_HEADROOM_BYTES = 1024;

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`);

/**
 * A reply too large to publish, made small: a refusal keeps its code, command id and duplicate
 * flag, its message and first fields clipped; a success (only a handler's oversized `data`) becomes `internal`.
 */
const shortened = (reply: Reply): ErrorReply => {
  if (reply.ok) return errorReply('internal', `internal error (command ${reply.commandId}): the reply exceeds the server's max_payload`, { commandId: reply.commandId });
  const fields = reply.error.fields;
  return {
    ok: false,
    ...(reply.commandId !== undefined ? { commandId: reply.commandId } : {}),
    error: {
      code: reply.error.code,
      message: clip(reply.error.message, 1000),
      ...(fields && fields.length > 0
        ? { fields: fields.slice(0, 20).map((f) => ({ path: clip(f.path, 200), message: clip(f.message, 200) })) }
        : {}),
    },
    ...(reply.duplicate !== undefined ? { duplicate: reply.duplicate } : {}),
  };
};

/** The command id of a parsed but not yet validated envelope, when it is a usable one. */
const commandIdOf = (value: unknown): string | undefined => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const id = (value as Record<string, unknown>).commandId;
  return typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : undefined;
};

const safeCommandIdOf = (bytes: Uint8Array, maxBytes: number, maxDepth: number): string | undefined => {
  const json = parseUntrustedJson(bytes, { maxBytes, maxDepth });
  return json.ok ? commandIdOf(json.value) : undefined;
};

const summary = (fields: { path: string; message: string }[]): string =>
  fields
    .slice(0, 5)
    .map((f) => `${f.path}: ${f.message}`)
    .join('; ') + (fields.length > 5 ? ` (+${fields.length - 5} more)` : '');
