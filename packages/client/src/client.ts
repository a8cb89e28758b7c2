import { randomUUID } from 'node:crypto';
import {
  complaintAggregate,
  customerAccountAggregate,
  orderAggregate,
  returnRequestAggregate,
  serviceImprovementAggregate,
  serviceStandardAggregate,
  type CommandDefinition,
} from '@cs/domain';
import { errorReply, fieldErrors, sendCommand, type Reply } from '@cs/messaging';
import type { NatsConnection } from 'nats';
import type { z } from 'zod';

/**
 * The aggregates the typed client knows at compile time (add one here when it lands in the
 * domain). Commands of other aggregates are still reachable with `client.send(type, data)`.
 */
export const clientAggregates = [
  customerAccountAggregate,
  orderAggregate,
  complaintAggregate,
  returnRequestAggregate,
  serviceStandardAggregate,
  serviceImprovementAggregate,
] as const;

type Known = (typeof clientAggregates)[number];
type CommandDefinitions = UnionToIntersection<Known['commands']>;
type CommandMap = { [K in keyof CommandDefinitions]: CommandDefinitions[K] extends CommandDefinition<infer D> ? D : never };
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Every command type the typed client knows, e.g. `order.place`. */
export type CommandType = keyof CommandMap & string;
/** The data of one command type, as its zod schema validates it. */
export type CommandData<T extends CommandType> = CommandMap[T];

/** Per call: the idempotency key (generated once when absent), the person acting, tracing ids. */
export type CallOptions = { commandId?: string; person?: string; correlationId?: string; causationId?: string };

type GroupOf<T> = T extends `${infer G}.${string}` ? G : never;
type VerbOf<T, G extends string> = T extends `${G}.${infer V}` ? V : never;

/** `client.order.place(data, options)`: one method per command, grouped by the part before the dot. */
export type TypedCommands = {
  [G in GroupOf<CommandType>]: {
    [V in VerbOf<CommandType, G>]: (data: CommandData<`${G}.${V}` & CommandType>, options?: CallOptions) => Promise<Reply>;
  };
};

export type ClientOptions = {
  /** The sending service: the NATS user this connection authenticated as. */
  service: string;
  /** Per attempt. Default 5000 ms. */
  timeoutMs?: number;
  /** Extra attempts after a timeout or "no responders", always with the same command id. Default 3. */
  retries?: number;
  backoffMs?: number;
  /** Only tests sharing a NATS server change it. */
  subjectPrefix?: string;
  /** Validate data against the command's schema before sending (default true). */
  validate?: boolean;
  /** Makes the command ids (default: random UUIDs). */
  newCommandId?: () => string;
};

export type Client = TypedCommands & {
  /** Sends any command by type (also ones the typed surface does not know). */
  send: (type: string, data: Record<string, unknown>, options?: CallOptions) => Promise<Reply>;
  /** The command types this client validates locally, with their descriptions. */
  commands: () => { type: string; description: string }[];
};

const definitions = (): Map<string, CommandDefinition> => {
  const map = new Map<string, CommandDefinition>();
  for (const a of clientAggregates) for (const [type, def] of Object.entries(a.commands)) map.set(type, def as CommandDefinition);
  return map;
};

/**
 * A typed client for the write path over NATS, inferred from the domain's zod schemas. Each
 * call validates the data locally (a bad one gets a `validation` reply without a round trip),
 * fixes the command id once and sends it with messaging's `sendCommand`, which retries timeouts
 * with that same id, so a retried command has one effect.
 *
 * @example
 * const client = createClient(nc, { service: 'order-desk' });
 * const reply = await client.order.place({ orderId: 'O-1', customerId: 'C-1', channel: 'phone', lines, urgent: false, dispatchPreference: 'standard', occurredAt }, { person: 'li.na' });
 * if (!reply.ok) console.error(reply.error.code, reply.error.message);
 */
export const createClient = (nc: NatsConnection, options: ClientOptions): Client => {
  const defs = definitions();
  const newId = options.newCommandId ?? randomUUID;
  const send = async (type: string, data: Record<string, unknown>, call: CallOptions = {}): Promise<Reply> => {
    const commandId = call.commandId ?? newId();
    const def = defs.get(type);
    if (def && options.validate !== false) {
      const checked = (def.schema as z.ZodType).safeParse(data);
      if (!checked.success) {
        const fields = fieldErrors(checked.error.issues, ['payload']);
        return errorReply('validation', `invalid ${type}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, { commandId, fields });
      }
    }
    const metadata = {
      ...(call.person !== undefined ? { person: call.person } : {}),
      ...(call.correlationId !== undefined ? { correlationId: call.correlationId } : {}),
      ...(call.causationId !== undefined ? { causationId: call.causationId } : {}),
    };
    return sendCommand(nc, {
      type,
      service: options.service,
      payload: data,
      commandId,
      metadata,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
      ...(options.subjectPrefix !== undefined ? { subjectPrefix: options.subjectPrefix } : {}),
    });
  };
  const groups: Record<string, Record<string, (data: Record<string, unknown>, call?: CallOptions) => Promise<Reply>>> = {};
  for (const type of defs.keys()) {
    const dot = type.indexOf('.');
    const group = type.slice(0, dot);
    const verb = type.slice(dot + 1);
    (groups[group] ??= {})[verb] = (data, call) => send(type, data, call);
  }
  return {
    ...(groups as unknown as TypedCommands),
    send,
    commands: () => [...defs.entries()].map(([type, def]) => ({ type, description: def.description })),
  };
};
