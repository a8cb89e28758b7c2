import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { isDomainError } from '../shared/errors.ts';
import type { DomainErrorCode } from '../shared/errors.ts';
import type { ComplaintCommand } from './commands.ts';
import { complaintDecider } from './decider.ts';
import { complaintEventSchemas } from './events.ts';
import type { ComplaintEvent, ComplaintStatus } from './events.ts';
import { isoStageOf } from './state.ts';
import type { ComplaintState } from './state.ts';

// Model-based test: commands are generated abstractly (which step, late or on time, callback
// answers, amounts) and made concrete against the model, which predicts every outcome: the
// events, or the exact refusal code. A `progress` command takes the natural next step, so that
// runs get through the whole lifecycle; the other commands are drawn at random in any state.

const T0 = Date.parse('2026-03-02T00:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const complaintId = 'c-1';
const log = (...args: unknown[]) =>
  (globalThis as unknown as { console: { log: (...a: unknown[]) => void } }).console.log(...args);

type Model = {
  status: 'none' | ComplaintStatus;
  clock: number;
  receivedAt: number;
  lastStepAt: number;
  investigations: number;
  investigatedThisCycle: boolean;
  callback: { properlyHandled: boolean; customerSatisfied: boolean } | null;
  firstResolvedAt: number | null;
  reopenCount: number;
  escalationCount: number;
};
type Real = { events: ComplaintEvent[]; state: ComplaintState };
type Outcome = { code: DomainErrorCode } | { events: ComplaintEvent['type'] };

const refuse = (code: DomainErrorCode): Outcome => ({ code });

const newModel = (): Model => ({
  status: 'none',
  clock: T0,
  receivedAt: T0,
  lastStepAt: T0,
  investigations: 0,
  investigatedThisCycle: false,
  callback: null,
  firstResolvedAt: null,
  reopenCount: 0,
  escalationCount: 0,
});

type Kind =
  | 'receive'
  | 'acknowledge'
  | 'assess'
  | 'investigate'
  | 'notify'
  | 'resolve'
  | 'callback'
  | 'escalate'
  | 'close'
  | 'reopen';

type Params = {
  late: boolean;
  delta: number;
  properlyHandled: boolean;
  customerSatisfied: boolean;
  compensationFen: number;
  claimPermille: number;
};

/** The outcome the rules predict for a command of `kind` at business time `at`. */
const predict = (m: Model, kind: Kind, at: number, p: Params): Outcome => {
  if (kind === 'receive') return m.status === 'none' ? { events: 'ComplaintReceived' } : refuse('already_exists');
  if (m.status === 'none') return refuse('not_found');
  if (kind === 'reopen') {
    if (m.status !== 'closed') return refuse('invalid_state');
    return at < m.lastStepAt ? refuse('out_of_order_time') : { events: 'ComplaintReopened' };
  }
  if (m.status === 'closed') return refuse('complaint_closed');
  const stepped = (ok: ComplaintEvent['type']): Outcome => (at < m.lastStepAt ? refuse('out_of_order_time') : { events: ok });
  const s = m.status;
  switch (kind) {
    case 'acknowledge':
      return s === 'received' ? stepped('ComplaintAcknowledged') : refuse('invalid_state');
    case 'assess':
      return s === 'acknowledged' ? stepped('ComplaintAssessed') : refuse('invalid_state');
    case 'investigate':
      return ['assessed', 'reopened', 'escalated'].includes(s) ? stepped('ComplaintInvestigated') : refuse('invalid_state');
    case 'notify':
      return at < m.receivedAt ? refuse('out_of_order_time') : { events: 'ComplaintProgressNotified' };
    case 'resolve': {
      if (!(s === 'investigated' || (s === 'escalated' && m.investigatedThisCycle))) return refuse('invalid_state');
      if (at < m.lastStepAt) return refuse('out_of_order_time');
      return p.claimPermille > 1000 ? refuse('invalid_amount') : { events: 'ComplaintResolved' };
    }
    case 'callback':
      return s === 'resolved' ? stepped('ComplaintCallbackRecorded') : refuse('invalid_state');
    case 'escalate': {
      if (!['assessed', 'investigated', 'reopened', 'resolved'].includes(s)) return refuse('invalid_state');
      if (s === 'resolved' && m.callback?.properlyHandled && m.callback.customerSatisfied) return refuse('invalid_state');
      return stepped('ComplaintEscalated');
    }
    case 'close':
      if (s !== 'resolved') return refuse('complaint_not_resolved');
      if (!m.callback?.properlyHandled) return refuse('callback_required');
      return stepped('ComplaintClosed');
  }
};

const commandFor = (kind: Kind, at: string, p: Params): ComplaintCommand => {
  switch (kind) {
    case 'receive':
      return {
        type: 'complaint.receive',
        data: {
          complaintId,
          number: 'TS-2026-000001',
          customerId: 'cust-1',
          channel: 'web',
          category: 'delay',
          description: 'late',
          remedySought: 'apology',
          occurredAt: at,
        },
      };
    case 'acknowledge':
      return { type: 'complaint.acknowledge', data: { complaintId, by: 'a', occurredAt: at } };
    case 'assess':
      return { type: 'complaint.assess', data: { complaintId, severity: 'medium', owner: 'o', urgent: p.late, occurredAt: at } };
    case 'investigate':
      return { type: 'complaint.investigate', data: { complaintId, rootCause: 'rc', correctiveAction: 'ca', occurredAt: at } };
    case 'notify':
      return { type: 'complaint.notifyProgress', data: { complaintId, message: 'm', via: 'phone', occurredAt: at } };
    case 'resolve':
      return {
        type: 'complaint.resolve',
        data: {
          complaintId,
          resolution: 'r',
          compensationFen: p.compensationFen,
          // permille > 1000 deliberately asks the carrier for more than the compensation
          carrierClaimFen: p.claimPermille === 0 ? undefined : Math.floor((p.compensationFen * p.claimPermille) / 1000) + (p.claimPermille > 1000 ? 1 : 0),
          occurredAt: at,
        },
      };
    case 'callback':
      return {
        type: 'complaint.recordCallback',
        data: { complaintId, by: 'b', properlyHandled: p.properlyHandled, customerSatisfied: p.customerSatisfied, occurredAt: at },
      };
    case 'escalate':
      return {
        type: 'complaint.escalate',
        data: { complaintId, reason: 'unhappy', escalatedTo: 'gm', appealRightsNotified: true, occurredAt: at },
      };
    case 'close':
      return { type: 'complaint.close', data: { complaintId, occurredAt: at } };
    case 'reopen':
      return { type: 'complaint.reopen', data: { complaintId, reason: 'again', occurredAt: at } };
  }
};

/** Mirrors an accepted command on the model. */
const apply = (m: Model, kind: Kind, at: number, p: Params): void => {
  if (kind !== 'notify') m.lastStepAt = at;
  m.clock = Math.max(m.clock, at);
  switch (kind) {
    case 'receive':
      m.status = 'received';
      m.receivedAt = at;
      return;
    case 'acknowledge':
      m.status = 'acknowledged';
      return;
    case 'assess':
      m.status = 'assessed';
      return;
    case 'investigate':
      m.status = 'investigated';
      m.investigations += 1;
      m.investigatedThisCycle = true;
      return;
    case 'notify':
      return;
    case 'resolve':
      m.status = 'resolved';
      m.firstResolvedAt ??= at;
      m.callback = null;
      return;
    case 'callback':
      m.callback = { properlyHandled: p.properlyHandled, customerSatisfied: p.customerSatisfied };
      return;
    case 'escalate':
      m.status = 'escalated';
      m.escalationCount += 1;
      m.callback = null;
      return;
    case 'close':
      m.status = 'closed';
      return;
    case 'reopen':
      m.status = 'reopened';
      m.reopenCount += 1;
      m.investigatedThisCycle = false;
      m.callback = null;
      return;
  }
};

/** The natural next step from the model's status (the happy path, with a satisfied callback). */
const nextKind = (m: Model): Kind => {
  switch (m.status) {
    case 'none':
      return 'receive';
    case 'received':
      return 'acknowledge';
    case 'acknowledged':
      return 'assess';
    case 'assessed':
    case 'reopened':
      return 'investigate';
    case 'escalated':
      return m.investigatedThisCycle ? 'resolve' : 'investigate';
    case 'investigated':
      return 'resolve';
    case 'resolved':
      return m.callback?.properlyHandled ? 'close' : 'callback';
    case 'closed':
      return 'close';
  }
};

const produced: Record<string, number> = {};
const refused: Record<string, number> = {};

class ComplaintCmd implements fc.Command<Model, Real> {
  constructor(
    readonly kind: Kind | 'progress',
    readonly p: Params,
  ) {}
  check = () => true;
  toString = () => `${this.kind}${this.p.late ? '(late)' : ''}`;
  run(m: Model, r: Real): void {
    const kind = this.kind === 'progress' ? nextKind(m) : this.kind;
    // progress always answers the callback positively, so that the happy path can close
    const p = this.kind === 'progress' ? { ...this.p, properlyHandled: true, customerSatisfied: true, claimPermille: 500 } : this.p;
    const ref = kind === 'notify' ? m.receivedAt : m.lastStepAt;
    const at = p.late ? ref - MIN : m.clock + p.delta * MIN;
    const command = commandFor(kind, iso(at), p);
    const expected = predict(m, kind, at, p);
    let events: ComplaintEvent[];
    try {
      events = complaintDecider.decide(command, r.state);
    } catch (e) {
      if (!isDomainError(e)) throw e;
      expect({ kind, code: e.code }).toEqual({ kind, ...expected });
      refused[e.code] = (refused[e.code] ?? 0) + 1;
      return;
    }
    expect({ kind, events: events.map((e) => e.type).join() }).toEqual({ kind, ...expected });
    for (const e of events) {
      expect(complaintEventSchemas[e.type].schema.safeParse(e.data).success, `${e.type} matches its schema`).toBe(true);
      produced[e.type] = (produced[e.type] ?? 0) + 1;
    }
    r.events.push(...events);
    r.state = events.reduce(complaintDecider.evolve, r.state);
    apply(m, kind, at, p);
    checkInvariants(m, r);
  }
}

const params = fc.record({
  late: fc.nat(11).map((n) => n === 0),
  delta: fc.nat(72 * 60),
  properlyHandled: fc.nat(3).map((n) => n !== 0),
  customerSatisfied: fc.boolean(),
  compensationFen: fc.constantFrom(0, 1, 999, 50_000),
  claimPermille: fc.constantFrom(0, 0, 500, 1000, 1001),
});
const kinds: Kind[] = ['receive', 'acknowledge', 'assess', 'investigate', 'notify', 'resolve', 'callback', 'escalate', 'close', 'reopen'];
const randomCommand = fc.tuple(fc.constantFrom(...kinds), params).map(([k, p]) => new ComplaintCmd(k, p));
const progress = params.map((p) => new ComplaintCmd('progress', p));
const allCommands = [progress, progress, progress, progress, randomCommand, randomCommand, randomCommand];

const stepTypes = new Set<ComplaintEvent['type']>(Object.keys(complaintEventSchemas) as ComplaintEvent['type'][]);
stepTypes.delete('ComplaintProgressNotified');

function checkInvariants(m: Model, r: Real) {
  const s = r.state;
  expect(s.status).toBe(m.status);
  if (s.status === 'initial') return;
  expect(isoStageOf(s)).not.toBeNull();
  // Closed only when resolved and confirmed by a callback.
  if (s.status === 'closed') {
    expect(s.firstResolvedAt).not.toBeNull();
    expect(s.callback?.properlyHandled).toBe(true);
  }
  // The first resolution never moves; exactly one resolution is the first.
  const resolutions = r.events.filter((e) => e.type === 'ComplaintResolved');
  expect(resolutions.filter((e) => e.data.isFirstResolution).length).toBe(resolutions.length > 0 ? 1 : 0);
  expect(s.firstResolvedAt).toBe(m.firstResolvedAt === null ? null : iso(m.firstResolvedAt));
  for (const e of resolutions) {
    expect(e.data.firstResolvedAt).toBe(s.firstResolvedAt);
    expect(e.data.carrierClaimFen).toBeLessThanOrEqual(e.data.compensationFen);
    expect(Date.parse(e.data.firstResolvedAt)).toBeGreaterThanOrEqual(Date.parse(e.data.receivedAt));
  }
  // Reopen count is self-describing.
  const reopens = r.events.filter((e) => e.type === 'ComplaintReopened');
  expect(s.reopenCount).toBe(reopens.length);
  reopens.forEach((e, i) => expect(e.data.reopenCount).toBe(i + 1));
  // Lifecycle steps never go back in business time.
  const steps = r.events.filter((e) => stepTypes.has(e.type));
  steps.forEach((e, i) => {
    const prev = steps[i - 1];
    if (prev) expect(Date.parse(e.data.occurredAt)).toBeGreaterThanOrEqual(Date.parse(prev.data.occurredAt));
  });
  // Replay is deterministic and survives serialisation.
  expect(fold(complaintDecider, r.events)).toEqual(s);
  expect(fold(complaintDecider, JSON.parse(JSON.stringify(r.events)) as ComplaintEvent[])).toEqual(s);
}

describe('Complaint decider: model-based properties', () => {
  it('accepts and refuses exactly as the model predicts, keeps the invariants, and reaches closed', () => {
    let runs = 0;
    let closedAtEnd = 0;
    fc.assert(
      fc.property(fc.commands(allCommands, { maxCommands: 40, size: 'max' }), (cmds) => {
        const m = newModel();
        const r: Real = { events: [], state: complaintDecider.initialState() };
        fc.modelRun(() => ({ model: m, real: r }), cmds);
        runs += 1;
        if (r.state.status === 'closed') closedAtEnd += 1;
      }),
      { numRuns: 300 },
    );
    const share = closedAtEnd / runs;
    log(`complaint coverage: ${(share * 100).toFixed(1)} % of ${runs} runs end closed; events:`, produced, 'refusals:', refused);
    expect(share).toBeGreaterThanOrEqual(0.3);
    for (const type of Object.keys(complaintEventSchemas)) expect(produced[type] ?? 0, `${type} was produced`).toBeGreaterThan(0);
    const codes: DomainErrorCode[] = [
      'already_exists',
      'not_found',
      'invalid_state',
      'out_of_order_time',
      'invalid_amount',
      'complaint_closed',
      'complaint_not_resolved',
      'callback_required',
    ];
    for (const code of codes) expect(refused[code] ?? 0, `${code} was exercised`).toBeGreaterThan(0);
  });

  it('evolve is total: random events in random order never throw, and replay is deterministic', () => {
    const at = fc.integer({ min: 0, max: 1_000 }).map((h) => iso(T0 + h * 3_600_000));
    const base = { complaintId: fc.constant(complaintId), customerId: fc.constant('cust-1'), occurredAt: at };
    const status = fc.constantFrom<ComplaintStatus>('received', 'assessed', 'investigated', 'resolved', 'escalated', 'closed', 'reopened');
    const count = fc.nat(5);
    const event: fc.Arbitrary<ComplaintEvent> = fc.oneof(
      fc
        .record({ ...base, orderId: fc.constantFrom(null, 'o-1') })
        .map((d) => ({ type: 'ComplaintReceived' as const, data: { ...d, number: 'TS-2026-000001', channel: 'fax' as const, category: 'loss' as const, description: 'd', remedySought: 'r' } })),
      fc.record({ ...base, receivedAt: at }).map((d) => ({ type: 'ComplaintAcknowledged' as const, data: { ...d, by: 'a' } })),
      fc.record({ ...base, receivedAt: at, urgent: fc.boolean() }).map((d) => ({
        type: 'ComplaintAssessed' as const,
        data: { ...d, number: 'TS-2026-000001', category: 'loss' as const, severity: 'low' as const, owner: 'o' },
      })),
      fc.record({ ...base, isReinvestigation: fc.boolean() }).map((d) => ({ type: 'ComplaintInvestigated' as const, data: { ...d, rootCause: 'x', correctiveAction: 'y' } })),
      fc.record({ ...base, status }).map((d) => ({ type: 'ComplaintProgressNotified' as const, data: { ...d, message: 'm', via: 'email' as const } })),
      fc.record({ ...base, receivedAt: at, firstResolvedAt: at, isFirstResolution: fc.boolean(), reopenCount: count }).map((d) => ({
        type: 'ComplaintResolved' as const,
        data: { ...d, resolution: 'r', compensationFen: 10, carrierClaimFen: 5, category: 'loss' as const, severity: null },
      })),
      fc.record({ ...base, properlyHandled: fc.boolean(), customerSatisfied: fc.boolean() }).map((d) => ({ type: 'ComplaintCallbackRecorded' as const, data: { ...d, by: 'b', notes: null } })),
      fc.record({ ...base, fromStatus: status, escalationCount: count.map((n) => n + 1) }).map((d) => ({
        type: 'ComplaintEscalated' as const,
        data: { ...d, reason: 'r', escalatedTo: 'gm', appealRightsNotified: true as const },
      })),
      fc.record({ ...base, receivedAt: at, firstResolvedAt: at, reopenCount: count, escalationCount: count }).map((d) => ({ type: 'ComplaintClosed' as const, data: d })),
      fc.record({ ...base, receivedAt: at, firstResolvedAt: at, reopenCount: count.map((n) => n + 1) }).map((d) => ({ type: 'ComplaintReopened' as const, data: { ...d, reason: 'r' } })),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), (events) => {
        const once = fold(complaintDecider, events);
        expect(fold(complaintDecider, events)).toEqual(once);
        // A stream that never starts with ComplaintReceived stays initial.
        if (!events.some((e) => e.type === 'ComplaintReceived')) {
          expect(once.status).toBe('initial');
        }
      }),
      { numRuns: 300 },
    );
  });
});
