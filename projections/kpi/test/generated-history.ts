import {
  complaintDecider,
  customerAccountDecider,
  type Decider,
  defaultServiceStandard,
  isDomainError,
  orderDecider,
  returnRequestDecider,
  serviceImprovementDecider,
  serviceStandardDecider,
} from '@cs/domain';
import fc from 'fast-check';
import type { KpiEvent } from '../src/index.ts';

// Random histories generated THROUGH THE DECIDERS: valid command sequences folded with decide;
// refused commands are dropped (and counted). Used by the oracle property and the rebuild test.

const HOUR = 3_600_000;
const BASE = Date.parse('2026-12-20T00:00:00Z'); // histories cross New Year (ISO week 2026-W53)
const iso = (h: number) => new Date(BASE + h * HOUR).toISOString();

type AnyDecider = Decider<any, any, any>;

/** Streams folded with their decider; every accepted event is appended to the global log. */
export const world = () => {
  const states = new Map<string, unknown>();
  const events: KpiEvent[] = [];
  let refused = 0;
  const send = (decider: AnyDecider, streamId: string, command: { type: string; data: unknown }): boolean => {
    const state = states.has(streamId) ? states.get(streamId) : decider.initialState();
    try {
      const produced = decider.decide(command, state) as { type: string; data: unknown }[];
      let s = state;
      for (const e of produced) {
        s = decider.evolve(s, e);
        const n = events.length + 1;
        events.push({ id: `ev-${n}`, streamId, position: String(n).padStart(12, '0'), type: e.type, data: e.data });
      }
      states.set(streamId, s);
      return true;
    } catch (e) {
      if (!isDomainError(e)) throw e;
      refused += 1;
      return false;
    }
  };
  return { events, send, refused: () => refused };
};

const customerArb = fc.record({
  classification: fc.constantFrom('key', 'suitable', 'general'),
  type: fc.constantFrom(
    { kind: 'enterprise', sizeTier: 'large', ownership: 'foreign' },
    { kind: 'enterprise', sizeTier: 'small', ownership: 'state_owned' },
    { kind: 'individual', frequency: 'frequent' },
    { kind: 'government_institution', grade: 'A' },
  ),
  region: fc.constantFrom('East', 'North'),
  changeAtH: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
  changeTo: fc.constantFrom('key', 'suitable', 'general'),
  /** A change of customer type (so of standard column) mid-history. */
  typeChangeAtH: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
  typeChangeTo: fc.constantFrom(
    { kind: 'enterprise', sizeTier: 'medium', ownership: 'private' },
    { kind: 'individual', frequency: 'occasional' },
    { kind: 'government_institution', grade: 'B' },
  ),
  /** Where the customer's events sit in the log: first (usual) or after the orders (keyed in late). */
  late: fc.boolean(),
});

const evaluationArb = fc.record({
  customer: fc.integer({ min: 0, max: 1 }),
  atH: fc.integer({ min: 0, max: 300 }),
  grades: fc.array(fc.tuple(fc.constantFrom('good', 'average', 'poor'), fc.constantFrom('good', 'average', 'poor')), { minLength: 1, maxLength: 3 }),
});

const improvementArb = fc.record({
  indicator: fc.constantFrom('on_time_delivery', 'complaint_handling_time', 'complaint_rate'),
  before: fc.integer({ min: 0, max: 100 }),
  after: fc.integer({ min: 0, max: 100 }),
  /** Steps after opening: result, three confirmations, close (most items get closed). */
  progress: fc.constantFrom(0, 1, 3, 5, 5, 5),
  atH: fc.integer({ min: 0, max: 300 }),
});

const revisionArb = fc.record({
  /** Days after 2026-12-20 the revision takes effect. */
  effectiveDay: fc.integer({ min: 0, max: 16 }),
  handlingTargets: fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 5, maxLength: 5 }),
  onTimeTarget: fc.integer({ min: 0, max: 10_000 }),
  /** Published after everything else (the projection must recompute within-target facts). */
  last: fc.boolean(),
});

const orderArb = fc.record({
  customer: fc.integer({ min: 0, max: 1 }),
  placeH: fc.integer({ min: 0, max: 300 }),
  promiseDispatchH: fc.integer({ min: 1, max: 30 }),
  promiseDeliveryH: fc.integer({ min: 0, max: 60 }),
  outcome: fc.constantFrom('pending', 'rejected', 'cancelled', 'prepared', 'dispatched', 'delivered', 'delivered', 'delivered', 'lost'),
  steps: fc.array(fc.integer({ min: 0, max: 36 }), { minLength: 8, maxLength: 8 }),
  tracks: fc.integer({ min: 0, max: 3 }),
  lines: fc.array(fc.record({ quantity: fc.integer({ min: 1, max: 3 }), short: fc.boolean(), stockDamaged: fc.boolean(), deliverShort: fc.boolean(), damaged: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  later: fc.constantFrom('none', 'none', 'exception', 'complaint', 'return', 'return_other'),
});

const complaintArb = fc.record({
  customer: fc.integer({ min: 0, max: 1 }),
  receiveH: fc.integer({ min: 0, max: 300 }),
  category: fc.constantFrom('delay', 'damage', 'billing', 'other'),
  channel: fc.constantFrom('phone', 'email', 'web'),
  progress: fc.integer({ min: 0, max: 6 }),
  steps: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 7, maxLength: 7 }),
  severity: fc.constantFrom('low', 'high'),
});

const surveyArb = fc.record({
  customer: fc.integer({ min: 0, max: 1 }),
  atH: fc.integer({ min: 0, max: 300 }),
  answers: fc.array(fc.constantFrom('very_good', 'quite_good', 'slightly_good', 'average', 'slightly_poor', 'quite_poor', 'very_poor'), { minLength: 9, maxLength: 9 }),
});

const settingsArb = fc.record({
  timeZone: fc.constantFrom('Asia/Shanghai', 'UTC', 'America/New_York'),
  trackingIntervalHours: fc.constantFrom(12, 24, 30),
});

const surveyItems = [
  'order_processing_fast',
  'replenishment_quick',
  'staff_attitude',
  'ordering_unit_variety',
  'emergency_shipping',
  'delivery_at_appointed_time',
  'logistics_information',
  'delivery_without_damage',
  'logistics_management_level',
];

export const historyArb = fc.record({
  customers: fc.tuple(customerArb, customerArb),
  orders: fc.array(orderArb, { minLength: 2, maxLength: 7 }),
  complaints: fc.array(complaintArb, { maxLength: 4 }),
  surveys: fc.array(surveyArb, { maxLength: 2 }),
  evaluations: fc.array(evaluationArb, { maxLength: 2 }),
  improvements: fc.array(improvementArb, { minLength: 1, maxLength: 2 }),
  revision: fc.option(revisionArb, { nil: undefined }),
  settings: settingsArb,
  /** Runtime batch size: tiny batches split a subject's events, large ones hold many. */
  batchSize: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 20, max: 80 })),
  /** Replayed as a rebuild (fact rows and totals deferred to the end) or applied as live batches. */
  rebuild: fc.boolean(),
  /** Settings changed once projected (recomputes every fact row, total and survey day). */
  later: fc.option(settingsArb, { nil: undefined }),
});

export type Hist = typeof historyArb extends fc.Arbitrary<infer T> ? T : never;

export const build = (h: Hist) => {
  const w = world();
  const cid = (i: number) => `c${i + 1}`;
  h.customers.forEach((c, i) => {
    w.send(customerAccountDecider, `CustomerAccount-${cid(i)}`, {
      type: 'customer.open',
      data: {
        customerId: cid(i),
        occurredAt: iso(-100),
        name: 'Customer',
        contact: { person: 'Li' },
        industry: 'retail',
        region: c.region,
        customerType: c.type,
        classification: c.classification,
        regionalGrade: 'A',
        accountOwner: 'owner',
        localSalesperson: 'sales',
        creditLimits: { singleOrderCapFen: 1_000_000, outstandingCapFen: 10_000_000 },
      },
    });
  });
  const changes = () =>
    h.customers.forEach((c, i) => {
      if (c.changeAtH !== undefined) {
        w.send(customerAccountDecider, `CustomerAccount-${cid(i)}`, {
          type: 'customer.changeClassification',
          data: { customerId: cid(i), occurredAt: iso(c.changeAtH), classification: c.changeTo, reason: 'review' },
        });
      }
      if (c.typeChangeAtH !== undefined) {
        w.send(customerAccountDecider, `CustomerAccount-${cid(i)}`, {
          type: 'customer.changeType',
          data: { customerId: cid(i), occurredAt: iso(c.typeChangeAtH), customerType: c.typeChangeTo, reason: 'grew' },
        });
      }
    });
  const early = h.customers.every((c) => !c.late);
  if (early) changes();
  const standard = (data: Record<string, unknown>) =>
    w.send(serviceStandardDecider, 'ServiceStandard-company', { type: 'standard.publish', data });
  standard({ ...defaultServiceStandard, effectiveFrom: '2026-12-01', occurredAt: iso(-150) });
  const revision = h.revision;
  const publishRevision = () => {
    if (!revision) return;
    const columns = ['foreign', 'private', 'state_owned', 'individual', 'government_institution'] as const;
    const effective = new Date(Date.parse('2026-12-20T00:00:00Z') + revision.effectiveDay * 86_400_000).toISOString().slice(0, 10);
    standard({
      ...defaultServiceStandard,
      version: 2,
      effectiveFrom: effective,
      occurredAt: iso(-120),
      indicators: defaultServiceStandard.indicators.map((i) =>
        i.indicator === 'complaint_handling_time'
          ? { ...i, targets: Object.fromEntries(columns.map((c, k) => [c, revision.handlingTargets[k] ?? 24])) }
          : i.indicator === 'on_time_delivery'
            ? { ...i, targets: Object.fromEntries(columns.map((c) => [c, revision.onTimeTarget])) }
            : i,
      ),
    });
  };
  if (!revision?.last) publishRevision();
  let delivered = 0;
  h.orders.forEach((o, i) => {
    const id = `o${i + 1}`;
    const stream = `Order-${id}`;
    const customerId = cid(o.customer);
    let at = o.placeH;
    const next = (k: number) => (at += o.steps[k] ?? 1);
    const send = (type: string, data: Record<string, unknown>) => w.send(orderDecider, stream, { type, data: { orderId: id, occurredAt: iso(at), ...data } });
    const lines = o.lines.map((l, j) => ({ ...l, lineId: `l${j + 1}` }));
    send('order.place', {
      customerId,
      channel: 'phone',
      lines: lines.map((l) => ({ lineId: l.lineId, sku: 'SKU', description: 'goods', quantity: l.quantity, unitPriceFen: 100 })),
      urgent: false,
      dispatchPreference: 'standard',
      promisedDispatchAt: iso(o.placeH + o.promiseDispatchH),
      promisedDeliveryAt: iso(o.placeH + o.promiseDispatchH + o.promiseDeliveryH),
    });
    if (o.outcome === 'pending') return;
    next(0);
    if (o.outcome === 'rejected') return void send('order.reject', { reason: 'credit_refused' });
    send('order.accept', {});
    if (o.outcome === 'cancelled') return void send('order.cancel', { reason: 'customer' });
    next(1);
    send('order.prepare', {
      lines: lines.map((l) => ({ lineId: l.lineId, pickedQuantity: l.short ? l.quantity - 1 : l.quantity, stockDamaged: l.stockDamaged })),
    });
    if (o.outcome === 'prepared') return;
    next(2);
    send('order.dispatch', { carrier: 'carrier', transportMode: 'road', trackingNumber: 'T' });
    for (let k = 0; k < o.tracks; k += 1) {
      next(3 + k);
      send('order.recordTracking', { location: 'hub', statusNote: 'moving' });
    }
    if (o.outcome === 'dispatched') return;
    next(6);
    if (o.outcome === 'lost') return void send('order.raiseException', { exceptionId: 'x-loss', kind: 'loss', description: 'lost' });
    const ok = send('order.deliver', {
      signatory: 'someone',
      lines: lines.map((l) => ({ lineId: l.lineId, deliveredQuantity: l.deliverShort ? l.quantity - 1 : l.quantity, condition: l.damaged ? 'damaged' : 'intact' })),
    });
    if (ok) delivered += 1;
    next(7);
    if (o.later === 'exception') send('order.raiseException', { exceptionId: 'x-dmg', kind: 'damage', description: 'dented' });
    if (o.later === 'complaint') {
      w.send(complaintDecider, `Complaint-k${id}`, {
        type: 'complaint.receive',
        data: { complaintId: `k${id}`, number: `TS-2026-${String(i + 900).padStart(6, '0')}`, customerId, orderId: id, channel: 'phone', category: 'damage', description: 'broken', remedySought: 'refund', occurredAt: iso(at) },
      });
    }
    if (o.later === 'return' || o.later === 'return_other') {
      const returnId = `r${id}`;
      const line = [{ lineId: 'l1', quantity: 1 }];
      if (w.send(orderDecider, stream, { type: 'order.reserveReturn', data: { orderId: id, returnId, lines: line, occurredAt: iso(at) } })) {
        w.send(returnRequestDecider, `ReturnRequest-${returnId}`, {
          type: 'return.request',
          data: { returnId, orderId: id, customerId, slipNumber: 'S1', reason: 'damage', lines: line, occurredAt: iso(at) },
        });
        w.send(returnRequestDecider, `ReturnRequest-${returnId}`, {
          type: 'return.inspect',
          data: {
            returnId,
            clerk: 'clerk',
            lines: [{ lineId: 'l1', actualQuantity: 1 }],
            causeConfirmed: true,
            confirmedReason: o.later === 'return' ? 'damage' : 'error',
            occurredAt: iso(at + 2),
          },
        });
      }
    }
  });
  h.complaints.forEach((c, i) => {
    const id = `k${i + 1}`;
    const stream = `Complaint-${id}`;
    let at = c.receiveH;
    const step = (k: number) => (at += c.steps[k] ?? 1);
    const send = (type: string, data: Record<string, unknown>) => w.send(complaintDecider, stream, { type, data: { complaintId: id, occurredAt: iso(at), ...data } });
    send('complaint.receive', {
      number: `TS-2026-${String(i + 1).padStart(6, '0')}`,
      customerId: cid(c.customer),
      channel: c.channel,
      category: c.category,
      description: 'problem',
      remedySought: 'fix',
    });
    const plan: [string, Record<string, unknown>][] = [
      ['complaint.acknowledge', { by: 'agent' }],
      ['complaint.assess', { severity: c.severity, owner: 'owner', urgent: false }],
      ['complaint.investigate', { rootCause: 'cause', correctiveAction: 'action' }],
      ['complaint.resolve', { resolution: 'done', compensationFen: 0 }],
      ['complaint.reopen', { reason: 'not fixed' }],
      ['complaint.investigate', { rootCause: 'cause 2', correctiveAction: 'action 2' }],
      ['complaint.resolve', { resolution: 'done again', compensationFen: 100 }],
    ];
    plan.slice(0, c.progress + 1).forEach(([type, data], k) => {
      step(k);
      send(type, data);
    });
  });
  h.surveys.forEach((s, i) => {
    w.send(customerAccountDecider, `CustomerAccount-${cid(s.customer)}`, {
      type: 'customer.recordSurvey',
      data: {
        customerId: cid(s.customer),
        surveyId: `s${i + 1}`,
        answers: Object.fromEntries(surveyItems.map((item, k) => [item, s.answers[k] ?? 'average'])),
        occurredAt: iso(s.atH),
      },
    });
  });
  h.evaluations.forEach((e, i) => {
    w.send(customerAccountDecider, `CustomerAccount-${cid(e.customer)}`, {
      type: 'customer.recordEvaluation',
      data: {
        customerId: cid(e.customer),
        evaluationId: `e${i + 1}`,
        items: e.grades.map(([customerGrade, internalGrade], k) => ({ item: `item ${k + 1}`, customerGrade, internalGrade })),
        evaluator: 'quality team',
        opinion: 'fine',
        occurredAt: iso(e.atH),
      },
    });
  });
  h.improvements.forEach((m, i) => {
    const improvementId = `m${i + 1}`;
    const stream = `ServiceImprovement-${improvementId}`;
    const hours = m.indicator === 'complaint_handling_time';
    const value = (x: number) => (hours ? x : x * 100);
    let at = m.atH;
    const send = (type: string, data: Record<string, unknown>) =>
      w.send(serviceImprovementDecider, stream, { type, data: { improvementId, occurredAt: iso((at += 1)), ...data } });
    send('improvement.open', { indicator: m.indicator, description: 'improve', startDate: '2026-12-01', endDate: '2026-12-31', valueBefore: value(m.before) });
    const steps: [string, Record<string, unknown>][] = [
      ['improvement.recordResult', { valueAfter: value(m.after) }],
      ['improvement.confirm', { role: 'customer_service_manager', by: 'Wang' }],
      ['improvement.confirm', { role: 'department_manager', by: 'Zhao' }],
      ['improvement.confirm', { role: 'general_manager', by: 'Qian' }],
      ['improvement.close', {}],
    ];
    for (const [type, data] of steps.slice(0, m.progress)) send(type, data);
  });
  if (!early) changes();
  if (revision?.last) publishRevision();
  return { events: w.events, delivered, refused: w.refused() };
};

