import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../shared/testing.ts';
import type { OrderCommand, PlaceOrderData } from './commands.ts';
import { orderDecider } from './decider.ts';
import type { OrderEvent } from './events.ts';
import { orderAggregate } from './index.ts';

const spec = deciderSpec(orderDecider);

const T0 = Date.parse('2026-03-02T00:00:00.000Z');
/** T0 + h hours as a UTC ISO string. */
const at = (h: number): string => new Date(T0 + h * 3_600_000).toISOString();

const orderId = 'o-1';
const customerId = 'c-1';

const placeData = (over: Partial<PlaceOrderData> = {}): PlaceOrderData => ({
  orderId,
  customerId,
  channel: 'phone',
  lines: [
    { lineId: 'L1', sku: 'SKU-1', description: 'Cartons', quantity: 10, unitPriceFen: 1250 },
    { lineId: 'L2', sku: 'SKU-2', description: 'Pallets', quantity: 3, unitPriceFen: 999 },
  ],
  urgent: false,
  dispatchPreference: 'standard',
  occurredAt: at(0),
  ...over,
});

const cmd = {
  place: (over: Partial<PlaceOrderData> = {}): OrderCommand => ({ type: 'order.place', data: placeData(over) }),
  verify: (h: number): OrderCommand => ({ type: 'order.verify', data: { orderId, verifiedBy: 'clerk-7', occurredAt: at(h) } }),
  accept: (h: number): OrderCommand => ({ type: 'order.accept', data: { orderId, occurredAt: at(h) } }),
  reject: (h: number): OrderCommand => ({
    type: 'order.reject',
    data: { orderId, reason: 'credit_refused', occurredAt: at(h) },
  }),
  prepare: (h: number, l1 = 10, l2 = 3, damaged = false): OrderCommand => ({
    type: 'order.prepare',
    data: {
      orderId,
      pickListNumber: 'PL-9',
      lines: [
        { lineId: 'L1', pickedQuantity: l1, stockDamaged: false },
        { lineId: 'L2', pickedQuantity: l2, stockDamaged: damaged },
      ],
      occurredAt: at(h),
    },
  }),
  dispatch: (h: number): OrderCommand => ({
    type: 'order.dispatch',
    data: { orderId, carrier: 'SF', transportMode: 'road', trackingNumber: 'SF123', occurredAt: at(h) },
  }),
  track: (h: number): OrderCommand => ({
    type: 'order.recordTracking',
    data: { orderId, location: 'Wuhan hub', statusNote: 'in transit', occurredAt: at(h) },
  }),
  deliver: (h: number, l1 = 10, l2 = 3, c2: 'intact' | 'damaged' = 'intact'): OrderCommand => ({
    type: 'order.deliver',
    data: {
      orderId,
      signatory: 'Ms Li',
      lines: [
        { lineId: 'L1', deliveredQuantity: l1, condition: 'intact' },
        { lineId: 'L2', deliveredQuantity: l2, condition: c2 },
      ],
      occurredAt: at(h),
    },
  }),
  raise: (h: number, kind: 'damage' | 'loss' | 'delay' | 'handover_dispute', exceptionId = 'x-1'): OrderCommand => ({
    type: 'order.raiseException',
    data: { orderId, exceptionId, kind, description: `${kind} reported`, occurredAt: at(h) },
  }),
  resolve: (h: number, exceptionId = 'x-1'): OrderCommand => ({
    type: 'order.resolveException',
    data: { orderId, exceptionId, resolution: 'settled', occurredAt: at(h) },
  }),
  complete: (h: number): OrderCommand => ({ type: 'order.complete', data: { orderId, occurredAt: at(h) } }),
  cancel: (h: number): OrderCommand => ({ type: 'order.cancel', data: { orderId, reason: 'customer changed mind', occurredAt: at(h) } }),
  reserveReturn: (h: number, lines: { lineId: string; quantity: number }[], returnId = 'r-1'): OrderCommand => ({
    type: 'order.reserveReturn',
    data: { orderId, returnId, lines, occurredAt: at(h) },
  }),
  releaseReturn: (h: number, returnId = 'r-1'): OrderCommand => ({
    type: 'order.releaseReturn',
    data: { orderId, returnId, reason: 'return rejected', occurredAt: at(h) },
  }),
};

/** Runs commands one after another from no history, returning all events (for building histories). */
const history = (...commands: OrderCommand[]): OrderEvent[] =>
  commands.reduce<OrderEvent[]>((events, c) => [...events, ...spec.given(events).when(c).events()], []);

const placed = () => history(cmd.place());
const accepted = () => history(cmd.place(), cmd.accept(1));
const prepared = () => history(cmd.place(), cmd.accept(1), cmd.prepare(2));
const dispatched = () => history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3));
const delivered = () => history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3), cmd.deliver(10));
const lost = () => history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3), cmd.raise(5, 'loss'));

const placedEvent: OrderEvent = {
  type: 'OrderPlaced',
  data: {
    orderId,
    customerId,
    channel: 'phone',
    lines: [
      { lineId: 'L1', sku: 'SKU-1', description: 'Cartons', quantity: 10, unitPriceFen: 1250, amountFen: 12500 },
      { lineId: 'L2', sku: 'SKU-2', description: 'Pallets', quantity: 3, unitPriceFen: 999, amountFen: 2997 },
    ],
    totalAmountFen: 15497,
    urgent: false,
    dispatchPreference: 'standard',
    promisedDispatchAt: at(24),
    promisedDeliveryAt: at(72),
    promiseSource: 'standard',
    occurredAt: at(0),
  },
};

describe('order.place', () => {
  it('places an order with standard lead times and the exact total', () => {
    spec.given([]).when(cmd.place()).then([placedEvent]);
  });

  it('uses the shorter urgent lead time when urgent', () => {
    const [e] = spec.given([]).when(cmd.place({ urgent: true })).events();
    expect(e?.type === 'OrderPlaced' && [e.data.promisedDispatchAt, e.data.promisedDeliveryAt]).toEqual([at(2), at(24)]);
  });

  it('takes the lead time of the dispatch preference (express)', () => {
    const [e] = spec.given([]).when(cmd.place({ dispatchPreference: 'express' })).events();
    expect(e?.type === 'OrderPlaced' && [e.data.promisedDispatchAt, e.data.promisedDeliveryAt]).toEqual([at(4), at(24)]);
  });

  it("keeps the customer's promised times and says so", () => {
    const [e] = spec.given([]).when(cmd.place({ promisedDispatchAt: at(5), promisedDeliveryAt: at(9) })).events();
    expect(e?.type === 'OrderPlaced' && e.data).toMatchObject({
      promisedDispatchAt: at(5),
      promisedDeliveryAt: at(9),
      promiseSource: 'customer',
    });
  });

  it('fills a missing promise from the standard (mixed), never putting dispatch after delivery', () => {
    const [a] = spec.given([]).when(cmd.place({ promisedDeliveryAt: at(10) })).events();
    expect(a?.type === 'OrderPlaced' && a.data).toMatchObject({ promisedDispatchAt: at(10), promisedDeliveryAt: at(10), promiseSource: 'mixed' });
    const [b] = spec.given([]).when(cmd.place({ promisedDispatchAt: at(30) })).events();
    expect(b?.type === 'OrderPlaced' && b.data).toMatchObject({ promisedDispatchAt: at(30), promisedDeliveryAt: at(78), promiseSource: 'mixed' });
  });

  it('takes the deferred lead time, and urgent shortens it', () => {
    const [d] = spec.given([]).when(cmd.place({ dispatchPreference: 'deferred' })).events();
    expect(d?.type === 'OrderPlaced' && [d.data.promisedDispatchAt, d.data.promisedDeliveryAt]).toEqual([at(72), at(144)]);
    const [u] = spec.given([]).when(cmd.place({ dispatchPreference: 'deferred', urgent: true })).events();
    expect(u?.type === 'OrderPlaced' && [u.data.promisedDispatchAt, u.data.promisedDeliveryAt]).toEqual([at(2), at(24)]);
  });

  it('compares business times as instants across offsets', () => {
    const h = spec.given([]).when(cmd.place({ occurredAt: '2026-03-02T08:00:00+08:00' })).events();
    const verifyAt = (occurredAt: string): OrderCommand => ({ type: 'order.verify', data: { orderId, verifiedBy: 'v', occurredAt } });
    spec.given(h).when(verifyAt('2026-03-01T23:30:00Z')).thenThrows('out_of_order_time');
    expect(spec.given(h).when(verifyAt('2026-03-02T07:30:00+07:00')).events()).toHaveLength(1);
    const [p] = h;
    expect(p?.type === 'OrderPlaced' && p.data.promisedDispatchAt).toBe('2026-03-03T00:00:00.000Z');
  });

  it('refuses an existing order with already_exists', () => {
    spec.given(placed()).when(cmd.place()).thenThrows('already_exists');
  });

  it('refuses an amount above MAX_SAFE_INTEGER with invalid_amount', () => {
    const lines = [
      { lineId: 'L1', sku: 'S', description: 'gold', quantity: 1_000_000_000, unitPriceFen: 9_007_199_254 },
      { lineId: 'L2', sku: 'S', description: 'gold', quantity: 1, unitPriceFen: 1 },
    ];
    spec.given([]).when(cmd.place({ lines })).thenThrows('invalid_amount');
    const sum = [
      { lineId: 'L1', sku: 'S', description: 'a', quantity: 1, unitPriceFen: Number.MAX_SAFE_INTEGER },
      { lineId: 'L2', sku: 'S', description: 'b', quantity: 1, unitPriceFen: 1 },
    ];
    spec.given([]).when(cmd.place({ lines: sum })).thenThrows('invalid_amount');
  });

  it('accepts an amount of exactly MAX_SAFE_INTEGER', () => {
    const lines = [{ lineId: 'L1', sku: 'S', description: 'a', quantity: 1, unitPriceFen: Number.MAX_SAFE_INTEGER }];
    const [e] = spec.given([]).when(cmd.place({ lines })).events();
    expect(e?.type === 'OrderPlaced' && e.data.totalAmountFen).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses a promised delivery before the promised dispatch with invalid_state', () => {
    spec.given([]).when(cmd.place({ promisedDispatchAt: at(9), promisedDeliveryAt: at(5) })).thenThrows('invalid_state');
  });

  it('refuses duplicate line ids with invalid_state (the schema refuses them too)', () => {
    const lines = placeData().lines.map((l) => ({ ...l, lineId: 'L1' }));
    spec.given([]).when(cmd.place({ lines })).thenThrows('invalid_state');
    expect(orderAggregate.commands['order.place'].schema.safeParse(placeData({ lines })).success).toBe(false);
  });
});

describe('order.place schema', () => {
  const schema = orderAggregate.commands['order.place'].schema;
  it('accepts a valid command and refuses bad input', () => {
    expect(schema.safeParse(placeData()).success).toBe(true);
    expect(schema.safeParse({ ...placeData(), lines: [] }).success).toBe(false);
    expect(schema.safeParse({ ...placeData(), channel: 'pigeon' }).success).toBe(false);
    expect(schema.safeParse({ ...placeData(), occurredAt: '2026-03-02 08:00' }).success).toBe(false);
    expect(schema.safeParse(placeData({ promisedDispatchAt: at(-1) })).success).toBe(false);
    const tooMany = Array.from({ length: 501 }, (_, i) => ({ lineId: `L${i}`, sku: 'S', description: 'd', quantity: 1, unitPriceFen: 1 }));
    expect(schema.safeParse(placeData({ lines: tooMany })).success).toBe(false);
    const floatPrice = [{ lineId: 'L1', sku: 'S', description: 'd', quantity: 1, unitPriceFen: 1.5 }];
    expect(schema.safeParse(placeData({ lines: floatPrice })).success).toBe(false);
  });
});

describe('order.verify', () => {
  it('verifies a placed order', () => {
    spec.given(placed()).when(cmd.verify(1)).then([
      { type: 'OrderVerified', data: { orderId, customerId, verifiedBy: 'clerk-7', occurredAt: at(1) } },
    ]);
  });
  it('refuses a missing order (not_found), a second verification (invalid_state), an earlier time (out_of_order_time)', () => {
    spec.given([]).when(cmd.verify(1)).thenThrows('not_found');
    spec.given(history(cmd.place(), cmd.verify(1))).when(cmd.verify(2)).thenThrows('invalid_state');
    spec.given(accepted()).when(cmd.verify(2)).thenThrows('invalid_state');
    spec.given(placed()).when(cmd.verify(-1)).thenThrows('out_of_order_time');
  });
});

describe('order.accept', () => {
  it('accepts a placed or verified order, carrying the amount for the credit reservation', () => {
    const accepted = { type: 'OrderAccepted', data: { orderId, customerId, totalAmountFen: 15497, placedAt: at(0), occurredAt: at(2) } } as const;
    spec.given(placed()).when(cmd.accept(2)).then([accepted]);
    spec.given(history(cmd.place(), cmd.verify(1))).when(cmd.accept(2)).then([accepted]);
  });
  it('refuses not_found, invalid_state, out_of_order_time', () => {
    spec.given([]).when(cmd.accept(1)).thenThrows('not_found');
    spec.given(accepted()).when(cmd.accept(2)).thenThrows('invalid_state');
    spec.given(history(cmd.place(), cmd.reject(1))).when(cmd.accept(2)).thenThrows('invalid_state');
    spec.given(history(cmd.place(), cmd.verify(3))).when(cmd.accept(2)).thenThrows('out_of_order_time');
  });
});

describe('order.reject', () => {
  it('rejects a placed or verified order', () => {
    const rejected = {
      type: 'OrderRejected',
      data: { orderId, customerId, reason: 'credit_refused', totalAmountFen: 15497, placedAt: at(0), occurredAt: at(2) },
    } as const;
    spec.given(placed()).when(cmd.reject(2)).then([rejected]);
    spec.given(history(cmd.place(), cmd.verify(1))).when(cmd.reject(2)).then([rejected]);
  });
  it('refuses not_found, invalid_state, out_of_order_time', () => {
    spec.given([]).when(cmd.reject(1)).thenThrows('not_found');
    spec.given(accepted()).when(cmd.reject(2)).thenThrows('invalid_state');
    spec.given(placed()).when(cmd.reject(-2)).thenThrows('out_of_order_time');
  });
});

describe('order.prepare', () => {
  it('records per line the picked quantity, stock-outs and damaged stock', () => {
    spec.given(accepted()).when(cmd.prepare(2, 8, 3, true)).then([
      {
        type: 'OrderPrepared',
        data: {
          orderId,
          customerId,
          pickListNumber: 'PL-9',
          lines: [
            { lineId: 'L1', orderedQuantity: 10, pickedQuantity: 8, stockOut: true, stockDamaged: false },
            { lineId: 'L2', orderedQuantity: 3, pickedQuantity: 3, stockOut: false, stockDamaged: true },
          ],
          pickedInFull: false,
          acceptedAt: at(1),
          occurredAt: at(2),
        },
      },
    ]);
  });
  it('refuses before acceptance, unknown/missing lines, over-picking and earlier times', () => {
    spec.given([]).when(cmd.prepare(2)).thenThrows('not_found');
    spec.given(placed()).when(cmd.prepare(2)).thenThrows('invalid_state');
    spec.given(prepared()).when(cmd.prepare(3)).thenThrows('invalid_state');
    spec.given(accepted()).when(cmd.prepare(0.5)).thenThrows('out_of_order_time');
    spec.given(accepted()).when(cmd.prepare(2, 11)).thenThrows('quantity_exceeds_ordered');
    const unknown: OrderCommand = {
      type: 'order.prepare',
      data: {
        orderId,
        lines: [
          { lineId: 'L1', pickedQuantity: 1, stockDamaged: false },
          { lineId: 'L9', pickedQuantity: 1, stockDamaged: false },
        ],
        occurredAt: at(2),
      },
    };
    spec.given(accepted()).when(unknown).thenThrows('unknown_line');
    const missing: OrderCommand = {
      type: 'order.prepare',
      data: { orderId, lines: [{ lineId: 'L1', pickedQuantity: 1, stockDamaged: false }], occurredAt: at(2) },
    };
    spec.given(accepted()).when(missing).thenThrows('invalid_state');
  });
});

describe('order.dispatch', () => {
  it('dispatches a prepared order with the promise and the pick accuracy', () => {
    spec.given(prepared()).when(cmd.dispatch(3)).then([
      {
        type: 'OrderDispatched',
        data: {
          orderId,
          customerId,
          carrier: 'SF',
          transportMode: 'road',
          trackingNumber: 'SF123',
          promisedDispatchAt: at(24),
          pickedInFull: true,
          placedAt: at(0),
          acceptedAt: at(1),
          occurredAt: at(3),
        },
      },
    ]);
  });
  it('refuses not_found, invalid_state (not prepared / twice), order_lost, out_of_order_time', () => {
    spec.given([]).when(cmd.dispatch(3)).thenThrows('not_found');
    spec.given(accepted()).when(cmd.dispatch(3)).thenThrows('invalid_state');
    spec.given(dispatched()).when(cmd.dispatch(4)).thenThrows('invalid_state');
    spec.given(lost()).when(cmd.dispatch(6)).thenThrows('order_lost');
    spec.given(prepared()).when(cmd.dispatch(1.5)).thenThrows('out_of_order_time');
  });
});

describe('order.recordTracking', () => {
  it('records updates in transit, each carrying the previous tracking point', () => {
    spec.given(dispatched()).when(cmd.track(5)).then([
      {
        type: 'OrderTrackingUpdated',
        data: { orderId, customerId, location: 'Wuhan hub', statusNote: 'in transit', previousPointAt: at(3), dispatchedAt: at(3), occurredAt: at(5) },
      },
    ]);
    const [e] = spec.given([...dispatched(), ...spec.given(dispatched()).when(cmd.track(5)).events()]).when(cmd.track(8)).events();
    expect(e?.type === 'OrderTrackingUpdated' && e.data.previousPointAt).toBe(at(5));
  });
  it('refuses before dispatch, after delivery, after loss and out of order', () => {
    spec.given([]).when(cmd.track(5)).thenThrows('not_found');
    spec.given(prepared()).when(cmd.track(5)).thenThrows('invalid_state');
    spec.given(delivered()).when(cmd.track(11)).thenThrows('invalid_state');
    spec.given(lost()).when(cmd.track(6)).thenThrows('order_lost');
    spec.given(dispatched()).when(cmd.track(2)).thenThrows('out_of_order_time');
    spec.given(history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3), cmd.track(6))).when(cmd.track(5)).thenThrows('out_of_order_time');
  });
});

describe('order.deliver', () => {
  it('records the handover per line with in-full and damage flags', () => {
    spec.given(dispatched()).when(cmd.deliver(10, 10, 2, 'damaged')).then([
      {
        type: 'OrderDelivered',
        data: {
          orderId,
          customerId,
          signatory: 'Ms Li',
          lines: [
            { lineId: 'L1', orderedQuantity: 10, deliveredQuantity: 10, condition: 'intact' },
            { lineId: 'L2', orderedQuantity: 3, deliveredQuantity: 2, condition: 'damaged' },
          ],
          inFull: false,
          damageRecorded: true,
          promisedDeliveryAt: at(72),
          placedAt: at(0),
          dispatchedAt: at(3),
          previousPointAt: at(3),
          occurredAt: at(10),
        },
      },
    ]);
  });
  it('marks damage recorded when a damage exception was raised in transit', () => {
    const [e] = spec.given(history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3), cmd.raise(4, 'damage'))).when(cmd.deliver(10)).events();
    expect(e?.type === 'OrderDelivered' && [e.data.inFull, e.data.damageRecorded]).toEqual([true, true]);
  });
  it('refuses not_found, before dispatch, twice, after loss, more than ordered, unknown line, before last tracking', () => {
    spec.given([]).when(cmd.deliver(10)).thenThrows('not_found');
    spec.given(prepared()).when(cmd.deliver(10)).thenThrows('invalid_state');
    spec.given(delivered()).when(cmd.deliver(11)).thenThrows('invalid_state');
    spec.given(lost()).when(cmd.deliver(10)).thenThrows('order_lost');
    spec.given(dispatched()).when(cmd.deliver(10, 11)).thenThrows('quantity_exceeds_ordered');
    const unknown: OrderCommand = {
      type: 'order.deliver',
      data: { orderId, signatory: 'x', lines: [{ lineId: 'L7', deliveredQuantity: 1, condition: 'intact' }], occurredAt: at(10) },
    };
    spec.given(dispatched()).when(unknown).thenThrows('unknown_line');
    spec.given(history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3), cmd.track(8))).when(cmd.deliver(7)).thenThrows('out_of_order_time');
  });
});

describe('order.raiseException', () => {
  it('raises a delay in transit and a damage after delivery (carrying the delivery time)', () => {
    spec.given(dispatched()).when(cmd.raise(4, 'delay')).then([
      {
        type: 'OrderExceptionRaised',
        data: { orderId, customerId, exceptionId: 'x-1', kind: 'delay', description: 'delay reported', orderStatus: 'dispatched', occurredAt: at(4) },
      },
    ]);
    spec.given(delivered()).when(cmd.raise(20, 'damage')).then([
      {
        type: 'OrderExceptionRaised',
        data: {
          orderId,
          customerId,
          exceptionId: 'x-1',
          kind: 'damage',
          description: 'damage reported',
          orderStatus: 'delivered',
          deliveredAt: at(10),
          occurredAt: at(20),
        },
      },
    ]);
  });
  it('a loss makes the order lost at once (OrderLost, self-describing)', () => {
    spec.given(history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3), cmd.track(4))).when(cmd.raise(5, 'loss')).then([
      {
        type: 'OrderExceptionRaised',
        data: { orderId, customerId, exceptionId: 'x-1', kind: 'loss', description: 'loss reported', orderStatus: 'dispatched', occurredAt: at(5) },
      },
      {
        type: 'OrderLost',
        data: {
          orderId,
          customerId,
          exceptionId: 'x-1',
          description: 'loss reported',
          totalAmountFen: 15497,
          promisedDeliveryAt: at(72),
          placedAt: at(0),
          dispatchedAt: at(3),
          previousPointAt: at(4),
          occurredAt: at(5),
        },
      },
    ]);
  });
  it('refuses before dispatch, a loss after delivery, a reused id, after loss, and out of order', () => {
    spec.given([]).when(cmd.raise(4, 'delay')).thenThrows('not_found');
    spec.given(prepared()).when(cmd.raise(4, 'damage')).thenThrows('invalid_state');
    spec.given(delivered()).when(cmd.raise(11, 'loss')).thenThrows('invalid_state');
    spec.given([...dispatched(), ...spec.given(dispatched()).when(cmd.raise(4, 'delay')).events()]).when(cmd.raise(5, 'damage')).thenThrows('already_exists');
    spec.given(lost()).when(cmd.raise(6, 'damage', 'x-2')).thenThrows('order_lost');
    spec.given(history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3), cmd.deliver(10), cmd.complete(11))).when(cmd.raise(12, 'damage')).thenThrows('invalid_state');
    spec.given(dispatched()).when(cmd.raise(2, 'delay')).thenThrows('out_of_order_time');
    spec.given(history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3), cmd.track(6))).when(cmd.raise(5, 'loss')).thenThrows('out_of_order_time');
  });
});

describe('order.resolveException', () => {
  it('resolves an open exception, also on a lost order', () => {
    const withDelay = history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3), cmd.raise(4, 'delay'));
    spec.given(withDelay).when(cmd.resolve(6)).then([
      { type: 'OrderExceptionResolved', data: { orderId, customerId, exceptionId: 'x-1', kind: 'delay', resolution: 'settled', raisedAt: at(4), occurredAt: at(6) } },
    ]);
    const [e] = spec.given(lost()).when(cmd.resolve(30)).events();
    expect(e?.type === 'OrderExceptionResolved' && e.data.kind).toBe('loss');
  });
  it('refuses unknown (not_found), already resolved (invalid_state), before raised (out_of_order_time)', () => {
    spec.given([]).when(cmd.resolve(6)).thenThrows('not_found');
    spec.given(dispatched()).when(cmd.resolve(6)).thenThrows('not_found');
    const resolved = history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3), cmd.raise(4, 'delay'), cmd.resolve(5));
    spec.given(resolved).when(cmd.resolve(6)).thenThrows('invalid_state');
    spec.given(history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3), cmd.raise(4, 'delay'))).when(cmd.resolve(3.5)).thenThrows('out_of_order_time');
  });
});

describe('order.complete', () => {
  it('completes a delivered order', () => {
    spec.given(delivered()).when(cmd.complete(11)).then([
      { type: 'OrderCompleted', data: { orderId, customerId, deliveredAt: at(10), placedAt: at(0), occurredAt: at(11) } },
    ]);
  });
  it('refuses not_found, before delivery, with an open exception, after loss, twice, out of order', () => {
    spec.given([]).when(cmd.complete(11)).thenThrows('not_found');
    spec.given(dispatched()).when(cmd.complete(11)).thenThrows('invalid_state');
    spec.given(history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3), cmd.deliver(10), cmd.raise(11, 'damage'))).when(cmd.complete(12)).thenThrows('invalid_state');
    spec.given(lost()).when(cmd.complete(11)).thenThrows('order_lost');
    spec.given(history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3), cmd.deliver(10), cmd.complete(11))).when(cmd.complete(12)).thenThrows('invalid_state');
    spec.given(delivered()).when(cmd.complete(9)).thenThrows('out_of_order_time');
  });
  it('completes once the exceptions are resolved', () => {
    const h = history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3), cmd.deliver(10), cmd.raise(11, 'damage'), cmd.resolve(12));
    expect(spec.given(h).when(cmd.complete(13)).events().map((e) => e.type)).toEqual(['OrderCompleted']);
  });
});

describe('order.cancel', () => {
  it('cancels before dispatch, saying whether it had been accepted', () => {
    spec.given(placed()).when(cmd.cancel(1)).then([
      {
        type: 'OrderCancelled',
        data: { orderId, customerId, reason: 'customer changed mind', previousStatus: 'placed', wasAccepted: false, totalAmountFen: 15497, placedAt: at(0), occurredAt: at(1) },
      },
    ]);
    spec.given(prepared()).when(cmd.cancel(2.5)).then([
      {
        type: 'OrderCancelled',
        data: {
          orderId,
          customerId,
          reason: 'customer changed mind',
          previousStatus: 'prepared',
          wasAccepted: true,
          totalAmountFen: 15497,
          placedAt: at(0),
          acceptedAt: at(1),
          occurredAt: at(2.5),
        },
      },
    ]);
  });
  it('refuses after dispatch (order_not_cancellable), after loss (order_lost), when already ended, not found, out of order', () => {
    spec.given([]).when(cmd.cancel(1)).thenThrows('not_found');
    spec.given(dispatched()).when(cmd.cancel(4)).thenThrows('order_not_cancellable');
    spec.given(delivered()).when(cmd.cancel(11)).thenThrows('order_not_cancellable');
    spec.given(lost()).when(cmd.cancel(6)).thenThrows('order_lost');
    spec.given(history(cmd.place(), cmd.cancel(1))).when(cmd.cancel(2)).thenThrows('invalid_state');
    spec.given(history(cmd.place(), cmd.reject(1))).when(cmd.cancel(2)).thenThrows('invalid_state');
    spec.given(accepted()).when(cmd.cancel(0.5)).thenThrows('out_of_order_time');
  });
});

describe('order.reserveReturn / order.releaseReturn', () => {
  const partly = () => history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3), cmd.deliver(10, 6, 3));

  it('reserves returns up to the delivered quantity, lines sorted', () => {
    spec.given(partly()).when(cmd.reserveReturn(12, [{ lineId: 'L2', quantity: 1 }, { lineId: 'L1', quantity: 6 }])).then([
      {
        type: 'OrderReturnReserved',
        data: {
          orderId,
          customerId,
          returnId: 'r-1',
          lines: [
            { lineId: 'L1', quantity: 6 },
            { lineId: 'L2', quantity: 1 },
          ],
          deliveredAt: at(10),
          occurredAt: at(12),
        },
      },
    ]);
  });

  it('refuses returns beyond the delivered quantity across reservations (return_exceeds_delivered)', () => {
    spec.given(partly()).when(cmd.reserveReturn(12, [{ lineId: 'L1', quantity: 7 }])).thenThrows('return_exceeds_delivered');
    const h = [...partly(), ...spec.given(partly()).when(cmd.reserveReturn(12, [{ lineId: 'L1', quantity: 4 }])).events()];
    spec.given(h).when(cmd.reserveReturn(13, [{ lineId: 'L1', quantity: 3 }], 'r-2')).thenThrows('return_exceeds_delivered');
    expect(spec.given(h).when(cmd.reserveReturn(13, [{ lineId: 'L1', quantity: 2 }], 'r-2')).events()).toHaveLength(1);
  });

  it('is idempotent for the same returnId and lines; other lines -> invalid_state', () => {
    const h = [...partly(), ...spec.given(partly()).when(cmd.reserveReturn(12, [{ lineId: 'L1', quantity: 4 }])).events()];
    spec.given(h).when(cmd.reserveReturn(14, [{ lineId: 'L1', quantity: 4 }])).then([]);
    spec.given(h).when(cmd.reserveReturn(14, [{ lineId: 'L1', quantity: 3 }])).thenThrows('invalid_state');
  });

  it('release frees the quantities; releasing again is a no-op; a released id cannot be reserved again', () => {
    const h = [...partly(), ...spec.given(partly()).when(cmd.reserveReturn(12, [{ lineId: 'L1', quantity: 6 }])).events()];
    spec.given(h).when(cmd.releaseReturn(13)).then([
      { type: 'OrderReturnReleased', data: { orderId, customerId, returnId: 'r-1', reason: 'return rejected', lines: [{ lineId: 'L1', quantity: 6 }], occurredAt: at(13) } },
    ]);
    const released = [...h, ...spec.given(h).when(cmd.releaseReturn(13)).events()];
    spec.given(released).when(cmd.releaseReturn(14)).then([]);
    expect(spec.given(released).when(cmd.reserveReturn(14, [{ lineId: 'L1', quantity: 6 }], 'r-2')).events()).toHaveLength(1);
    spec.given(released).when(cmd.reserveReturn(14, [{ lineId: 'L1', quantity: 6 }])).thenThrows('invalid_state');
  });

  it('reserve refuses: not_found, before delivery, lost, unknown line, before delivery time', () => {
    spec.given([]).when(cmd.reserveReturn(12, [{ lineId: 'L1', quantity: 1 }])).thenThrows('not_found');
    spec.given(dispatched()).when(cmd.reserveReturn(12, [{ lineId: 'L1', quantity: 1 }])).thenThrows('invalid_state');
    spec.given(lost()).when(cmd.reserveReturn(12, [{ lineId: 'L1', quantity: 1 }])).thenThrows('order_lost');
    spec.given(partly()).when(cmd.reserveReturn(12, [{ lineId: 'L8', quantity: 1 }])).thenThrows('unknown_line');
    spec.given(partly()).when(cmd.reserveReturn(9, [{ lineId: 'L1', quantity: 1 }])).thenThrows('out_of_order_time');
  });

  it('is allowed after completion', () => {
    const done = history(cmd.place(), cmd.accept(1), cmd.prepare(2), cmd.dispatch(3), cmd.deliver(10), cmd.complete(11));
    expect(spec.given(done).when(cmd.reserveReturn(20, [{ lineId: 'L2', quantity: 3 }])).events()).toHaveLength(1);
  });

  it('release refuses an unknown return (not_found) and a time before the reservation', () => {
    spec.given([]).when(cmd.releaseReturn(13)).thenThrows('not_found');
    spec.given(partly()).when(cmd.releaseReturn(13)).thenThrows('not_found');
    const h = [...partly(), ...spec.given(partly()).when(cmd.reserveReturn(12, [{ lineId: 'L1', quantity: 1 }])).events()];
    spec.given(h).when(cmd.releaseReturn(11)).thenThrows('out_of_order_time');
  });
});

describe('orderAggregate', () => {
  it('declares every command and event with a schema that accepts what the decider produces', () => {
    const events = history(
      cmd.place(),
      cmd.verify(0.5),
      cmd.accept(1),
      cmd.prepare(2),
      cmd.dispatch(3),
      cmd.track(4),
      cmd.raise(5, 'delay'),
      cmd.resolve(6),
      cmd.deliver(10),
      cmd.complete(11),
      cmd.reserveReturn(12, [{ lineId: 'L1', quantity: 2 }]),
      cmd.releaseReturn(13),
    );
    expect(orderAggregate.category).toBe('Order');
    for (const e of [...events, ...lost()]) {
      const def = orderAggregate.events[e.type];
      expect(def.schema.safeParse(e.data).success, e.type).toBe(true);
      expect(def.schemaVersion).toBe(1);
    }
    expect(Object.keys(orderAggregate.commands)).toHaveLength(14);
    expect(orderAggregate.commands['order.accept'].aggregateId({ orderId: 'o-9', occurredAt: at(0) })).toBe('o-9');
  });
});
