// Test helper: runs simulated commands through the domain's own schemas and deciders, with the
// cross-aggregate steps the application performs (credit reservation on order.accept, its
// release on order.cancel, return reservation on the order, complaint number claims), all in
// memory. It answers, per command, what the write path would: accepted or the refusal code.
import { aggregates, isDomainError, streamName, type AggregateDefinition, type DomainEvent } from '@cs/domain';
import type { SimCommand } from './types.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAggregate = AggregateDefinition<any, any, any>;

export type ReplayOutcome = { ok: true; events: DomainEvent[] } | { ok: false; code: string; message: string };

/**
 * An in-memory write path over the deciders.
 *
 * @example
 * const w = createReplay();
 * w.send(command); // { ok: true, events: [...] }
 */
export const createReplay = () => {
  const catalogue = new Map<string, AnyAggregate>();
  for (const a of aggregates) for (const type of Object.keys(a.commands)) catalogue.set(type, a);
  const streams = new Map<string, { state: unknown; events: DomainEvent[] }>();
  const numbers = new Map<string, string>();

  const execute = (type: string, data: unknown): ReplayOutcome => {
    const aggregate = catalogue.get(type);
    if (!aggregate) return { ok: false, code: 'unknown_command', message: type };
    const definition = aggregate.commands[type as keyof typeof aggregate.commands] as AnyAggregate['commands'][string];
    const parsed = definition.schema.safeParse(data);
    if (!parsed.success) return { ok: false, code: 'validation', message: JSON.stringify(parsed.error.issues) };
    const id = streamName(aggregate.category, definition.aggregateId(parsed.data));
    const stream: { state: unknown; events: DomainEvent[] } = streams.get(id) ?? { state: aggregate.decider.initialState(), events: [] };
    try {
      const events = aggregate.decider.decide({ type, data: parsed.data }, stream.state) as DomainEvent[];
      for (const e of events) {
        const schema = aggregate.events[e.type as keyof typeof aggregate.events] as AnyAggregate['events'][string] | undefined;
        if (!schema) throw new Error(`decider produced an unknown event ${e.type}`);
        const valid = schema.schema.safeParse(e.data);
        if (!valid.success) throw new Error(`decider produced an invalid ${e.type}: ${JSON.stringify(valid.error.issues)}`);
        stream.state = (aggregate.decider.evolve as (s: unknown, ev: DomainEvent) => unknown)(stream.state, e);
        stream.events.push(e);
      }
      streams.set(id, stream);
      return { ok: true, events };
    } catch (e) {
      if (isDomainError(e)) return { ok: false, code: e.code, message: e.message };
      throw e;
    }
  };

  const orderOf = (orderId: string) => streams.get(streamName('Order', orderId))?.state as { customerId?: string; totalAmountFen?: number; status?: string } | undefined;

  const send = (c: SimCommand): ReplayOutcome => {
    const data = c.payload as Record<string, unknown> & { occurredAt: string };
    switch (c.type) {
      case 'order.accept': {
        const order = orderOf(String(data.orderId));
        if (order?.customerId && order.totalAmountFen !== undefined && (order.status === 'placed' || order.status === 'verified')) {
          const reserve = execute('customer.reserveCredit', { customerId: order.customerId, reservationId: data.orderId, amountFen: order.totalAmountFen, occurredAt: data.occurredAt });
          if (!reserve.ok) {
            const reject = execute('order.reject', { orderId: data.orderId, reason: 'credit_refused', detail: reserve.message, occurredAt: data.occurredAt });
            return reject.ok ? reserve : reject;
          }
        }
        return execute(c.type, data);
      }
      case 'order.cancel': {
        const order = orderOf(String(data.orderId));
        const cancel = execute(c.type, data);
        if (cancel.ok && order?.customerId) {
          execute('customer.releaseCredit', { customerId: order.customerId, reservationId: data.orderId, reason: 'cancellation', occurredAt: data.occurredAt });
        }
        return cancel;
      }
      case 'return.request': {
        const lines = data.lines as { lineId: string; quantity: number }[];
        const reserve = execute('order.reserveReturn', { orderId: data.orderId, returnId: data.returnId, lines, occurredAt: data.occurredAt });
        if (!reserve.ok) return reserve;
        return execute(c.type, data);
      }
      case 'return.reject': {
        const ret = streams.get(streamName('ReturnRequest', String(data.returnId)))?.state as { orderId?: string } | undefined;
        const reject = execute(c.type, data);
        if (reject.ok && ret?.orderId) execute('order.releaseReturn', { orderId: ret.orderId, returnId: data.returnId, reason: String(data.reason), occurredAt: data.occurredAt });
        return reject;
      }
      case 'complaint.receive': {
        const owner = numbers.get(String(data.number));
        if (owner !== undefined && owner !== data.complaintId) return { ok: false, code: 'already_exists', message: `number ${String(data.number)} used` };
        const r = execute(c.type, data);
        if (r.ok) numbers.set(String(data.number), String(data.complaintId));
        return r;
      }
      default:
        return execute(c.type, data);
    }
  };

  return { send, streams };
};
