// Complaint histories made by the REAL write path: the domain's aggregates and deciders behind
// createCommandHandler with the cross-aggregate processes (complaint numbers are claimed on
// `ComplaintNumber-<number>`), each stream head anchored after each append.
import { randomInt, randomUUID } from 'node:crypto';
import { createCommandHandler, crossAggregateProcesses, type CommandReply } from '@cs/application';
import { aggregates } from '@cs/domain';
import type { EventStore } from '@cs/event-store';
import { anchorStreamHead, memoryAnchors, type AnchorSink, type AnchorSource } from '../src/index.ts';

export const KEY = 'test-anchor-key-0123456789abcdef0123456789';

export type Writer = {
  send: (type: string, payload: Record<string, unknown>, person?: string) => Promise<CommandReply & { ok: true }>;
  anchors: AnchorSink & AnchorSource;
};

/**
 * A write path over `store` whose every append anchors the stream head in memory.
 *
 * @example
 * const w = writer(store); await w.send('customer.open', openCustomer('C-1', at()));
 */
export const writer = (store: EventStore, anchors: AnchorSink & AnchorSource = memoryAnchors()): Writer => {
  const handler = createCommandHandler({
    store,
    aggregates,
    processes: crossAggregateProcesses,
    afterAppend: async (r) => {
      await anchorStreamHead({ store, sink: anchors, key: KEY, now: () => new Date().toISOString() }, r.streamId);
    },
  });
  return {
    anchors,
    send: async (type, payload, person = 'wang.fang') => {
      const reply = await handler.handle({ commandId: randomUUID(), type, payload, service: 'call-centre', person });
      if (!reply.ok) throw new Error(`${type} refused: ${reply.error.code}: ${reply.error.message}`);
      return reply;
    },
  };
};

/** A business clock: each call is `stepHours` after the previous one. */
export const clock = (start = '2024-05-01T08:00:00.000Z', stepHours = 1) => {
  let t = Date.parse(start) - stepHours * 3_600_000;
  return () => {
    t += stepHours * 3_600_000;
    return new Date(t).toISOString();
  };
};

/** A fresh complaint number (`TS-2024-<9 random digits>`: stores like EventStoreDB outlive a run). */
export const newNumber = (): string => `TS-2024-${String(randomInt(1_000_000_000)).padStart(9, '0')}`;

export const openCustomer = (customerId: string, at: string) => ({
  customerId,
  name: `Customer ${customerId}`,
  contact: { person: 'Wang Fang', phone: '+86 21 5555 0101', email: 'wang.fang@example.cn' },
  industry: 'electronics',
  region: 'East China',
  customerType: { kind: 'enterprise', sizeTier: 'medium', ownership: 'private' },
  classification: 'suitable',
  regionalGrade: 'B',
  accountOwner: 'li.na',
  localSalesperson: 'zhao.lei',
  creditLimits: { singleOrderCapFen: 1_000_000, outstandingCapFen: 10_000_000 },
  occurredAt: at,
});

/** The complaint steps after receipt, in lifecycle order (closing it, then reopening). */
export const complaintSteps = (k: string): [string, (at: string) => Record<string, unknown>][] => [
  ['complaint.acknowledge', (at) => ({ complaintId: k, by: 'call.centre', occurredAt: at })],
  ['complaint.assess', (at) => ({ complaintId: k, severity: 'medium', owner: 'li.na', urgent: false, occurredAt: at })],
  ['complaint.investigate', (at) => ({ complaintId: k, rootCause: 'bad stacking', correctiveAction: 'stacking training', occurredAt: at })],
  ['complaint.notifyProgress', (at) => ({ complaintId: k, message: 'refund under way', via: 'sms', occurredAt: at })],
  ['complaint.resolve', (at) => ({ complaintId: k, resolution: 'refunded', compensationFen: 19_800, carrierClaimFen: 10_000, occurredAt: at })],
  ['complaint.recordCallback', (at) => ({ complaintId: k, by: 'call.centre', properlyHandled: true, customerSatisfied: true, occurredAt: at })],
  ['complaint.close', (at) => ({ complaintId: k, occurredAt: at })],
  ['complaint.reopen', (at) => ({ complaintId: k, reason: 'more damage found', occurredAt: at })],
];

export type Complaint = { id: string; number: string; customerId: string; orderId: string | null; returnId: string | null; streamId: string };

/**
 * A customer and a complaint through the real write path: `steps` of the lifecycle after
 * receipt (default 7: acknowledged ... closed); with `withOrder`, an order delivered and a
 * return requested on it first, the complaint linked to the order.
 *
 * @example
 * const c = await complaintHistory(w, { steps: 7, withOrder: true });
 */
export const complaintHistory = async (
  w: Writer,
  options: { steps?: number; withOrder?: boolean; at?: () => string } = {},
): Promise<Complaint> => {
  const at = options.at ?? clock();
  const u = randomUUID().slice(0, 8);
  const c = `C-${u}`;
  const k = `K-${u}`;
  const number = newNumber();
  await w.send('customer.open', openCustomer(c, at()));
  let orderId: string | null = null;
  let returnId: string | null = null;
  if (options.withOrder) {
    orderId = `O-${u}`;
    returnId = `R-${u}`;
    await w.send('order.place', {
      orderId, customerId: c, channel: 'phone', urgent: false, dispatchPreference: 'standard', occurredAt: at(),
      lines: [{ lineId: 'L1', sku: 'SKU-1', description: 'cartons', quantity: 10, unitPriceFen: 1250 }],
    });
    await w.send('order.verify', { orderId, verifiedBy: 'order.desk', occurredAt: at() });
    await w.send('order.accept', { orderId, occurredAt: at() });
    await w.send('order.prepare', { orderId, pickListNumber: 'PL-1', lines: [{ lineId: 'L1', pickedQuantity: 10, stockDamaged: false }], occurredAt: at() });
    await w.send('order.dispatch', { orderId, carrier: 'Deppon', transportMode: 'road', trackingNumber: `TN-${u}`, occurredAt: at() });
    await w.send('order.deliver', { orderId, signatory: 'Wang Fang', lines: [{ lineId: 'L1', deliveredQuantity: 10, condition: 'damaged' }], occurredAt: at() });
    await w.send('return.request', { returnId, orderId, customerId: c, slipNumber: `RS-${u}`, reason: 'damage', lines: [{ lineId: 'L1', quantity: 2 }], occurredAt: at() });
  }
  await w.send('complaint.receive', {
    complaintId: k, number, customerId: c, ...(orderId ? { orderId } : {}), channel: 'phone', category: 'damage',
    description: 'two cartons crushed, "wet", 破损', remedySought: 'refund', occurredAt: at(),
  });
  for (const [type, payload] of complaintSteps(k).slice(0, options.steps ?? 7)) await w.send(type, payload(at()));
  return { id: k, number, customerId: c, orderId, returnId, streamId: `Complaint-${k}` };
};
