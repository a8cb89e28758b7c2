import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { orderDecider } from './decider.ts';
import { orderEventSchemas } from './events.ts';
import type { OrderEvent } from './events.ts';
import { reservedReturnQuantity } from './state.ts';

// Random, schema-valid events in random order (not what the decider would produce): evolve must
// never throw, replay must be deterministic, and the state must keep its invariants anyway.

const T0 = Date.parse('2026-03-02T00:00:00.000Z');
const time = fc.integer({ min: 0, max: 30 * 24 * 60 }).map((m) => new Date(T0 + m * 60_000).toISOString());
const lineId = fc.constantFrom('L1', 'L2', 'L3');
const qty = fc.integer({ min: 1, max: 6 });
const qty0 = fc.integer({ min: 0, max: 8 });
const base = { orderId: fc.constant('o-1'), customerId: fc.constant('c-1'), occurredAt: time };
const exceptionId = fc.constantFrom('x1', 'x2');
const kind = fc.constantFrom('damage' as const, 'loss' as const, 'delay' as const, 'handover_dispute' as const);
const returnLines = fc.array(fc.record({ lineId, quantity: qty }), { minLength: 1, maxLength: 3 });
const ev = <T extends OrderEvent['type'], D>(type: T, data: fc.Arbitrary<D>) => data.map((d) => ({ type, data: d }) as OrderEvent);

const anyEvent: fc.Arbitrary<OrderEvent> = fc.oneof(
  ev(
    'OrderPlaced',
    fc.record({
      ...base,
      channel: fc.constant('web' as const),
      lines: fc.uniqueArray(
        fc.record({ lineId, sku: fc.constant('s'), description: fc.constant('d'), quantity: qty, unitPriceFen: fc.nat(1000), amountFen: fc.nat(6000) }),
        { minLength: 1, maxLength: 3, selector: (l) => l.lineId },
      ),
      totalAmountFen: fc.nat(20000),
      urgent: fc.boolean(),
      dispatchPreference: fc.constant('standard' as const),
      promisedDispatchAt: time,
      promisedDeliveryAt: time,
      promiseSource: fc.constant('standard' as const),
    }),
  ),
  ev('OrderVerified', fc.record({ ...base, verifiedBy: fc.constant('v') })),
  ev('OrderAccepted', fc.record({ ...base, totalAmountFen: fc.nat(), placedAt: time })),
  ev('OrderRejected', fc.record({ ...base, reason: fc.constant('other' as const), totalAmountFen: fc.nat(), placedAt: time })),
  ev(
    'OrderPrepared',
    fc.record({
      ...base,
      lines: fc.array(fc.record({ lineId, orderedQuantity: qty, pickedQuantity: qty0, stockOut: fc.boolean(), stockDamaged: fc.boolean() }), { minLength: 1, maxLength: 3 }),
      pickedInFull: fc.boolean(),
      acceptedAt: time,
    }),
  ),
  ev(
    'OrderDispatched',
    fc.record({ ...base, carrier: fc.constant('c'), transportMode: fc.constant('air' as const), trackingNumber: fc.constant('t'), promisedDispatchAt: time, pickedInFull: fc.boolean(), placedAt: time, acceptedAt: time }),
  ),
  ev('OrderTrackingUpdated', fc.record({ ...base, location: fc.constant('l'), statusNote: fc.constant('n'), previousPointAt: time, dispatchedAt: time })),
  ev(
    'OrderDelivered',
    fc.record({
      ...base,
      signatory: fc.constant('s'),
      lines: fc.array(fc.record({ lineId, orderedQuantity: qty, deliveredQuantity: qty0, condition: fc.constantFrom('intact' as const, 'damaged' as const) }), { minLength: 1, maxLength: 3 }),
      inFull: fc.boolean(),
      damageRecorded: fc.boolean(),
      promisedDeliveryAt: time,
      placedAt: time,
      dispatchedAt: time,
      previousPointAt: time,
    }),
  ),
  ev('OrderExceptionRaised', fc.record({ ...base, exceptionId, kind, description: fc.constant('d'), orderStatus: fc.constant('dispatched' as const) })),
  ev('OrderExceptionResolved', fc.record({ ...base, exceptionId, kind, resolution: fc.constant('r'), raisedAt: time })),
  ev(
    'OrderLost',
    fc.record({ ...base, exceptionId, description: fc.constant('d'), totalAmountFen: fc.nat(), promisedDeliveryAt: time, placedAt: time, dispatchedAt: time, previousPointAt: time }),
  ),
  ev('OrderCompleted', fc.record({ ...base, deliveredAt: time, placedAt: time })),
  ev(
    'OrderCancelled',
    fc.record({ ...base, reason: fc.constant('r'), previousStatus: fc.constant('placed' as const), wasAccepted: fc.boolean(), totalAmountFen: fc.nat(), placedAt: time }),
  ),
  ev('OrderReturnReserved', fc.record({ ...base, returnId: fc.constantFrom('r1', 'r2'), lines: returnLines, deliveredAt: time })),
  ev('OrderReturnReleased', fc.record({ ...base, returnId: fc.constantFrom('r1', 'r2'), reason: fc.constant('r'), lines: returnLines })),
);

describe('Order evolve', () => {
  it('the generator makes schema-valid events', () => {
    fc.assert(
      fc.property(anyEvent, (e) => {
        expect(orderEventSchemas[e.type].schema.safeParse(e.data).success).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('is total and deterministic on random events in random order, and keeps its invariants', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 40 }), (events) => {
        const state = fold(orderDecider, events);
        expect(fold(orderDecider, events)).toEqual(state);
        expect(fold(orderDecider, JSON.parse(JSON.stringify(events)) as OrderEvent[])).toEqual(state);
        if (state.status === 'none') return;
        for (const l of state.lines) {
          expect(l.deliveredQuantity ?? 0).toBeLessThanOrEqual(l.quantity);
          expect(reservedReturnQuantity(state, l.lineId)).toBeLessThanOrEqual(l.deliveredQuantity ?? 0);
        }
        if (state.status === 'lost') expect(state.deliveredAt).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('ignores events that do not apply (state unchanged)', () => {
    fc.assert(
      fc.property(anyEvent.filter((e) => e.type !== 'OrderPlaced'), (e) => {
        const initial = orderDecider.initialState();
        expect(orderDecider.evolve(initial, e)).toEqual(initial);
      }),
      { numRuns: 100 },
    );
  });
});
