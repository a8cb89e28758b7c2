import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { isDomainError } from '../shared/errors.ts';
import type { DomainErrorCode } from '../shared/errors.ts';
import { deciderSpec } from '../shared/testing.ts';
import type { ImprovementRole, OpenServiceImprovementData, ServiceImprovementCommand } from './commands.ts';
import { serviceImprovementDecider } from './decider.ts';
import { serviceImprovementEventSchemas } from './events.ts';
import type { ServiceImprovementEvent } from './events.ts';
import { serviceImprovementAggregate } from './index.ts';
import type { ServiceImprovementState } from './state.ts';

const spec = deciderSpec(serviceImprovementDecider);
const T0 = Date.parse('2026-04-01T00:00:00.000Z');
const MIN = 60_000;
const at = (h: number): string => new Date(T0 + h * 3_600_000).toISOString();
const iso = (ms: number) => new Date(ms).toISOString();
const improvementId = 'imp-1';

const openData = (over: Partial<OpenServiceImprovementData> = {}): OpenServiceImprovementData => ({
  improvementId,
  indicator: 'on_time_delivery',
  description: 'add an evening delivery shift',
  startDate: '2026-04-01',
  endDate: '2026-06-30',
  valueBefore: 9_100,
  occurredAt: at(0),
  ...over,
});
const cmd = {
  open: (over: Partial<OpenServiceImprovementData> = {}): ServiceImprovementCommand => ({ type: 'improvement.open', data: openData(over) }),
  result: (valueAfter: number, h = 1): ServiceImprovementCommand => ({ type: 'improvement.recordResult', data: { improvementId, valueAfter, occurredAt: at(h) } }),
  confirm: (role: ImprovementRole, h = 2): ServiceImprovementCommand => ({ type: 'improvement.confirm', data: { improvementId, role, by: `${role}-person`, occurredAt: at(h) } }),
  close: (h = 3): ServiceImprovementCommand => ({ type: 'improvement.close', data: { improvementId, occurredAt: at(h) } }),
};
const opened: ServiceImprovementEvent = {
  type: 'ServiceImprovementOpened',
  data: { ...openData(), unit: 'basis_points', direction: 'higher_is_better' },
};
const result = (valueAfter: number, h = 1): ServiceImprovementEvent => ({
  type: 'ServiceImprovementResultRecorded',
  data: { improvementId, indicator: 'on_time_delivery', valueBefore: 9_100, valueAfter, change: valueAfter - 9_100, improved: valueAfter > 9_100, occurredAt: at(h) },
});
const roles = ['customer_service_manager', 'department_manager', 'general_manager'] as const;
const confirmed = (n: number, h = 2): ServiceImprovementEvent[] =>
  roles.slice(0, n).map((role, i) => ({
    type: 'ServiceImprovementConfirmed',
    data: { improvementId, role, by: `${role}-person`, confirmedRoles: roles.slice(0, i + 1), occurredAt: at(h) },
  }));
const closed: ServiceImprovementEvent = {
  type: 'ServiceImprovementClosed',
  data: {
    improvementId,
    indicator: 'on_time_delivery',
    startDate: '2026-04-01',
    endDate: '2026-06-30',
    valueBefore: 9_100,
    valueAfter: 9_600,
    improved: true,
    confirmations: roles.map((role) => ({ role, by: `${role}-person`, confirmedAt: at(2) })),
    occurredAt: at(3),
  },
};
const complete = [opened, result(9_600), ...confirmed(3)];

describe('improvement.open', () => {
  it('opens with unit and direction', () => {
    spec.given([]).when(cmd.open()).then([opened]);
  });
  it('refuses opening twice (already_exists), dates the wrong way (invalid_state), a value outside its unit (invalid_quantity)', () => {
    spec.given([opened]).when(cmd.open()).thenThrows('already_exists');
    spec.given([]).when(cmd.open({ endDate: '2026-03-31' })).thenThrows('invalid_state');
    spec.given([]).when(cmd.open({ valueBefore: 10_001 })).thenThrows('invalid_quantity');
    expect(serviceImprovementAggregate.commands['improvement.open'].schema.safeParse(openData({ valueBefore: 10_001 })).success).toBe(false);
    expect(serviceImprovementAggregate.commands['improvement.open'].schema.safeParse(openData({ endDate: '2026-03-31' })).success).toBe(false);
  });
});

describe('improvement.recordResult', () => {
  it('records the value after, the change and whether it improved (per direction)', () => {
    spec.given([opened]).when(cmd.result(9_600)).then([result(9_600)]);
    const hours: ServiceImprovementEvent = {
      type: 'ServiceImprovementOpened',
      data: { ...openData({ indicator: 'complaint_handling_time', valueBefore: 48 }), unit: 'hours', direction: 'lower_is_better' },
    };
    expect(spec.given([hours]).when(cmd.result(30)).events()[0]?.data).toMatchObject({ change: -18, improved: true });
  });
  it('refuses a second result (invalid_state), an early time (out_of_order_time), out of range (invalid_quantity), missing (not_found), closed (invalid_state)', () => {
    spec.given([opened, result(9_600)]).when(cmd.result(9_700)).thenThrows('invalid_state');
    spec.given([opened]).when(cmd.result(9_600, -1)).thenThrows('out_of_order_time');
    spec.given([opened]).when(cmd.result(-1)).thenThrows('invalid_quantity');
    spec.given([]).when(cmd.result(9_600)).thenThrows('not_found');
    spec.given([...complete, closed]).when(cmd.result(9_600, 4)).thenThrows('invalid_state');
  });
});

describe('improvement.confirm', () => {
  it('confirms each role once, listing the roles confirmed so far', () => {
    spec.given([opened]).when(cmd.confirm('customer_service_manager')).then(confirmed(1));
    spec.given([opened, ...confirmed(2)]).when(cmd.confirm('general_manager')).then(confirmed(3).slice(2));
  });
  it('refuses a role confirming twice (already_exists), an early time (out_of_order_time), missing (not_found), closed (invalid_state)', () => {
    spec.given([opened, ...confirmed(1)]).when(cmd.confirm('customer_service_manager')).thenThrows('already_exists');
    spec.given([opened]).when(cmd.confirm('general_manager', -1)).thenThrows('out_of_order_time');
    spec.given([]).when(cmd.confirm('general_manager')).thenThrows('not_found');
    spec.given([...complete, closed]).when(cmd.confirm('general_manager', 4)).thenThrows('invalid_state');
  });
});

describe('improvement.close', () => {
  it('closes with the result and the three confirmations', () => {
    spec.given(complete).when(cmd.close()).then([closed]);
  });
  it('refuses without all three confirmations or without the result: invalid_state', () => {
    spec.given([opened, result(9_600), ...confirmed(2)]).when(cmd.close()).thenThrows('invalid_state');
    spec.given([opened, ...confirmed(3)]).when(cmd.close()).thenThrows('invalid_state');
  });
  it('refuses closing before the last confirmation (out_of_order_time), twice (invalid_state), missing (not_found)', () => {
    spec.given([opened, result(9_600), ...confirmed(3, 5)]).when(cmd.close(4)).thenThrows('out_of_order_time');
    spec.given([...complete, closed]).when(cmd.close(4)).thenThrows('invalid_state');
    spec.given([]).when(cmd.close()).thenThrows('not_found');
  });
});

// ---------------------------------------------------------------------------------------------
// Model-based properties

type Model = {
  status: 'none' | 'open' | 'closed';
  clock: number;
  openedAt: number;
  lastStepAt: number;
  result: boolean;
  roles: ImprovementRole[];
};
type Real = { events: ServiceImprovementEvent[]; state: ServiceImprovementState };
type Outcome = { code: DomainErrorCode } | { events: number };
const refuse = (code: DomainErrorCode): Outcome => ({ code });
const gate = (m: Model): Outcome | undefined => (m.status === 'none' ? refuse('not_found') : m.status === 'closed' ? refuse('invalid_state') : undefined);
const timeGate = (t: number, ref: number): Outcome | undefined => (t < ref ? refuse('out_of_order_time') : undefined);

class ImprovementCmd implements fc.Command<Model, Real> {
  constructor(
    readonly name: string,
    private readonly concrete: (m: Model) => { command: ServiceImprovementCommand; expected: Outcome },
    private readonly apply: (m: Model, t: number) => void,
  ) {}
  check = () => true;
  toString = () => this.name;
  run(m: Model, r: Real): void {
    const { command, expected } = this.concrete(m);
    let events: ServiceImprovementEvent[];
    try {
      events = serviceImprovementDecider.decide(command, r.state);
    } catch (e) {
      if (!isDomainError(e)) throw e;
      expect({ cmd: command.type, code: e.code }).toEqual({ cmd: command.type, ...expected });
      return;
    }
    expect({ cmd: command.type, events: events.length }).toEqual({ cmd: command.type, ...expected });
    for (const e of events) expect(serviceImprovementEventSchemas[e.type].schema.safeParse(e.data).success, e.type).toBe(true);
    r.events.push(...events);
    r.state = events.reduce(serviceImprovementDecider.evolve, r.state);
    const t = Date.parse(command.data.occurredAt);
    this.apply(m, t);
    m.clock = Math.max(m.clock, t);
    // Invariants: the state follows the model, a closed item has the result and three confirmations, replay is deterministic.
    expect(r.state.status).toBe(m.status);
    if (r.state.status !== 'none') expect(r.state.confirmations.map((c) => c.role).sort()).toEqual([...m.roles].sort());
    const closedEvent = r.events.find((e) => e.type === 'ServiceImprovementClosed');
    if (closedEvent && closedEvent.type === 'ServiceImprovementClosed') expect(closedEvent.data.confirmations).toHaveLength(3);
    expect(fold(serviceImprovementDecider, JSON.parse(JSON.stringify(r.events)) as ServiceImprovementEvent[])).toEqual(r.state);
  }
}

const lateArb = fc.nat(9).map((n) => n === 0);
const deltaArb = fc.nat(48 * 60);
const timeFor = (m: Model, late: boolean, ref: number, delta: number) => (late ? ref - MIN : m.clock + delta * MIN);

const resultArb = fc.record({ late: lateArb, delta: deltaArb, value: fc.integer({ min: 8_000, max: 10_000 }) }).map(
  ({ late, delta, value }) =>
    new ImprovementCmd(
      'result',
      (m) => {
        const t = timeFor(m, late, m.openedAt, delta);
        const expected = gate(m) ?? (m.result ? refuse('invalid_state') : undefined) ?? timeGate(t, m.openedAt) ?? { events: 1 };
        return { command: { type: 'improvement.recordResult', data: { improvementId, valueAfter: value, occurredAt: iso(t) } }, expected };
      },
      (m, t) => {
        m.result = true;
        m.lastStepAt = Math.max(m.lastStepAt, t);
      },
    ),
);
const confirmArb = fc.record({ late: lateArb, delta: deltaArb, role: fc.constantFrom(...roles) }).map(
  ({ late, delta, role }) =>
    new ImprovementCmd(
      `confirm(${role})`,
      (m) => {
        const t = timeFor(m, late, m.openedAt, delta);
        const expected = gate(m) ?? (m.roles.includes(role) ? refuse('already_exists') : undefined) ?? timeGate(t, m.openedAt) ?? { events: 1 };
        return { command: { type: 'improvement.confirm', data: { improvementId, role, by: 'p', occurredAt: iso(t) } }, expected };
      },
      (m, t) => {
        m.roles.push(role);
        m.lastStepAt = Math.max(m.lastStepAt, t);
      },
    ),
);
const closeArb = fc.record({ late: lateArb, delta: deltaArb }).map(
  ({ late, delta }) =>
    new ImprovementCmd(
      'close',
      (m) => {
        const t = timeFor(m, late, m.lastStepAt, delta);
        const expected =
          gate(m) ?? (m.roles.length < 3 || !m.result ? refuse('invalid_state') : undefined) ?? timeGate(t, m.lastStepAt) ?? { events: 1 };
        return { command: { type: 'improvement.close', data: { improvementId, occurredAt: iso(t) } }, expected };
      },
      (m) => {
        m.status = 'closed';
      },
    ),
);
const openArb = fc.constant(null).map(
  () =>
    new ImprovementCmd(
      'open',
      (m) => ({ command: cmd.open({ occurredAt: iso(m.clock) }), expected: m.status === 'none' ? { events: 1 } : refuse('already_exists') }),
      (m, t) => {
        m.status = 'open';
        m.openedAt = m.lastStepAt = t;
      },
    ),
);

describe('ServiceImprovement decider: model-based properties', () => {
  it('accepts and refuses exactly as the model predicts, replays deterministically and reaches closure', () => {
    let runs = 0;
    let terminal = 0;
    fc.assert(
      fc.property(fc.nat(9), fc.commands([resultArb, confirmArb, confirmArb, confirmArb, closeArb, closeArb, openArb], { maxCommands: 30, size: 'max' }), (openRoll, cmds) => {
        const m: Model = { status: 'none', clock: T0, openedAt: T0, lastStepAt: T0, result: false, roles: [] };
        const r: Real = { events: [], state: serviceImprovementDecider.initialState() };
        if (openRoll !== 0) {
          r.events.push(...serviceImprovementDecider.decide(cmd.open({ occurredAt: iso(T0) }), r.state));
          r.state = fold(serviceImprovementDecider, r.events);
          m.status = 'open';
        }
        fc.modelRun(() => ({ model: m, real: r }), cmds);
        runs += 1;
        if (m.status === 'closed') terminal += 1;
      }),
      { numRuns: 300, seed: 5 },
    );
    const share = terminal / runs;
    console.log(`service improvement model runs: ${runs}; closed (terminal) share ${(share * 100).toFixed(1)} %`);
    expect(share).toBeGreaterThanOrEqual(0.3);
  });

  it('evolve is total: valid events in any order never throw', () => {
    const pool = [opened, result(9_600), ...confirmed(3), closed, result(9_000, 9), ...confirmed(2, 9)];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pool), { maxLength: 20 }), (events) => {
        const s = fold(serviceImprovementDecider, events);
        expect(fold(serviceImprovementDecider, events)).toEqual(s);
        if (s.status !== 'none') expect(new Set(s.confirmations.map((c) => c.role)).size).toBe(s.confirmations.length);
      }),
      { numRuns: 300, seed: 9 },
    );
  });
});
