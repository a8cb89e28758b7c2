import {
  complaintDecider,
  customerAccountDecider,
  type Decider,
  isDomainError,
  orderDecider,
  returnRequestDecider,
} from '@cs/domain';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeKpiOracle, type KpiEvent, type KpiSettings, setKpiSettings } from '../src/index.ts';
import { kpiTestDatabase } from './driver.ts';

// Oracle property: random histories generated THROUGH THE DECIDERS (valid command sequences
// folded with decide; refused commands are dropped), projected into PostgreSQL; every
// analytics view listed below must equal the in-memory oracle row for row.

let t: Awaited<ReturnType<typeof kpiTestDatabase>>;
beforeAll(async () => {
  t = await kpiTestDatabase('kpi_oracle');
  await t.install();
});
afterAll(() => t.close());

const HOUR = 3_600_000;
const BASE = Date.parse('2026-12-20T00:00:00Z'); // histories cross New Year (ISO week 2026-W53)
const iso = (h: number) => new Date(BASE + h * HOUR).toISOString();

type AnyDecider = Decider<any, any, any>;

/** Streams folded with their decider; every accepted event is appended to the global log. */
const world = () => {
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

const historyArb = fc.record({
  customers: fc.tuple(customerArb, customerArb),
  orders: fc.array(orderArb, { minLength: 1, maxLength: 7 }),
  complaints: fc.array(complaintArb, { maxLength: 4 }),
  surveys: fc.array(surveyArb, { maxLength: 2 }),
  settings: settingsArb,
});

type Hist = typeof historyArb extends fc.Arbitrary<infer T> ? T : never;

const build = (h: Hist) => {
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
    if (c.changeAtH !== undefined) {
      w.send(customerAccountDecider, `CustomerAccount-${cid(i)}`, {
        type: 'customer.changeClassification',
        data: { customerId: cid(i), occurredAt: iso(c.changeAtH), classification: c.changeTo, reason: 'review' },
      });
    }
  });
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
  return { events: w.events, delivered, refused: w.refused() };
};

const n = (x: unknown) => Number(x);
const r6 = (x: unknown) => (x === null ? 'null' : Number(x).toFixed(6));

const viewRows = async () => {
  const indicators = await sql<Record<string, unknown>>`SELECT indicator, period_kind, to_char(period_start, 'YYYY-MM-DD') AS ps, dimension_kind, dimension_value, numerator, denominator FROM analytics.indicators`.execute(t.db);
  const durations = await sql<Record<string, unknown>>`SELECT metric, period_kind, to_char(period_start, 'YYYY-MM-DD') AS ps, dimension_kind, dimension_value, count, avg_hours, median_hours, p90_hours FROM analytics.durations`.execute(t.db);
  const stats = await sql<Record<string, unknown>>`SELECT period_kind, to_char(period_start, 'YYYY-MM-DD') AS ps, category, channel, severity, complaints FROM analytics.complaint_statistics`.execute(t.db);
  const reasons = await sql<Record<string, unknown>>`SELECT period_kind, to_char(period_start, 'YYYY-MM-DD') AS ps, reason, returns FROM analytics.return_reasons`.execute(t.db);
  const sat = await sql<Record<string, unknown>>`SELECT period_kind, to_char(period_start, 'YYYY-MM-DD') AS ps, dimension_kind, dimension_value, survey_item, answers, mean_score, very_good, quite_good, slightly_good, average, slightly_poor, quite_poor, very_poor FROM analytics.satisfaction`.execute(t.db);
  return {
    indicators: indicators.rows.map((r) => [r.indicator, r.period_kind, r.ps, r.dimension_kind, r.dimension_value, n(r.numerator), n(r.denominator)].join('|')).sort(),
    durations: durations.rows.map((r) => [r.metric, r.period_kind, r.ps, r.dimension_kind, r.dimension_value, n(r.count), r6(r.avg_hours), r6(r.median_hours), r6(r.p90_hours)].join('|')).sort(),
    stats: stats.rows.map((r) => [r.period_kind, r.ps, r.category, r.channel, r.severity, n(r.complaints)].join('|')).sort(),
    reasons: reasons.rows.map((r) => [r.period_kind, r.ps, r.reason, n(r.returns)].join('|')).sort(),
    satisfaction: sat.rows
      .map((r) => [r.period_kind, r.ps, r.dimension_kind, r.dimension_value, r.survey_item, n(r.answers), r6(r.mean_score), ...['very_good', 'quite_good', 'slightly_good', 'average', 'slightly_poor', 'quite_poor', 'very_poor'].map((k) => n(r[k]))].join('|'))
      .sort(),
  };
};

const oracleRows = (events: KpiEvent[], settings: KpiSettings) => {
  const o = computeKpiOracle(events, settings);
  return {
    indicators: o.indicators.map((r) => [r.indicator, r.periodKind, r.periodStart, r.dimensionKind, r.dimensionValue, r.numerator, r.denominator].join('|')).sort(),
    durations: o.durations.map((r) => [r.metric, r.periodKind, r.periodStart, r.dimensionKind, r.dimensionValue, r.count, r6(r.avgHours), r6(r.medianHours), r6(r.p90Hours)].join('|')).sort(),
    stats: o.complaintStatistics.map((r) => [r.periodKind, r.periodStart, r.category, r.channel, r.severity, r.complaints].join('|')).sort(),
    reasons: o.returnReasons.map((r) => [r.periodKind, r.periodStart, r.reason, r.returns].join('|')).sort(),
    satisfaction: o.satisfaction
      .map((r) => [r.periodKind, r.periodStart, r.dimensionKind, r.dimensionValue, r.surveyItem, r.answers, r6(r.meanScore), ...['very_good', 'quite_good', 'slightly_good', 'average', 'slightly_poor', 'quite_poor', 'very_poor'].map((k) => r.answerCounts[k] ?? 0)].join('|'))
      .sort(),
  };
};

describe('analytics views equal the in-memory oracle', () => {
  it('on random histories generated through the deciders', async () => {
    let runs = 0;
    let withDeliveries = 0;
    let total = 0;
    await fc.assert(
      fc.asyncProperty(historyArb, async (h) => {
        const { events, delivered } = build(h);
        runs += 1;
        total += events.length;
        if (delivered > 0) withDeliveries += 1;
        await t.reset();
        await setKpiSettings(t.db, h.settings);
        // Two batches, and the second half applied twice: handling is idempotent.
        const half = Math.floor(events.length / 2);
        await t.project(events.slice(0, half));
        await t.project(events.slice(half));
        await t.project(events.slice(half));
        const actual = await viewRows();
        const expected = oracleRows(events, h.settings);
        expect(actual.indicators).toEqual(expected.indicators);
        expect(actual.durations).toEqual(expected.durations);
        expect(actual.stats).toEqual(expected.stats);
        expect(actual.reasons).toEqual(expected.reasons);
        expect(actual.satisfaction).toEqual(expected.satisfaction);
      }),
      { numRuns: 25 },
    );
    console.info(`oracle property: ${runs} histories, ${total} events, ${withDeliveries} with deliveries`);
    // The histories must actually exercise the delivery indicators.
    expect(withDeliveries / runs).toBeGreaterThanOrEqual(0.5);
  });
});
