import type { CommandHandler, CommandRequest } from './command-handler.ts';
import type { CommandReply } from './reply.ts';

/** A command as a sender hands it to a bus; the same shape as the NATS envelope. */
export type CommandEnvelope = {
  commandId: string;
  type: string;
  payload: unknown;
  metadata?: { person?: string | undefined; correlationId?: string | undefined; causationId?: string | undefined };
};

/**
 * How a sender reaches the write path: in-process (the embedded `start`) or over NATS
 * (`natsCommandBus` in `@cs/messaging` has the same shape); the same envelopes and replies
 * either way. `service` is the acting service: over NATS it is what NATS authenticated.
 */
export type CommandBus = {
  send: (envelope: CommandEnvelope, context: { service: string }) => Promise<CommandReply>;
};

/**
 * The handler's request for an envelope sent by `service` (the acting service as the transport
 * authenticated it): every transport in front of the handler (a NATS command service, the
 * in-process bus) passes the declared person, correlation and causation the same way.
 *
 * @example
 * handle: (envelope, context) => handler.handle(requestFromEnvelope(envelope, context.service))
 */
export const requestFromEnvelope = (envelope: CommandEnvelope, service: string): CommandRequest => ({
  commandId: envelope.commandId,
  type: envelope.type,
  payload: envelope.payload,
  service,
  person: envelope.metadata?.person,
  correlationId: envelope.metadata?.correlationId,
  causationId: envelope.metadata?.causationId,
});

/**
 * A command bus that calls the handler in this process.
 *
 * @example
 * const bus = inProcessCommandBus(createCommandHandler({ store, aggregates }));
 * await bus.send({ commandId, type: 'order.place', payload }, { service: 'order-desk' });
 */
export const inProcessCommandBus = (handler: CommandHandler): CommandBus => ({
  send: (envelope, { service }) => handler.handle(requestFromEnvelope(envelope, service)),
});
