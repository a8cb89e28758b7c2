import type { CommandHandler, CommandRequest } from './command-handler.ts';
import type { CommandReply } from './reply.ts';

/**
 * How a sender reaches the write path: in-process (the embedded `start`) or over NATS
 * (`@cs/messaging`); the same requests and replies either way.
 */
export type CommandBus = {
  send: (request: CommandRequest) => Promise<CommandReply>;
  close?: () => Promise<void>;
};

/**
 * A command bus that calls the handler in this process.
 *
 * @example
 * const bus = inProcessCommandBus(createCommandHandler({ store, aggregates }));
 * await bus.send({ commandId, type: 'order.place', payload, service: 'order-desk' });
 */
export const inProcessCommandBus = (handler: CommandHandler): CommandBus => ({
  send: (request) => handler.handle(request),
});
