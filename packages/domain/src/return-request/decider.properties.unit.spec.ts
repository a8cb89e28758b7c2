import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { isDomainError } from '../shared/errors.ts';
import type { DomainErrorCode } from '../shared/errors.ts';
import type { ReturnOutcome, ReturnReason, ReturnRequestCommand } from './commands.ts';
import { returnRequestDecider } from './decider.ts';
import { returnRequestEventSchemas } from './events.ts';
import type { ReturnRequestEvent, ReturnStatus } from './events.ts';
import type { ReturnRequestState } from './state.ts';

// Model-based test, as for Complaint: abstract commands made concrete against the model, which
// predicts every outcome (events or the exact refusal code). `progress` takes the natural next
// step for the model's status (reviewing again after a failed review); the other commands are
// drawn at random in any state.

const T0 = Date.parse('2026-03-02T00:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const returnId = 'r-1';
const log = (...args: unknown[]) =>
  (globalThis as unknown as { console: { log: (...a: unknown[]) => void } }).console.log(...args);

type Model = {
  status: 'none' | ReturnStatus;
  clock: number;
  lastStepAt: number;
  requested: Record<string, number>;
  reviewPassed: boolean | null;
};
type Real = { events: ReturnRequestEvent[]; state: ReturnRequestState };
type Outcome = { code: DomainErrorCode } | { events: ReturnRequestEvent['type'] };
const refuse = (code: DomainErrorCode): Outcome => ({ code });

type Kind = 'request' | 'inspect' | 'notifyDc' | 'review' | 'approve' | 'reject' | 'settle' | 'dispose' | 'close';
type LineMode = 'ok' | 'over' | 'unknown' | 'missing';
type Params = {
  late: boolean;
  delta: number;
  quantities: number[];
  lineMode: LineMode;
  shortBy: number;
  causeConfirmed: boolean;
  confirmedReason: ReturnReason;
  passed: boolean;
  outcome: ReturnOutcome;
  amountOk: boolean;
};

const lineIds = (m: Model) => Object.keys(m.requested).sort();
/** With a single requested line, leaving one out is not expressible (a command has >= 1 line). */
const modeFor = (m: Model, p: Params): LineMode => (p.lineMode === 'missing' && lineIds(m).length < 2 ? 'ok' : p.lineMode);

const predict = (m: Model, kind: Kind, at: number, p: Params): Outcome => {
  if (kind === 'request') return m.status === 'none' ? { events: 'ReturnRequested' } : refuse('already_exists');
  if (m.status === 'none') return refuse('not_found');
  const s = m.status;
  const stepped = (allowed: boolean, ok: ReturnRequestEvent['type']): Outcome =>
    !allowed ? refuse('invalid_state') : at < m.lastStepAt ? refuse('out_of_order_time') : { events: ok };
  switch (kind) {
    case 'inspect': {
      const o = stepped(s === 'requested', 'ReturnInspected');
      if ('code' in o) return o;
      const mode = modeFor(m, p);
      if (mode === 'unknown') return refuse('unknown_line');
      if (mode === 'over' || mode === 'missing') return refuse('invalid_quantity');
      return o;
    }
    case 'notifyDc':
      return stepped(s === 'inspected', 'ReturnSentToDistributionCentre');
    case 'review':
      return stepped(s === 'dc_notified' || (s === 'reviewed' && m.reviewPassed === false), 'ReturnReviewed');
    case 'approve':
      return stepped(s === 'reviewed' && m.reviewPassed === true, 'ReturnApproved');
    case 'reject':
      return stepped(['inspected', 'dc_notified', 'reviewed'].includes(s), 'ReturnRejected');
    case 'settle': {
      const o = stepped(s === 'approved', 'ReturnSettled');
      return 'code' in o || p.amountOk ? o : refuse('invalid_amount');
    }
    case 'dispose':
      return stepped(s === 'settled', 'ReturnDispositionRecorded');
    case 'close':
      return stepped(s === 'disposed' || s === 'rejected', 'ReturnClosed');
  }
};

const commandFor = (m: Model, kind: Kind, at: string, p: Params): ReturnRequestCommand => {
  switch (kind) {
    case 'request':
      return {
        type: 'return.request',
        data: {
          returnId,
          orderId: 'o-1',
          customerId: 'cust-1',
          slipNumber: 'TH-1',
          reason: 'damage',
          lines: p.quantities.map((quantity, i) => ({ lineId: `L${i + 1}`, quantity })),
          occurredAt: at,
        },
      };
    case 'inspect': {
      const ids = lineIds(m);
      const full = ids.map((lineId) => ({ lineId, actualQuantity: Math.max(0, (m.requested[lineId] ?? 0) - p.shortBy) }));
      const mode = modeFor(m, p);
      const lines =
        mode === 'missing'
          ? full.slice(1)
          : mode === 'unknown'
            ? [...full, { lineId: 'Lx', actualQuantity: 1 }]
            : mode === 'over' && ids.length > 0
              ? full.map((l, i) => (i === 0 ? { ...l, actualQuantity: (m.requested[l.lineId] ?? 0) + 1 } : l))
              : full;
      return {
        type: 'return.inspect',
        data: {
          returnId,
          clerk: 'k',
          lines: lines.length > 0 ? lines : [{ lineId: 'L1', actualQuantity: 0 }],
          causeConfirmed: p.causeConfirmed,
          confirmedReason: p.causeConfirmed ? p.confirmedReason : undefined,
          occurredAt: at,
        },
      };
    }
    case 'notifyDc':
      return { type: 'return.notifyDistributionCentre', data: { returnId, occurredAt: at } };
    case 'review':
      return { type: 'return.review', data: { returnId, reviewer: 'v', passed: p.passed, occurredAt: at } };
    case 'approve':
      return { type: 'return.approve', data: { returnId, by: 'a', occurredAt: at } };
    case 'reject':
      return { type: 'return.reject', data: { returnId, by: 'a', reason: 'no', occurredAt: at } };
    case 'settle': {
      const valid = p.outcome === 'exchange' ? 0 : 1_500;
      const invalid = p.outcome === 'exchange' ? 1 : 0;
      return { type: 'return.settle', data: { returnId, outcome: p.outcome, amountFen: p.amountOk ? valid : invalid, occurredAt: at } };
    }
    case 'dispose':
      return { type: 'return.recordDisposition', data: { returnId, disposition: 'restocked', occurredAt: at } };
    case 'close':
      return { type: 'return.close', data: { returnId, occurredAt: at } };
  }
};

const next: Record<Kind, ReturnStatus | null> = {
  request: 'requested',
  inspect: 'inspected',
  notifyDc: 'dc_notified',
  review: 'reviewed',
  approve: 'approved',
  reject: 'rejected',
  settle: 'settled',
  dispose: 'disposed',
  close: 'closed',
};

const apply = (m: Model, kind: Kind, at: number, p: Params, command: ReturnRequestCommand): void => {
  m.lastStepAt = at;
  m.clock = Math.max(m.clock, at);
  m.status = next[kind] ?? m.status;
  if (command.type === 'return.request') m.requested = Object.fromEntries(command.data.lines.map((l) => [l.lineId, l.quantity]));
  if (kind === 'review') m.reviewPassed = p.passed;
};

const nextKind = (m: Model): Kind => {
  switch (m.status) {
    case 'none':
      return 'request';
    case 'requested':
      return 'inspect';
    case 'inspected':
      return 'notifyDc';
    case 'dc_notified':
      return 'review';
    case 'reviewed':
      return m.reviewPassed ? 'approve' : 'review';
    case 'approved':
      return 'settle';
    case 'settled':
      return 'dispose';
    case 'disposed':
    case 'rejected':
    case 'closed':
      return 'close';
  }
};

const produced: Record<string, number> = {};
const refused: Record<string, number> = {};

class ReturnCmd implements fc.Command<Model, Real> {
  constructor(
    readonly kind: Kind | 'progress',
    readonly p: Params,
  ) {}
  check = () => true;
  toString = () => `${this.kind}${this.p.late ? '(late)' : ''}`;
  run(m: Model, r: Real): void {
    const kind = this.kind === 'progress' ? nextKind(m) : this.kind;
    // progress keeps its random line mode and amount: a refused step is simply retried later
    const p = this.p;
    const at = p.late ? m.lastStepAt - MIN : m.clock + p.delta * MIN;
    const command = commandFor(m, kind, iso(at), p);
    const expected = predict(m, kind, at, p);
    let events: ReturnRequestEvent[];
    try {
      events = returnRequestDecider.decide(command, r.state);
    } catch (e) {
      if (!isDomainError(e)) throw e;
      expect({ kind, code: e.code }).toEqual({ kind, ...expected });
      refused[e.code] = (refused[e.code] ?? 0) + 1;
      return;
    }
    expect({ kind, events: events.map((e) => e.type).join() }).toEqual({ kind, ...expected });
    for (const e of events) {
      expect(returnRequestEventSchemas[e.type].schema.safeParse(e.data).success, `${e.type} matches its schema`).toBe(true);
      produced[e.type] = (produced[e.type] ?? 0) + 1;
    }
    r.events.push(...events);
    r.state = events.reduce(returnRequestDecider.evolve, r.state);
    apply(m, kind, at, p, command);
    checkInvariants(m, r);
  }
}

function checkInvariants(m: Model, r: Real) {
  const s = r.state;
  expect(s.status).toBe(m.status);
  if (s.status === 'initial') return;
  // Actual quantities never exceed the requested ones; every requested line is inspected once.
  if (s.inspectedLines) {
    expect(s.inspectedLines.map((l) => l.lineId)).toEqual(s.lines.map((l) => l.lineId));
    for (const l of s.inspectedLines) expect(l.actualQuantity).toBeLessThanOrEqual(l.requestedQuantity);
  }
  // A confirmed reason exactly when the cause was confirmed.
  if (s.causeConfirmed !== null) expect(s.confirmedReason !== null).toBe(s.causeConfirmed);
  // Approved only after a passed review; never both approved and rejected.
  const types = r.events.map((e) => e.type);
  const approvedAt = types.indexOf('ReturnApproved');
  if (approvedAt >= 0) {
    const lastReview = r.events.slice(0, approvedAt).findLast((e) => e.type === 'ReturnReviewed');
    expect(lastReview?.type === 'ReturnReviewed' && lastReview.data.passed).toBe(true);
  }
  expect(types.includes('ReturnApproved') && types.includes('ReturnRejected')).toBe(false);
  // Money: exchange 0, otherwise positive.
  if (s.outcome !== null) expect(s.outcome === 'exchange' ? s.amountFen === 0 : (s.amountFen ?? 0) > 0).toBe(true);
  // Lifecycle times never go back.
  r.events.forEach((e, i) => {
    const prev = r.events[i - 1];
    if (prev) expect(Date.parse(e.data.occurredAt)).toBeGreaterThanOrEqual(Date.parse(prev.data.occurredAt));
  });
  // Replay is deterministic and survives serialisation.
  expect(fold(returnRequestDecider, r.events)).toEqual(s);
  expect(fold(returnRequestDecider, JSON.parse(JSON.stringify(r.events)) as ReturnRequestEvent[])).toEqual(s);
}

const reasons: ReturnReason[] = ['error', 'damage', 'shortage', 'other'];
const params: fc.Arbitrary<Params> = fc.record({
  late: fc.nat(11).map((n) => n === 0),
  delta: fc.nat(72 * 60),
  quantities: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
  lineMode: fc.constantFrom<LineMode>('ok', 'ok', 'ok', 'over', 'unknown', 'missing'),
  shortBy: fc.nat(2),
  causeConfirmed: fc.boolean(),
  confirmedReason: fc.constantFrom(...reasons),
  passed: fc.nat(3).map((n) => n !== 0),
  outcome: fc.constantFrom<ReturnOutcome>('refund', 'exchange', 'compensation'),
  amountOk: fc.nat(5).map((n) => n !== 0),
});
const kinds: Kind[] = ['request', 'inspect', 'notifyDc', 'review', 'approve', 'reject', 'settle', 'dispose', 'close'];
const randomCommand = fc.tuple(fc.constantFrom(...kinds), params).map(([k, p]) => new ReturnCmd(k, p));
const progress = params.map((p) => new ReturnCmd('progress', p));
const allCommands = [progress, progress, progress, progress, randomCommand, randomCommand, randomCommand];

describe('ReturnRequest decider: model-based properties', () => {
  it('accepts and refuses exactly as the model predicts, keeps the invariants, and reaches closed', () => {
    let runs = 0;
    let closedAtEnd = 0;
    fc.assert(
      fc.property(fc.commands(allCommands, { maxCommands: 40, size: 'max' }), (cmds) => {
        const m: Model = { status: 'none', clock: T0, lastStepAt: T0, requested: {}, reviewPassed: null };
        const r: Real = { events: [], state: returnRequestDecider.initialState() };
        fc.modelRun(() => ({ model: m, real: r }), cmds);
        runs += 1;
        if (r.state.status === 'closed') closedAtEnd += 1;
      }),
      { numRuns: 300 },
    );
    const share = closedAtEnd / runs;
    log(`return coverage: ${(share * 100).toFixed(1)} % of ${runs} runs end closed; events:`, produced, 'refusals:', refused);
    expect(share).toBeGreaterThanOrEqual(0.3);
    for (const type of Object.keys(returnRequestEventSchemas)) expect(produced[type] ?? 0, `${type} was produced`).toBeGreaterThan(0);
    const codes: DomainErrorCode[] = ['already_exists', 'not_found', 'invalid_state', 'out_of_order_time', 'invalid_amount', 'invalid_quantity', 'unknown_line'];
    for (const code of codes) expect(refused[code] ?? 0, `${code} was exercised`).toBeGreaterThan(0);
  });

  it('evolve is total: random events in random order never throw, and replay is deterministic', () => {
    const at = fc.integer({ min: 0, max: 1_000 }).map((h) => iso(T0 + h * 3_600_000));
    const base = { returnId: fc.constant(returnId), orderId: fc.constant('o-1'), customerId: fc.constant('cust-1'), occurredAt: at };
    const reason = fc.constantFrom(...reasons);
    const lines = fc.nat(2).map((actualQuantity) => [{ lineId: 'L1', requestedQuantity: 2, actualQuantity }]);
    const requestedLines = fc.integer({ min: 1, max: 3 }).map((quantity) => [{ lineId: 'L1', quantity }]);
    const status = fc.constantFrom<ReturnStatus>('requested', 'inspected', 'dc_notified', 'reviewed');
    const event: fc.Arbitrary<ReturnRequestEvent> = fc.oneof(
      fc.record({ ...base, reason, lines: requestedLines }).map((d) => ({ type: 'ReturnRequested' as const, data: { ...d, slipNumber: 'S', description: null } })),
      fc.record({ ...base, lines, statedReason: reason, causeConfirmed: fc.boolean(), confirmedReason: fc.option(reason, { nil: null }), requestedAt: at }).map((d) => ({
        type: 'ReturnInspected' as const,
        data: { ...d, clerk: 'k' },
      })),
      fc.record(base).map((d) => ({ type: 'ReturnSentToDistributionCentre' as const, data: { ...d, reference: null } })),
      fc.record({ ...base, passed: fc.boolean() }).map((d) => ({ type: 'ReturnReviewed' as const, data: { ...d, reviewer: 'v', notes: null } })),
      fc.record({ ...base, lines, confirmedReason: fc.option(reason, { nil: null }), requestedAt: at }).map((d) => ({ type: 'ReturnApproved' as const, data: { ...d, by: 'a' } })),
      fc.record({ ...base, lines: requestedLines, fromStatus: status, requestedAt: at }).map((d) => ({
        type: 'ReturnRejected' as const,
        data: { ...d, by: 'a', reason: 'no' },
      })),
      fc.record({ ...base, outcome: fc.constantFrom<ReturnOutcome>('refund', 'exchange'), confirmedReason: fc.option(reason, { nil: null }), requestedAt: at }).map((d) => ({
        type: 'ReturnSettled' as const,
        data: { ...d, amountFen: d.outcome === 'exchange' ? 0 : 100 },
      })),
      fc.record(base).map((d) => ({ type: 'ReturnDispositionRecorded' as const, data: { ...d, disposition: 'scrapped' as const, notes: null } })),
      fc.record({ ...base, result: fc.constantFrom('completed' as const, 'rejected' as const), requestedAt: at }).map((d) => ({
        type: 'ReturnClosed' as const,
        data: { ...d, outcome: null },
      })),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), (events) => {
        const once = fold(returnRequestDecider, events);
        expect(fold(returnRequestDecider, events)).toEqual(once);
        if (!events.some((e) => e.type === 'ReturnRequested')) expect(once.status).toBe('initial');
      }),
      { numRuns: 300 },
    );
  });
});
