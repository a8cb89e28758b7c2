import type { z } from 'zod';
import type { Decider, DomainCommand, DomainEvent } from './decider.ts';

/** How one command type is validated and which stream it addresses. */
export type CommandDefinition<Data = unknown> = {
  /** The zod schema of the command's data (business time `occurredAt` and ids included). */
  schema: z.ZodType<Data>;
  /** The id of the aggregate instance the command addresses, from its validated data. */
  aggregateId: (data: Data) => string;
  /** True when the command creates the stream (appended with `no_stream`). */
  creates?: boolean;
  /** One line for the contract catalogue and `cs send --help`. */
  description: string;
};

/** How one event type is validated and at which schema version it is written today. */
export type EventDefinition<Data = unknown> = {
  schema: z.ZodType<Data>;
  schemaVersion: number;
  description: string;
};

/**
 * Everything the infrastructure needs to know about one aggregate: its stream category,
 * its decider, and the schemas of its commands and events.
 *
 * @example
 * const streamId = `${orderAggregate.category}-${orderId}`;
 */
export type AggregateDefinition<
  C extends DomainCommand = DomainCommand,
  E extends DomainEvent = DomainEvent,
  S = unknown,
> = {
  /** Stream category, e.g. `Order`; a stream is named `${category}-${id}`. */
  category: string;
  decider: Decider<C, E, S>;
  commands: { [T in C['type']]: CommandDefinition<Extract<C, { type: T }>['data']> };
  events: { [T in E['type']]: EventDefinition<Extract<E, { type: T }>['data']> };
};

/** The stream name of an aggregate instance. */
export const streamName = (category: string, id: string): string => `${category}-${id}`;
