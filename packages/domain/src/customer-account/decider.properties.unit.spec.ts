import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { isDomainError } from '../shared/errors.ts';
import type { DomainErrorCode } from '../shared/errors.ts';
import type { Classification } from '../shared/reference.ts';
import type { CustomerAccountCommand } from './commands.ts';
import { customerAccountDecider } from './decider.ts';
import { customerAccountEventSchemas } from './events.ts';
import type { CustomerAccountEvent } from './events.ts';
import type { CustomerAccountState } from './state.ts';

// Model-based test: abstract commands (which reservation id, whether dated too early, which
// amount) are made concrete against the model, which predicts each outcome (events or the exact
// refusal code), so both the accepted paths and every refusal are exercised.

const T0 = Date.parse('2026-03-02T00:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const customerId = 'c-1';
const SALESPERSON = 'Li Lei';

type Reservation = { reserved: number; released: number; at: number };
type Model = {
  status: 'none' | 'active' | 'suspended' | 'closed';
  clock: number;
  openedAt: number;
  lastStatusAt: number;
  limitsAt: number;
  classAt: number;
  single: number;
  cap: number;
  classification: Classification;
  reservations: Record<string, Reservation>;
  visits: string[];
};
type Real = { events: CustomerAccountEvent[]; state: CustomerAccountState };
type Outcome = { code: DomainErrorCode } | { events: number };

const refuse = (code: DomainErrorCode): Outcome => ({ code });
const ok = (events = 1): Outcome => ({ events });
const outstanding = (m: Model) => Object.values(m.reservations).reduce((s, r) => s + r.reserved - r.released, 0);
const remaining = (m: Model, id: string) => {
  const r = m.reservations[id];
  return r ? r.reserved - r.released : 0;
};

/** Existence and closure, as every command but release checks them first. */
const gate = (m: Model): Outcome | undefined =>
  m.status === 'none' ? refuse('not_found') : m.status === 'closed' ? refuse('account_closed') : undefined;
const timeGate = (at: number, ref: number): Outcome | undefined => (at < ref ? refuse('out_of_order_time') : undefined);
/** When `late`, one minute before the reference time; else some minutes after the model clock. */
const timeFor = (m: Model, late: boolean, ref: number, deltaMin: number) => (late ? ref - MIN : m.clock + deltaMin * MIN);

type Step = {
  name: string;
  concrete: (m: Model) => { command: CustomerAccountCommand; expected: Outcome };
  apply: (m: Model, c: CustomerAccountCommand) => void;
};

class AccountCmd implements fc.Command<Model, Real> {
  constructor(private readonly step: Step) {}
  check = () => true;
  toString = () => this.step.name;
  run(m: Model, r: Real): void {
    const { command, expected } = this.step.concrete(m);
    let events: CustomerAccountEvent[];
    try {
      events = customerAccountDecider.decide(command, r.state);
    } catch (e) {
      if (!isDomainError(e)) throw e;
      expect({ cmd: command.type, code: e.code }).toEqual({ cmd: command.type, ...expected });
      return;
    }
    expect({ cmd: command.type, events: events.length }).toEqual({ cmd: command.type, ...expected });
    for (const e of events) {
      expect(customerAccountEventSchemas[e.type].schema.safeParse(e.data).success, `${e.type} matches its schema`).toBe(true);
    }
    r.events.push(...events);
    r.state = events.reduce(customerAccountDecider.evolve, r.state);
    if (events.length > 0) {
      this.step.apply(m, command);
      m.clock = Math.max(m.clock, Date.parse(command.data.occurredAt));
    }
    checkInvariants(m, r);
  }
}
const step = (s: Step) => new AccountCmd(s);

const late = fc.nat(9).map((n) => n === 0);
const delta = fc.nat(24 * 60);
// Amounts and caps in whole thousands so that the boundaries (exactly at a cap, one step over) are hit.
const resId = fc.constantFrom('o1', 'o2', 'o3', 'o4');

const reserveArb = fc.record({ late, delta, id: resId, amount: fc.integer({ min: 0, max: 12 }).map((n) => n * 1_000), same: fc.boolean() }).map(({ late, delta, id, amount, same }) =>
  step({
    name: `reserve(${id})`,
    concrete: (m) => {
      const at = timeFor(m, late, m.openedAt, delta);
      const prev = m.reservations[id];
      const amountFen = prev && same ? prev.reserved : amount;
      const expected =
        gate(m) ??
        (prev && prev.released < prev.reserved ? (prev.reserved === amountFen ? ok(0) : refuse('invalid_state')) : undefined) ??
        (m.status === 'suspended' ? refuse('account_not_active') : undefined) ??
        timeGate(at, m.openedAt) ??
        (amountFen > m.single ? refuse('single_order_limit_exceeded') : undefined) ??
        (outstanding(m) + amountFen > m.cap ? refuse('credit_limit_exceeded') : undefined) ??
        // 0 fen passes the same checks and holds nothing: no event (so the model keeps no reservation).
        (amountFen === 0 ? ok(0) : ok());
      return { command: { type: 'customer.reserveCredit', data: { customerId, reservationId: id, amountFen, occurredAt: iso(at) } }, expected };
    },
    apply: (m, c) => {
      if (c.type === 'customer.reserveCredit') m.reservations[id] = { reserved: c.data.amountFen, released: 0, at: Date.parse(c.data.occurredAt) };
    },
  }),
);

const releaseArb = fc.record({ late, delta, id: resId, mode: fc.constantFrom('all', 'all', 'half', 'over') }).map(({ late, delta, id, mode }) =>
  step({
    name: `release(${id},${mode})`,
    concrete: (m) => {
      const r = m.reservations[id];
      const at = timeFor(m, late, r?.at ?? m.clock, delta);
      const left = remaining(m, id);
      const amountFen = mode === 'all' ? undefined : mode === 'half' ? Math.max(1, Math.floor(left / 2)) : left + 1;
      const expected =
        (m.status === 'none' ? refuse('not_found') : undefined) ??
        (!r || left === 0 ? refuse('reservation_not_found') : undefined) ??
        timeGate(at, r?.at ?? 0) ??
        ((amountFen ?? left) > left ? refuse('invalid_amount') : ok());
      return {
        command: {
          type: 'customer.releaseCredit',
          data: { customerId, reservationId: id, reason: 'payment', ...(amountFen !== undefined ? { amountFen } : {}), occurredAt: iso(at) },
        },
        expected,
      };
    },
    apply: (m, c) => {
      const r = m.reservations[id];
      if (r && c.type === 'customer.releaseCredit') r.released += c.data.amountFen ?? r.reserved - r.released;
    },
  }),
);

const statusArb = (kind: 'suspend' | 'reinstate' | 'close') =>
  fc.record({ late, delta }).map(({ late, delta }) =>
    step({
      name: kind,
      concrete: (m) => {
        const at = timeFor(m, late, m.lastStatusAt, delta);
        const wrong =
          kind === 'suspend' ? m.status !== 'active' : kind === 'reinstate' ? m.status !== 'suspended' : false;
        const expected =
          gate(m) ??
          (wrong ? refuse('invalid_state') : undefined) ??
          timeGate(at, m.lastStatusAt) ??
          (kind === 'close' && outstanding(m) > 0 ? refuse('invalid_state') : ok());
        const occurredAt = iso(at);
        const command: CustomerAccountCommand =
          kind === 'suspend'
            ? { type: 'customer.suspend', data: { customerId, reason: 'overdue', occurredAt } }
            : kind === 'reinstate'
              ? { type: 'customer.reinstate', data: { customerId, occurredAt } }
              : { type: 'customer.close', data: { customerId, reason: 'left', occurredAt } };
        return { command, expected };
      },
      apply: (m, c) => {
        m.status = kind === 'suspend' ? 'suspended' : kind === 'reinstate' ? 'active' : 'closed';
        m.lastStatusAt = Date.parse(c.data.occurredAt);
      },
    }),
  );

const limitsArb = fc.record({ late, delta, single: fc.integer({ min: 0, max: 12 }).map((n) => n * 1_000), cap: fc.integer({ min: 0, max: 30 }).map((n) => n * 1_000) }).map(
  ({ late, delta, single, cap }) =>
    step({
      name: `limits(${single},${cap})`,
      concrete: (m) => {
        const at = timeFor(m, late, m.limitsAt, delta);
        const expected = gate(m) ?? timeGate(at, m.limitsAt) ?? (single === m.single && cap === m.cap ? refuse('invalid_state') : ok());
        return {
          command: { type: 'customer.setCreditLimits', data: { customerId, singleOrderCapFen: single, outstandingCapFen: cap, reason: 'review', occurredAt: iso(at) } },
          expected,
        };
      },
      apply: (m, c) => {
        m.single = single;
        m.cap = cap;
        m.limitsAt = Date.parse(c.data.occurredAt);
      },
    }),
);

const classifyArb = fc.record({ late, delta, to: fc.constantFrom<Classification>('key', 'suitable', 'general') }).map(({ late, delta, to }) =>
  step({
    name: `classify(${to})`,
    concrete: (m) => {
      const at = timeFor(m, late, m.classAt, delta);
      const expected = gate(m) ?? timeGate(at, m.classAt) ?? (m.classification === to ? refuse('invalid_state') : ok());
      return { command: { type: 'customer.changeClassification', data: { customerId, classification: to, reason: 'review', occurredAt: iso(at) } }, expected };
    },
    apply: (m, c) => {
      m.classification = to;
      m.classAt = Date.parse(c.data.occurredAt);
    },
  }),
);

const visitArb = fc.record({ late, delta, id: fc.constantFrom('v1', 'v2'), bySalesperson: fc.nat(4).map((n) => n === 0) }).map(
  ({ late, delta, id, bySalesperson }) =>
    step({
      name: `visit(${id}${bySalesperson ? ',salesperson' : ''})`,
      concrete: (m) => {
        const at = timeFor(m, late, m.openedAt, delta);
        const expected =
          gate(m) ??
          (bySalesperson ? refuse('visitor_is_local_salesperson') : undefined) ??
          (m.visits.includes(id) ? refuse('already_exists') : undefined) ??
          timeGate(at, m.openedAt) ??
          ok();
        return {
          command: {
            type: 'customer.recordVisit',
            data: {
              customerId,
              visitId: id,
              visitor: bySalesperson ? SALESPERSON.toUpperCase() : 'Zhao Min',
              visitedAt: iso(at),
              customerOpinions: 'o',
              marketInfo: 'm',
              competitorInfo: 'c',
              effect: 'e',
              handling: 'h',
              result: 'r',
              occurredAt: iso(at),
            },
          },
          expected,
        };
      },
      apply: (m) => {
        m.visits.push(id);
      },
    }),
);

const openAgainArb = fc.constant(null).map(() =>
  step({
    name: 'open',
    concrete: (m) => ({ command: openCommand(iso(m.clock)), expected: m.status === 'none' ? ok() : refuse('already_exists') }),
    apply: (m, c) => {
      m.status = 'active';
      m.openedAt = m.lastStatusAt = m.limitsAt = m.classAt = Date.parse(c.data.occurredAt);
    },
  }),
);

const openCommand = (occurredAt: string): CustomerAccountCommand => ({
  type: 'customer.open',
  data: {
    customerId,
    name: 'Acme',
    contact: { person: 'Ms Zhang' },
    industry: 'retail',
    region: 'Hubei',
    customerType: { kind: 'individual', frequency: 'occasional' },
    classification: 'general',
    regionalGrade: 'C',
    accountOwner: 'Wang',
    localSalesperson: SALESPERSON,
    creditLimits: { singleOrderCapFen: 8_000, outstandingCapFen: 20_000 },
    occurredAt,
  },
});

const allCommands = [
  reserveArb,
  reserveArb,
  reserveArb,
  releaseArb,
  releaseArb,
  releaseArb,
  statusArb('suspend'),
  statusArb('reinstate'),
  statusArb('close'),
  statusArb('close'),
  limitsArb,
  classifyArb,
  visitArb,
  openAgainArb,
];

function checkInvariants(m: Model, r: Real) {
  const s = r.state;
  expect(s.status).toBe(m.status);
  if (s.status === 'none') return;
  expect(s.outstandingFen).toBe(outstanding(m));
  expect(s.outstandingFen).toBeGreaterThanOrEqual(0);
  const sum = Object.values(s.reservations).reduce((t, x) => t + x.reservedFen - x.releasedFen, 0);
  expect(s.outstandingFen).toBe(sum);
  for (const x of Object.values(s.reservations)) expect(x.releasedFen).toBeLessThanOrEqual(x.reservedFen);
  // Every reservation respected the caps in force when it was made.
  for (const e of r.events) {
    if (e.type !== 'CreditReserved') continue;
    expect(e.data.amountFen).toBeLessThanOrEqual(e.data.singleOrderCapFen);
    expect(e.data.outstandingAfterFen).toBeLessThanOrEqual(e.data.outstandingCapFen);
  }
  const closedAt = r.events.findIndex((e) => e.type === 'CustomerAccountClosed');
  if (closedAt >= 0) expect(r.events.slice(closedAt + 1).every((e) => e.type === 'CreditReleased')).toBe(true);
  // Replay is deterministic and survives serialisation (snapshots, the wire).
  expect(fold(customerAccountDecider, r.events)).toEqual(s);
  expect(fold(customerAccountDecider, JSON.parse(JSON.stringify(r.events)) as CustomerAccountEvent[])).toEqual(s);
}

describe('CustomerAccount decider: model-based properties', () => {
  it('accepts and refuses exactly as the model predicts, keeps the credit invariants, and reaches closure', () => {
    let runs = 0;
    let terminal = 0;
    const reached: Record<string, number> = {};
    fc.assert(
      fc.property(fc.nat(9), fc.commands(allCommands, { maxCommands: 40, size: 'max' }), (openRoll, cmds) => {
        const m: Model = {
          status: 'none',
          clock: T0,
          openedAt: T0,
          lastStatusAt: T0,
          limitsAt: T0,
          classAt: T0,
          single: 8_000,
          cap: 20_000,
          classification: 'general',
          reservations: {},
          visits: [],
        };
        const r: Real = { events: [], state: customerAccountDecider.initialState() };
        if (openRoll !== 0) {
          r.events.push(...customerAccountDecider.decide(openCommand(iso(T0)), r.state));
          r.state = fold(customerAccountDecider, r.events);
          m.status = 'active';
        }
        fc.modelRun(() => ({ model: m, real: r }), cmds);
        runs += 1;
        reached[m.status] = (reached[m.status] ?? 0) + 1;
        if (m.status === 'closed') terminal += 1;
      }),
      { numRuns: 300, seed: 7 },
    );
    const share = terminal / runs;
    console.log(`customer account model runs: ${runs}; closed (terminal) share ${(share * 100).toFixed(1)} %; final statuses ${JSON.stringify(reached)}`);
    expect(share).toBeGreaterThanOrEqual(0.3);
  });

  it('evolve is total: random valid events in random order never throw, and the balance stays consistent', () => {
    const at = fc.integer({ min: 0, max: 10_000 }).map((n) => iso(T0 + n * MIN));
    const id = fc.constantFrom('o1', 'o2', 'constructor', 'toString');
    const eventArb: fc.Arbitrary<CustomerAccountEvent> = fc.oneof(
      at.map((occurredAt): CustomerAccountEvent => ({
        type: 'CustomerAccountOpened',
        data: { ...(openCommand(occurredAt).data as Extract<CustomerAccountCommand, { type: 'customer.open' }>['data']), standardColumn: 'individual' },
      })),
      fc.record({ at, id, amount: fc.nat(50_000) }).map(({ at, id, amount }): CustomerAccountEvent => ({
        type: 'CreditReserved',
        data: { customerId, reservationId: id, amountFen: amount, outstandingAfterFen: amount, singleOrderCapFen: 1, outstandingCapFen: 1, occurredAt: at },
      })),
      fc.record({ at, id, amount: fc.nat(50_000) }).map(({ at, id, amount }): CustomerAccountEvent => ({
        type: 'CreditReleased',
        data: { customerId, reservationId: id, reason: 'payment', amountFen: amount, remainingFen: 0, outstandingAfterFen: 0, occurredAt: at },
      })),
      at.map((occurredAt): CustomerAccountEvent => ({ type: 'CustomerAccountSuspended', data: { customerId, reason: 'r', occurredAt } })),
      at.map((occurredAt): CustomerAccountEvent => ({ type: 'CustomerAccountReinstated', data: { customerId, suspendedAt: occurredAt, occurredAt } })),
      at.map((occurredAt): CustomerAccountEvent => ({ type: 'CustomerAccountClosed', data: { customerId, reason: 'r', openedAt: occurredAt, occurredAt } })),
      fc.record({ at, to: fc.constantFrom<Classification>('key', 'suitable', 'general') }).map(({ at, to }): CustomerAccountEvent => ({
        type: 'CustomerClassificationChanged',
        data: { customerId, from: 'general', to, reason: 'r', occurredAt: at },
      })),
      fc.record({ at, id }).map(({ at, id }): CustomerAccountEvent => ({
        type: 'CustomerCallbackRecorded',
        data: { customerId, callbackId: id, by: 'b', topic: 't', outcome: 'o', occurredAt: at },
      })),
    );
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 40 }), (events) => {
        const s = fold(customerAccountDecider, events);
        expect(fold(customerAccountDecider, events)).toEqual(s);
        if (s.status === 'none') return;
        const sum = Object.values(s.reservations).reduce((t, x) => t + x.reservedFen - x.releasedFen, 0);
        expect(s.outstandingFen).toBe(sum);
        expect(s.outstandingFen).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
