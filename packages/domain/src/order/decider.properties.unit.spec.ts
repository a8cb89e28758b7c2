import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { isDomainError } from '../shared/errors.ts';
import type { DomainErrorCode } from '../shared/errors.ts';
import { deepEqual } from '../shared/testing.ts';
import type { OrderCommand, OrderExceptionKind } from './commands.ts';
import { orderDecider } from './decider.ts';
import { orderEventSchemas } from './events.ts';
import type { OrderEvent, OrderStatus } from './events.ts';
import { reservedReturnQuantity, terminalOrderStatuses } from './state.ts';
import type { OrderState } from './state.ts';

// Model-based test: commands are generated abstractly (which lines, whether on time, which id
// from a small pool) and made concrete against the model, so that both the accepted paths and
// every refusal are exercised. The model predicts each outcome (events or the exact code).

declare const console: { log: (...args: unknown[]) => void };

const T0 = Date.parse('2026-03-02T00:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const orderId = 'o-1';

type Model = {
  status: 'none' | OrderStatus;
  clock: number;
  ordered: Record<string, number>;
  delivered: Record<string, number>;
  lastStepAt: number;
  dispatchedAt: number;
  deliveredAt: number;
  exceptions: { id: string; raisedAt: number; resolved: boolean }[];
  returns: { id: string; lines: { lineId: string; quantity: number }[]; reservedAt: number; released: boolean }[];
};
type Real = { events: OrderEvent[]; state: OrderState };
type Outcome = { code: DomainErrorCode } | { events: number };

const refuse = (code: DomainErrorCode): Outcome => ({ code });
const ok = (events = 1): Outcome => ({ events });

/** Status gate as the decider applies it (a lost order refuses lifecycle steps with order_lost). */
const gate = (m: Model, allowed: readonly OrderStatus[]): Outcome | undefined => {
  if (m.status === 'none') return refuse('not_found');
  if (allowed.includes(m.status)) return undefined;
  return refuse(m.status === 'lost' ? 'order_lost' : 'invalid_state');
};
const timeGate = (at: number, ref: number): Outcome | undefined => (at < ref ? refuse('out_of_order_time') : undefined);

/** When `late`, one minute before the reference time the command must not precede; else after the clock. */
const timeFor = (m: Model, late: boolean, ref: number, deltaMin: number) => (late ? ref - MIN : m.clock + deltaMin * MIN);

const lineIds = (m: Model) => Object.keys(m.ordered).sort();
const activeReserved = (m: Model, lineId: string) =>
  m.returns.filter((r) => !r.released).reduce((s, r) => s + (r.lines.find((l) => l.lineId === lineId)?.quantity ?? 0), 0);

/** Event types produced across all runs (printed and checked: every type must be reached). */
const produced: Record<string, number> = {};

type LineMode = 'full' | 'short' | 'over' | 'unknown' | 'missing';

abstract class OrderCmd implements fc.Command<Model, Real> {
  abstract name: string;
  abstract concrete(m: Model): { command: OrderCommand; expected: Outcome };
  check = () => true;
  toString = () => this.name;
  run(m: Model, r: Real): void {
    const { command, expected } = this.concrete(m);
    let events: OrderEvent[];
    try {
      events = orderDecider.decide(command, r.state);
    } catch (e) {
      if (!isDomainError(e)) throw e;
      expect({ cmd: command.type, code: e.code }).toEqual({ cmd: command.type, ...expected });
      return;
    }
    expect({ cmd: command.type, events: events.length }).toEqual({ cmd: command.type, ...expected });
    for (const e of events) {
      const parsed = orderEventSchemas[e.type].schema.safeParse(e.data);
      expect(parsed.success, `${e.type} matches its schema`).toBe(true);
    }
    for (const e of events) produced[e.type] = (produced[e.type] ?? 0) + 1;
    r.events.push(...events);
    r.state = events.reduce(orderDecider.evolve, r.state);
    this.apply(m, command, events);
    if (events.length > 0) m.clock = Math.max(m.clock, Date.parse(command.data.occurredAt));
    checkInvariants(m, r);
  }
  /** Mirrors the accepted command on the model. */
  abstract apply(m: Model, command: OrderCommand, events: OrderEvent[]): void;
}

const lifecycle = (
  name: string,
  allowed: readonly OrderStatus[],
  make: (at: string) => OrderCommand,
  next: OrderStatus,
) =>
  fc.record({ lateRoll: fc.nat(9), delta: fc.nat(48 * 60) }).map(
    ({ lateRoll, delta }) =>
      new (class extends OrderCmd {
        name = `${name}${lateRoll === 0 ? '(late)' : ''}`;
        concrete(m: Model) {
          const at = timeFor(m, lateRoll === 0, m.lastStepAt, delta);
          return { command: make(iso(at)), expected: gate(m, allowed) ?? timeGate(at, m.lastStepAt) ?? ok() };
        }
        apply(m: Model, c: OrderCommand) {
          m.status = next;
          m.lastStepAt = Date.parse(c.data.occurredAt);
          if (next === 'dispatched') m.dispatchedAt = m.lastStepAt;
        }
      })(),
  );

const linesFor = <T>(m: Model, mode: LineMode, full: (id: string, q: number) => T, pick: (id: string, q: number) => T) => {
  const ids = lineIds(m);
  if (mode === 'missing') return ids.slice(1).map((id) => full(id, m.ordered[id] ?? 0));
  if (mode === 'unknown') return [...ids.map((id) => full(id, m.ordered[id] ?? 0)), full('Lx', 1)];
  return ids.map((id, i) => {
    const q = m.ordered[id] ?? 0;
    if (i > 0) return full(id, q);
    return pick(id, mode === 'over' ? q + 1 : mode === 'short' ? q - 1 : q);
  });
};
const lineOutcome = (m: Model, mode: LineMode): Outcome => {
  if (mode === 'unknown') return refuse('unknown_line');
  if (mode === 'missing') return refuse('invalid_state');
  if (mode === 'over') return refuse('quantity_exceeds_ordered');
  return ok();
};
const lineMode = fc.constantFrom<LineMode>('full', 'full', 'full', 'full', 'short', 'short', 'over', 'unknown', 'missing');

const prepareArb = fc.record({ lateRoll: fc.nat(9), delta: fc.nat(48 * 60), mode: lineMode, damaged: fc.boolean() }).map(
  ({ lateRoll, delta, mode, damaged }) =>
    new (class extends OrderCmd {
      name = `prepare(${mode})`;
      concrete(m: Model) {
        const at = timeFor(m, lateRoll === 0, m.lastStepAt, delta);
        const lines = linesFor(m, mode, (lineId, q) => ({ lineId, pickedQuantity: q, stockDamaged: false }), (lineId, q) => ({ lineId, pickedQuantity: q, stockDamaged: damaged }));
        return {
          command: { type: 'order.prepare', data: { orderId, lines, occurredAt: iso(at) } } as OrderCommand,
          expected: gate(m, ['accepted']) ?? timeGate(at, m.lastStepAt) ?? lineOutcome(m, mode),
        };
      }
      apply(m: Model, c: OrderCommand) {
        m.status = 'prepared';
        m.lastStepAt = Date.parse(c.data.occurredAt);
      }
    })(),
);

const deliverArb = fc.record({ lateRoll: fc.nat(9), delta: fc.nat(48 * 60), mode: lineMode, damaged: fc.boolean() }).map(
  ({ lateRoll, delta, mode, damaged }) =>
    new (class extends OrderCmd {
      name = `deliver(${mode})`;
      concrete(m: Model) {
        const at = timeFor(m, lateRoll === 0, m.lastStepAt, delta);
        const lines = linesFor(
          m,
          mode,
          (lineId, q) => ({ lineId, deliveredQuantity: q, condition: 'intact' as const }),
          (lineId, q) => ({ lineId, deliveredQuantity: q, condition: damaged ? ('damaged' as const) : ('intact' as const) }),
        );
        return {
          command: { type: 'order.deliver', data: { orderId, signatory: 'S', lines, occurredAt: iso(at) } } as OrderCommand,
          expected: gate(m, ['dispatched']) ?? timeGate(at, m.lastStepAt) ?? lineOutcome(m, mode),
        };
      }
      apply(m: Model, c: OrderCommand) {
        m.status = 'delivered';
        m.lastStepAt = m.deliveredAt = Date.parse(c.data.occurredAt);
        if (c.type === 'order.deliver') for (const l of c.data.lines) m.delivered[l.lineId] = l.deliveredQuantity;
      }
    })(),
);

const trackArb = fc.record({ lateRoll: fc.nat(9), delta: fc.nat(30 * 60) }).map(
  ({ lateRoll, delta }) =>
    new (class extends OrderCmd {
      name = 'track';
      concrete(m: Model) {
        const at = timeFor(m, lateRoll === 0, m.lastStepAt, delta);
        return {
          command: { type: 'order.recordTracking', data: { orderId, location: 'hub', statusNote: 'moving', occurredAt: iso(at) } } as OrderCommand,
          expected: gate(m, ['dispatched']) ?? timeGate(at, m.lastStepAt) ?? ok(),
        };
      }
      apply(m: Model, c: OrderCommand) {
        m.lastStepAt = Date.parse(c.data.occurredAt);
      }
    })(),
);

const raiseArb = fc
  .record({ lateRoll: fc.nat(9), delta: fc.nat(24 * 60), id: fc.constantFrom('x1', 'x2', 'x3'), kind: fc.constantFrom<OrderExceptionKind>('damage', 'loss', 'delay', 'handover_dispute') })
  .map(
    ({ lateRoll, delta, id, kind }) =>
      new (class extends OrderCmd {
        name = `raise(${kind},${id})`;
        concrete(m: Model) {
          const at = timeFor(m, lateRoll === 0, kind === 'loss' ? m.lastStepAt : m.dispatchedAt, delta);
          const expected =
            gate(m, ['dispatched', 'delivered']) ??
            (m.exceptions.some((x) => x.id === id) ? refuse('already_exists') : undefined) ??
            timeGate(at, m.dispatchedAt) ??
            (kind === 'loss' && m.status !== 'dispatched' ? refuse('invalid_state') : undefined) ??
            (kind === 'loss' ? timeGate(at, m.lastStepAt) : undefined) ??
            ok(kind === 'loss' ? 2 : 1);
          return {
            command: { type: 'order.raiseException', data: { orderId, exceptionId: id, kind, description: kind, occurredAt: iso(at) } } as OrderCommand,
            expected,
          };
        }
        apply(m: Model, c: OrderCommand) {
          const at = Date.parse(c.data.occurredAt);
          m.exceptions.push({ id, raisedAt: at, resolved: false });
          if (kind === 'loss') {
            m.status = 'lost';
            m.lastStepAt = at;
          }
        }
      })(),
  );

const resolveArb = fc.record({ lateRoll: fc.nat(9), delta: fc.nat(24 * 60), id: fc.constantFrom('x1', 'x2', 'x3') }).map(
  ({ lateRoll, delta, id }) =>
    new (class extends OrderCmd {
      name = `resolve(${id})`;
      concrete(m: Model) {
        const ex = m.exceptions.find((x) => x.id === id);
        const at = timeFor(m, lateRoll === 0, ex?.raisedAt ?? m.clock, delta);
        const expected =
          m.status === 'none' || !ex ? refuse('not_found') : ex.resolved ? refuse('invalid_state') : (timeGate(at, ex.raisedAt) ?? ok());
        return {
          command: { type: 'order.resolveException', data: { orderId, exceptionId: id, resolution: 'done', occurredAt: iso(at) } } as OrderCommand,
          expected,
        };
      }
      apply(m: Model) {
        const ex = m.exceptions.find((x) => x.id === id);
        if (ex) ex.resolved = true;
      }
    })(),
);

const completeArb = fc.record({ lateRoll: fc.nat(9), delta: fc.nat(24 * 60) }).map(
  ({ lateRoll, delta }) =>
    new (class extends OrderCmd {
      name = 'complete';
      concrete(m: Model) {
        const at = timeFor(m, lateRoll === 0, m.lastStepAt, delta);
        const expected =
          gate(m, ['delivered']) ??
          timeGate(at, m.lastStepAt) ??
          (m.exceptions.some((x) => !x.resolved) ? refuse('invalid_state') : ok());
        return { command: { type: 'order.complete', data: { orderId, occurredAt: iso(at) } } as OrderCommand, expected };
      }
      apply(m: Model, c: OrderCommand) {
        m.status = 'completed';
        m.lastStepAt = Date.parse(c.data.occurredAt);
      }
    })(),
);

const cancelArb = fc.record({ lateRoll: fc.nat(9), delta: fc.nat(24 * 60) }).map(
  ({ lateRoll, delta }) =>
    new (class extends OrderCmd {
      name = 'cancel';
      concrete(m: Model) {
        const at = timeFor(m, lateRoll === 0, m.lastStepAt, delta);
        const s = m.status;
        const expected =
          s === 'none'
            ? refuse('not_found')
            : s === 'lost'
              ? refuse('order_lost')
              : s === 'dispatched' || s === 'delivered' || s === 'completed'
                ? refuse('order_not_cancellable')
                : s === 'rejected' || s === 'cancelled'
                  ? refuse('invalid_state')
                  : (timeGate(at, m.lastStepAt) ?? ok());
        return { command: { type: 'order.cancel', data: { orderId, reason: 'r', occurredAt: iso(at) } } as OrderCommand, expected };
      }
      apply(m: Model, c: OrderCommand) {
        m.status = 'cancelled';
        m.lastStepAt = Date.parse(c.data.occurredAt);
      }
    })(),
);

const reserveArb = fc
  .record({
    lateRoll: fc.nat(9),
    delta: fc.nat(24 * 60),
    id: fc.constantFrom('r1', 'r2', 'r3'),
    qty: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 3, maxLength: 3 }),
    unknown: fc.nat(9),
  })
  .map(
    ({ lateRoll, delta, id, qty, unknown }) =>
      new (class extends OrderCmd {
        name = `reserveReturn(${id})`;
        concrete(m: Model) {
          const at = timeFor(m, lateRoll === 0, m.deliveredAt, delta);
          let lines = lineIds(m)
            .map((lineId, i) => ({ lineId, quantity: qty[i] ?? 0 }))
            .filter((l) => l.quantity > 0);
          if (lines.length === 0) lines = [{ lineId: lineIds(m)[0] ?? 'L1', quantity: 1 }];
          if (unknown === 0) lines = [...lines, { lineId: 'Lx', quantity: 1 }];
          const prev = m.returns.find((r) => r.id === id);
          const same = prev !== undefined && deepEqual(prev.lines, lines);
          const expected =
            gate(m, ['delivered', 'completed']) ??
            (prev ? (prev.released ? refuse('invalid_state') : same ? ok(0) : refuse('invalid_state')) : undefined) ??
            timeGate(at, m.deliveredAt) ??
            (unknown === 0 ? refuse('unknown_line') : undefined) ??
            (lines.some((l) => activeReserved(m, l.lineId) + l.quantity > (m.delivered[l.lineId] ?? 0)) ? refuse('return_exceeds_delivered') : ok());
          return { command: { type: 'order.reserveReturn', data: { orderId, returnId: id, lines, occurredAt: iso(at) } } as OrderCommand, expected };
        }
        apply(m: Model, c: OrderCommand, events: OrderEvent[]) {
          if (events.length === 0 || c.type !== 'order.reserveReturn') return;
          m.returns.push({ id, lines: c.data.lines, reservedAt: Date.parse(c.data.occurredAt), released: false });
        }
      })(),
  );

const releaseArb = fc.record({ lateRoll: fc.nat(9), delta: fc.nat(24 * 60), id: fc.constantFrom('r1', 'r2', 'r3') }).map(
  ({ lateRoll, delta, id }) =>
    new (class extends OrderCmd {
      name = `releaseReturn(${id})`;
      concrete(m: Model) {
        const r = m.returns.find((x) => x.id === id);
        const at = timeFor(m, lateRoll === 0, r?.reservedAt ?? m.clock, delta);
        const expected = !r ? refuse('not_found') : r.released ? ok(0) : (timeGate(at, r.reservedAt) ?? ok());
        return { command: { type: 'order.releaseReturn', data: { orderId, returnId: id, reason: 'rejected', occurredAt: iso(at) } } as OrderCommand, expected };
      }
      apply(m: Model, _c: OrderCommand, events: OrderEvent[]) {
        const r = m.returns.find((x) => x.id === id);
        if (r && events.length > 0) r.released = true;
      }
    })(),
);

const placeAgainArb = fc.constant(null).map(
  () =>
    new (class extends OrderCmd {
      name = 'place(again)';
      concrete(m: Model) {
        return {
          command: {
            type: 'order.place',
            data: {
              orderId,
              customerId: 'c',
              channel: 'web',
              lines: [{ lineId: 'L1', sku: 's', description: 'd', quantity: 1, unitPriceFen: 1 }],
              urgent: false,
              dispatchPreference: 'standard',
              occurredAt: iso(m.clock),
            },
          } as OrderCommand,
          expected: m.status === 'none' ? ok() : refuse('already_exists'),
        };
      }
      apply(m: Model) {
        m.status = 'placed';
        m.ordered = { L1: 1 };
      }
    })(),
);

const verifyArb = lifecycle('verify', ['placed'], (at) => ({ type: 'order.verify', data: { orderId, verifiedBy: 'v', occurredAt: at } }), 'verified');
const acceptArb = lifecycle('accept', ['placed', 'verified'], (at) => ({ type: 'order.accept', data: { orderId, occurredAt: at } }), 'accepted');
const rejectArb = lifecycle('reject', ['placed', 'verified'], (at) => ({ type: 'order.reject', data: { orderId, reason: 'other', occurredAt: at } }), 'rejected');
const dispatchArb = lifecycle(
  'dispatch',
  ['prepared'],
  (at) => ({ type: 'order.dispatch', data: { orderId, carrier: 'c', transportMode: 'rail', trackingNumber: 't', occurredAt: at } }),
  'dispatched',
);

// Repeats weight the choice towards progress, so that deep paths (delivery, returns, loss,
// completion) are reached often enough; cancel and reject end a run early.
const allCommands = [
  verifyArb,
  acceptArb,
  acceptArb,
  acceptArb,
  rejectArb,
  prepareArb,
  prepareArb,
  prepareArb,
  dispatchArb,
  dispatchArb,
  dispatchArb,
  trackArb,
  deliverArb,
  deliverArb,
  deliverArb,
  raiseArb,
  raiseArb,
  resolveArb,
  resolveArb,
  completeArb,
  completeArb,
  cancelArb,
  reserveArb,
  reserveArb,
  reserveArb,
  releaseArb,
  releaseArb,
  releaseArb,
  placeAgainArb,
];

const placeArb = fc.record({
  quantities: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
  placed: fc.nat(9),
});

function checkInvariants(m: Model, r: Real) {
  const s = r.state;
  expect(s.status).toBe(m.status);
  if (s.status === 'none') return;
  for (const l of s.lines) {
    expect(l.deliveredQuantity ?? 0).toBeLessThanOrEqual(l.quantity);
    expect(reservedReturnQuantity(s, l.lineId)).toBeLessThanOrEqual(l.deliveredQuantity ?? 0);
  }
  const types = r.events.map((e) => e.type);
  const lostAt = types.indexOf('OrderLost');
  if (lostAt >= 0) expect(types.slice(lostAt).includes('OrderDelivered')).toBe(false);
  const dispatchedAt = types.indexOf('OrderDispatched');
  if (dispatchedAt >= 0) expect(types.slice(dispatchedAt).includes('OrderCancelled')).toBe(false);
  const steps = r.events.filter((e) => !['OrderExceptionRaised', 'OrderExceptionResolved', 'OrderReturnReserved', 'OrderReturnReleased'].includes(e.type));
  steps.forEach((e, i) => {
    const prev = steps[i - 1];
    if (prev) expect(Date.parse(e.data.occurredAt)).toBeGreaterThanOrEqual(Date.parse(prev.data.occurredAt));
  });
  // Replay is deterministic and survives serialisation (snapshots, the wire).
  expect(fold(orderDecider, r.events)).toEqual(s);
  expect(fold(orderDecider, JSON.parse(JSON.stringify(r.events)) as OrderEvent[])).toEqual(s);
}

describe('Order decider: model-based properties', () => {
  it('accepts and refuses exactly as the model predicts, keeps the invariants, and reaches terminal states', () => {
    let runs = 0;
    let terminal = 0;
    const reached: Record<string, number> = {};
    fc.assert(
      fc.property(placeArb, fc.commands(allCommands, { maxCommands: 60, size: 'max' }), ({ quantities, placed }, cmds) => {
        const ordered = Object.fromEntries(quantities.map((q, i) => [`L${i + 1}`, q]));
        const m: Model = {
          status: 'none',
          clock: T0,
          ordered,
          delivered: {},
          lastStepAt: T0,
          dispatchedAt: T0,
          deliveredAt: T0,
          exceptions: [],
          returns: [],
        };
        const r: Real = { events: [], state: orderDecider.initialState() };
        if (placed !== 0) {
          const events = orderDecider.decide(
            {
              type: 'order.place',
              data: {
                orderId,
                customerId: 'c-1',
                channel: 'email',
                lines: quantities.map((q, i) => ({ lineId: `L${i + 1}`, sku: `S${i}`, description: 'goods', quantity: q, unitPriceFen: 100 * (i + 1) })),
                urgent: placed % 2 === 0,
                dispatchPreference: 'standard',
                occurredAt: iso(T0),
              },
            },
            r.state,
          );
          r.events.push(...events);
          r.state = fold(orderDecider, r.events);
          m.status = 'placed';
        }
        fc.modelRun(() => ({ model: m, real: r }), cmds);
        runs += 1;
        reached[m.status] = (reached[m.status] ?? 0) + 1;
        if ((terminalOrderStatuses as readonly string[]).includes(m.status)) terminal += 1;
      }),
      { numRuns: 600 },
    );
    const share = terminal / runs;
    console.log(`order model runs: ${runs}; terminal share ${(share * 100).toFixed(1)} %; final statuses ${JSON.stringify(reached)}`);
    expect(share).toBeGreaterThanOrEqual(0.3);
    console.log(`order events produced: ${JSON.stringify(produced)}`);
    for (const s of ['completed', 'cancelled', 'rejected', 'lost'] as const) expect(reached[s] ?? 0).toBeGreaterThan(0);
    for (const t of Object.keys(orderEventSchemas)) expect(produced[t] ?? 0, t).toBeGreaterThan(0);
  });
});
