import { randomUUID } from 'node:crypto';
import { createCommandHandler, crossAggregateProcesses } from '@cs/application';
import { aggregates } from '@cs/domain';
import type { AppendResult, EventStore } from '@cs/event-store';

/**
 * The real write path on `store` (no NATS): `send(type, payload)` handles one command as the call
 * centre (person wang.fang) and throws on a refusal.
 *
 * @example
 * const send = writePathOn(store); await send('customer.open', customerPayload('C-1', at));
 */
export const writePathOn = (store: EventStore, afterAppend?: (r: AppendResult) => Promise<void>) => {
  const handler = createCommandHandler({ store, aggregates, processes: crossAggregateProcesses, ...(afterAppend ? { afterAppend } : {}) });
  return async (type: string, payload: Record<string, unknown>): Promise<void> => {
    const reply = await handler.handle({ commandId: randomUUID(), type, payload, service: 'call-centre', person: 'wang.fang' });
    if (!reply.ok) throw new Error(`${type}: ${reply.error.code} ${reply.error.message}`);
  };
};

/** The customer.open payload of an enterprise customer `customerId`. */
export const customerPayload = (customerId: string, occurredAt: string): Record<string, unknown> => ({
  customerId, name: 'Customer', contact: { person: 'Wang Fang', phone: '+86 21 5555 0101', email: 'w@example.cn' }, industry: 'electronics',
  region: 'East China', customerType: { kind: 'enterprise', sizeTier: 'medium', ownership: 'private' }, classification: 'suitable', regionalGrade: 'B',
  accountOwner: 'li.na', localSalesperson: 'zhao.lei', creditLimits: { singleOrderCapFen: 1_000_000, outstandingCapFen: 10_000_000 }, occurredAt,
});
