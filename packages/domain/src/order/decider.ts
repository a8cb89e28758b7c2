import { match } from 'ts-pattern';
import type { Decider } from '../shared/decider.ts';
import { DomainError } from '../shared/errors.ts';
import { standardLeadTimeHours, urgentLeadTimeHours } from '../shared/reference.ts';
import { instant, isBefore } from '../shared/values.ts';
import type {
  CancelOrderData,
  CompleteOrderData,
  DeliverOrderData,
  DispatchOrderData,
  OrderCommand,
  PlaceOrderData,
  PrepareOrderData,
  RaiseOrderExceptionData,
  RecordOrderTrackingData,
  RejectOrderData,
  ReleaseOrderReturnData,
  ReserveOrderReturnData,
  ResolveOrderExceptionData,
  VerifyOrderData,
  AcceptOrderData,
} from './commands.ts';
import type { OrderEvent, OrderStatus, PromiseSource, OrderReturnLine } from './events.ts';
import { initialOrderState, reservedReturnQuantity } from './state.ts';
import type { ExistingOrder, OrderState } from './state.ts';

// ---------------------------------------------------------------------------------------------
// helpers

const HOUR_MS = 3_600_000;

/** `iso` + `hours`, as a UTC ISO string (pure: `new Date(ms)` reads no clock). */
const addHours = (iso: string, hours: number): string => new Date(instant(iso) + hours * HOUR_MS).toISOString();

const existing = (state: OrderState, orderId: string): ExistingOrder => {
  if (state.status === 'none') throw new DomainError('not_found', `order ${orderId} does not exist`, { orderId });
  return state;
};

/** The order must be in one of `allowed`; a lost order refuses every lifecycle step with `order_lost`. */
const inStatus = (state: OrderState, orderId: string, command: string, allowed: readonly OrderStatus[]): ExistingOrder => {
  const s = existing(state, orderId);
  if (!allowed.includes(s.status)) {
    if (s.status === 'lost') throw new DomainError('order_lost', `order ${orderId} is lost: ${command} refused`, { orderId });
    throw new DomainError('invalid_state', `${command} is not allowed while the order is ${s.status}`, {
      orderId,
      status: s.status,
      allowed,
    });
  }
  return s;
};

const notBefore = (occurredAt: string, previous: string, what: string): void => {
  if (isBefore(occurredAt, previous)) {
    throw new DomainError('out_of_order_time', `occurredAt ${occurredAt} is before ${what} (${previous})`, {
      occurredAt,
      previous,
    });
  }
};

/** Every order line exactly once: unknown ids, duplicates and missing lines are refused. */
const coversEveryLine = (s: ExistingOrder, lineIds: readonly string[], what: string): void => {
  const known = new Set(s.lines.map((l) => l.lineId));
  const unknown = lineIds.filter((id) => !known.has(id));
  if (unknown.length > 0) throw new DomainError('unknown_line', `${what}: unknown line(s) ${unknown.join(', ')}`, { unknown });
  const seen = new Set<string>();
  for (const id of lineIds) {
    if (seen.has(id)) throw new DomainError('invalid_state', `${what}: line ${id} given twice`, { lineId: id });
    seen.add(id);
  }
  const missing = s.lines.map((l) => l.lineId).filter((id) => !seen.has(id));
  if (missing.length > 0) {
    throw new DomainError('invalid_state', `${what}: every order line must be given; missing ${missing.join(', ')}`, {
      missing,
    });
  }
};

const orderedQuantity = (s: ExistingOrder, lineId: string): number => s.lines.find((l) => l.lineId === lineId)?.quantity ?? 0;

const sortedReturnLines = (lines: readonly OrderReturnLine[]): OrderReturnLine[] =>
  [...lines].map((l) => ({ lineId: l.lineId, quantity: l.quantity })).sort((a, b) => (a.lineId < b.lineId ? -1 : a.lineId > b.lineId ? 1 : 0));

const sameReturnLines = (a: readonly OrderReturnLine[], b: readonly OrderReturnLine[]): boolean =>
  a.length === b.length && a.every((l, i) => l.lineId === b[i]?.lineId && l.quantity === b[i]?.quantity);

// ---------------------------------------------------------------------------------------------
// decide, one function per command

/**
 * Resolves the promised times: the customer's where given, else occurredAt + the standard lead
 * time of the dispatch preference (the shorter urgent lead time when urgent).
 */
const resolvePromises = (
  d: PlaceOrderData,
): { promisedDispatchAt: string; promisedDeliveryAt: string; promiseSource: PromiseSource } => {
  const standard = standardLeadTimeHours[d.dispatchPreference];
  const lead = d.urgent
    ? {
        dispatch: Math.min(standard.dispatch, urgentLeadTimeHours.dispatch),
        delivery: Math.min(standard.delivery, urgentLeadTimeHours.delivery),
      }
    : standard;
  const dispatchGiven = d.promisedDispatchAt;
  const deliveryGiven = d.promisedDeliveryAt;
  if (dispatchGiven !== undefined && deliveryGiven !== undefined) {
    return { promisedDispatchAt: dispatchGiven, promisedDeliveryAt: deliveryGiven, promiseSource: 'customer' };
  }
  if (dispatchGiven !== undefined) {
    // Delivery follows the customer's dispatch by the standard transit time.
    return {
      promisedDispatchAt: dispatchGiven,
      promisedDeliveryAt: addHours(dispatchGiven, lead.delivery - lead.dispatch),
      promiseSource: 'mixed',
    };
  }
  if (deliveryGiven !== undefined) {
    const standardDispatch = addHours(d.occurredAt, lead.dispatch);
    return {
      promisedDispatchAt: isBefore(deliveryGiven, standardDispatch) ? deliveryGiven : standardDispatch,
      promisedDeliveryAt: deliveryGiven,
      promiseSource: 'mixed',
    };
  }
  return {
    promisedDispatchAt: addHours(d.occurredAt, lead.dispatch),
    promisedDeliveryAt: addHours(d.occurredAt, lead.delivery),
    promiseSource: 'standard',
  };
};

const place = (d: PlaceOrderData, state: OrderState): OrderEvent[] => {
  if (state.status !== 'none') throw new DomainError('already_exists', `order ${d.orderId} already exists`, { orderId: d.orderId });
  if (d.lines.length === 0) throw new DomainError('invalid_quantity', 'an order needs at least one line');
  const ids = new Set<string>();
  for (const l of d.lines) {
    if (ids.has(l.lineId)) throw new DomainError('invalid_state', `line ${l.lineId} given twice`, { lineId: l.lineId });
    ids.add(l.lineId);
    if (!Number.isSafeInteger(l.quantity) || l.quantity <= 0) {
      throw new DomainError('invalid_quantity', `line ${l.lineId}: quantity must be a positive integer`, { lineId: l.lineId });
    }
    if (!Number.isSafeInteger(l.unitPriceFen) || l.unitPriceFen < 0) {
      throw new DomainError('invalid_amount', `line ${l.lineId}: unit price must be a non-negative integer in fen`, {
        lineId: l.lineId,
      });
    }
  }
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  let total = 0n;
  const lines = d.lines.map((l) => {
    const amount = BigInt(l.quantity) * BigInt(l.unitPriceFen);
    total += amount;
    if (amount > max || total > max) {
      throw new DomainError('invalid_amount', `order amount exceeds ${Number.MAX_SAFE_INTEGER} fen`, { lineId: l.lineId });
    }
    return {
      lineId: l.lineId,
      sku: l.sku,
      description: l.description,
      quantity: l.quantity,
      unitPriceFen: l.unitPriceFen,
      amountFen: Number(amount),
    };
  });
  const promises = resolvePromises(d);
  if (isBefore(promises.promisedDispatchAt, d.occurredAt) || isBefore(promises.promisedDeliveryAt, d.occurredAt)) {
    throw new DomainError('invalid_state', 'a promised time is before the placement', promises);
  }
  if (isBefore(promises.promisedDeliveryAt, promises.promisedDispatchAt)) {
    throw new DomainError('invalid_state', 'promised delivery is before promised dispatch', promises);
  }
  return [
    {
      type: 'OrderPlaced',
      data: {
        orderId: d.orderId,
        customerId: d.customerId,
        channel: d.channel,
        lines,
        totalAmountFen: Number(total),
        urgent: d.urgent,
        dispatchPreference: d.dispatchPreference,
        ...promises,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const verify = (d: VerifyOrderData, state: OrderState): OrderEvent[] => {
  const s = inStatus(state, d.orderId, 'order.verify', ['placed']);
  notBefore(d.occurredAt, s.lastStepAt, 'the placement');
  return [
    {
      type: 'OrderVerified',
      data: {
        orderId: s.orderId,
        customerId: s.customerId,
        verifiedBy: d.verifiedBy,
        ...(d.notes !== undefined ? { notes: d.notes } : {}),
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const accept = (d: AcceptOrderData, state: OrderState): OrderEvent[] => {
  const s = inStatus(state, d.orderId, 'order.accept', ['placed', 'verified']);
  notBefore(d.occurredAt, s.lastStepAt, 'the previous step');
  return [
    {
      type: 'OrderAccepted',
      data: {
        orderId: s.orderId,
        customerId: s.customerId,
        totalAmountFen: s.totalAmountFen,
        placedAt: s.placedAt,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const reject = (d: RejectOrderData, state: OrderState): OrderEvent[] => {
  const s = inStatus(state, d.orderId, 'order.reject', ['placed', 'verified']);
  notBefore(d.occurredAt, s.lastStepAt, 'the previous step');
  return [
    {
      type: 'OrderRejected',
      data: {
        orderId: s.orderId,
        customerId: s.customerId,
        reason: d.reason,
        ...(d.detail !== undefined ? { detail: d.detail } : {}),
        totalAmountFen: s.totalAmountFen,
        placedAt: s.placedAt,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const prepare = (d: PrepareOrderData, state: OrderState): OrderEvent[] => {
  const s = inStatus(state, d.orderId, 'order.prepare', ['accepted']);
  notBefore(d.occurredAt, s.lastStepAt, 'the acceptance');
  coversEveryLine(s, d.lines.map((l) => l.lineId), 'order.prepare');
  const lines = d.lines.map((l) => {
    const ordered = orderedQuantity(s, l.lineId);
    if (!Number.isSafeInteger(l.pickedQuantity) || l.pickedQuantity < 0) {
      throw new DomainError('invalid_quantity', `line ${l.lineId}: picked quantity must be a whole number >= 0`, { lineId: l.lineId });
    }
    if (l.pickedQuantity > ordered) {
      throw new DomainError('quantity_exceeds_ordered', `line ${l.lineId}: picked ${l.pickedQuantity} > ordered ${ordered}`, {
        lineId: l.lineId,
        ordered,
        picked: l.pickedQuantity,
      });
    }
    return {
      lineId: l.lineId,
      orderedQuantity: ordered,
      pickedQuantity: l.pickedQuantity,
      stockOut: l.pickedQuantity < ordered,
      stockDamaged: l.stockDamaged,
    };
  });
  return [
    {
      type: 'OrderPrepared',
      data: {
        orderId: s.orderId,
        customerId: s.customerId,
        ...(d.pickListNumber !== undefined ? { pickListNumber: d.pickListNumber } : {}),
        lines,
        pickedInFull: lines.every((l) => !l.stockOut),
        acceptedAt: s.acceptedAt ?? s.lastStepAt,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const dispatch = (d: DispatchOrderData, state: OrderState): OrderEvent[] => {
  const s = inStatus(state, d.orderId, 'order.dispatch', ['prepared']);
  notBefore(d.occurredAt, s.lastStepAt, 'the preparation');
  return [
    {
      type: 'OrderDispatched',
      data: {
        orderId: s.orderId,
        customerId: s.customerId,
        carrier: d.carrier,
        transportMode: d.transportMode,
        trackingNumber: d.trackingNumber,
        promisedDispatchAt: s.promisedDispatchAt,
        pickedInFull: s.pickedInFull ?? false,
        placedAt: s.placedAt,
        acceptedAt: s.acceptedAt ?? s.placedAt,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const recordTracking = (d: RecordOrderTrackingData, state: OrderState): OrderEvent[] => {
  const s = inStatus(state, d.orderId, 'order.recordTracking', ['dispatched']);
  notBefore(d.occurredAt, s.lastStepAt, 'the previous tracking point');
  return [
    {
      type: 'OrderTrackingUpdated',
      data: {
        orderId: s.orderId,
        customerId: s.customerId,
        location: d.location,
        statusNote: d.statusNote,
        previousPointAt: s.lastStepAt,
        dispatchedAt: s.dispatchedAt ?? s.lastStepAt,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const deliver = (d: DeliverOrderData, state: OrderState): OrderEvent[] => {
  const s = inStatus(state, d.orderId, 'order.deliver', ['dispatched']);
  notBefore(d.occurredAt, s.lastStepAt, 'the dispatch / last tracking point');
  coversEveryLine(s, d.lines.map((l) => l.lineId), 'order.deliver');
  const lines = d.lines.map((l) => {
    const ordered = orderedQuantity(s, l.lineId);
    if (!Number.isSafeInteger(l.deliveredQuantity) || l.deliveredQuantity < 0) {
      throw new DomainError('invalid_quantity', `line ${l.lineId}: delivered quantity must be a whole number >= 0`, {
        lineId: l.lineId,
      });
    }
    if (l.deliveredQuantity > ordered) {
      throw new DomainError(
        'quantity_exceeds_ordered',
        `line ${l.lineId}: delivered ${l.deliveredQuantity} > ordered ${ordered}`,
        { lineId: l.lineId, ordered, delivered: l.deliveredQuantity },
      );
    }
    return { lineId: l.lineId, orderedQuantity: ordered, deliveredQuantity: l.deliveredQuantity, condition: l.condition };
  });
  return [
    {
      type: 'OrderDelivered',
      data: {
        orderId: s.orderId,
        customerId: s.customerId,
        signatory: d.signatory,
        lines,
        inFull: lines.every((l) => l.deliveredQuantity === l.orderedQuantity),
        damageRecorded: s.damageRecorded || lines.some((l) => l.condition === 'damaged'),
        promisedDeliveryAt: s.promisedDeliveryAt,
        placedAt: s.placedAt,
        dispatchedAt: s.dispatchedAt ?? s.lastStepAt,
        previousPointAt: s.lastStepAt,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const raiseException = (d: RaiseOrderExceptionData, state: OrderState): OrderEvent[] => {
  const s = inStatus(state, d.orderId, 'order.raiseException', ['dispatched', 'delivered']);
  if (s.exceptions.some((e) => e.exceptionId === d.exceptionId)) {
    throw new DomainError('already_exists', `exception ${d.exceptionId} already raised`, { exceptionId: d.exceptionId });
  }
  const dispatchedAt = s.dispatchedAt ?? s.lastStepAt;
  notBefore(d.occurredAt, dispatchedAt, 'the dispatch');
  const raised: OrderEvent = {
    type: 'OrderExceptionRaised',
    data: {
      orderId: s.orderId,
      customerId: s.customerId,
      exceptionId: d.exceptionId,
      kind: d.kind,
      description: d.description,
      orderStatus: s.status === 'delivered' ? 'delivered' : 'dispatched',
      ...(s.deliveredAt !== undefined ? { deliveredAt: s.deliveredAt } : {}),
      occurredAt: d.occurredAt,
    },
  };
  if (d.kind !== 'loss') return [raised];
  if (s.status !== 'dispatched') {
    throw new DomainError('invalid_state', 'a loss can only be raised after dispatch and before delivery', {
      orderId: s.orderId,
      status: s.status,
    });
  }
  notBefore(d.occurredAt, s.lastStepAt, 'the last tracking point');
  return [
    raised,
    {
      type: 'OrderLost',
      data: {
        orderId: s.orderId,
        customerId: s.customerId,
        exceptionId: d.exceptionId,
        description: d.description,
        totalAmountFen: s.totalAmountFen,
        promisedDeliveryAt: s.promisedDeliveryAt,
        placedAt: s.placedAt,
        dispatchedAt,
        previousPointAt: s.lastStepAt,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const resolveException = (d: ResolveOrderExceptionData, state: OrderState): OrderEvent[] => {
  const s = existing(state, d.orderId);
  const ex = s.exceptions.find((e) => e.exceptionId === d.exceptionId);
  if (!ex) throw new DomainError('not_found', `exception ${d.exceptionId} was not raised on order ${s.orderId}`, { exceptionId: d.exceptionId });
  if (ex.resolvedAt !== undefined) {
    throw new DomainError('invalid_state', `exception ${d.exceptionId} is already resolved`, { exceptionId: d.exceptionId });
  }
  notBefore(d.occurredAt, ex.raisedAt, 'the exception was raised');
  return [
    {
      type: 'OrderExceptionResolved',
      data: {
        orderId: s.orderId,
        customerId: s.customerId,
        exceptionId: ex.exceptionId,
        kind: ex.kind,
        resolution: d.resolution,
        raisedAt: ex.raisedAt,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const complete = (d: CompleteOrderData, state: OrderState): OrderEvent[] => {
  const s = inStatus(state, d.orderId, 'order.complete', ['delivered']);
  notBefore(d.occurredAt, s.lastStepAt, 'the delivery');
  const open = s.exceptions.filter((e) => e.resolvedAt === undefined).map((e) => e.exceptionId);
  if (open.length > 0) {
    throw new DomainError('invalid_state', `order has open exceptions: ${open.join(', ')}`, { openExceptions: open });
  }
  return [
    {
      type: 'OrderCompleted',
      data: {
        orderId: s.orderId,
        customerId: s.customerId,
        deliveredAt: s.deliveredAt ?? s.lastStepAt,
        placedAt: s.placedAt,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const cancel = (d: CancelOrderData, state: OrderState): OrderEvent[] => {
  const s = existing(state, d.orderId);
  const previousStatus = match(s.status)
    .with('placed', 'verified', 'accepted', 'prepared', (st) => st)
    .with('dispatched', 'delivered', 'completed', () => {
      throw new DomainError('order_not_cancellable', `order ${s.orderId} is ${s.status}: cancel only before dispatch`, {
        status: s.status,
      });
    })
    .with('lost', () => {
      throw new DomainError('order_lost', `order ${s.orderId} is lost`, { orderId: s.orderId });
    })
    .with('rejected', 'cancelled', () => {
      throw new DomainError('invalid_state', `order ${s.orderId} is already ${s.status}`, { status: s.status });
    })
    .exhaustive();
  notBefore(d.occurredAt, s.lastStepAt, 'the previous step');
  return [
    {
      type: 'OrderCancelled',
      data: {
        orderId: s.orderId,
        customerId: s.customerId,
        reason: d.reason,
        previousStatus,
        wasAccepted: s.acceptedAt !== undefined,
        totalAmountFen: s.totalAmountFen,
        placedAt: s.placedAt,
        ...(s.acceptedAt !== undefined ? { acceptedAt: s.acceptedAt } : {}),
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const reserveReturn = (d: ReserveOrderReturnData, state: OrderState): OrderEvent[] => {
  const s = inStatus(state, d.orderId, 'order.reserveReturn', ['delivered', 'completed']);
  const lines = sortedReturnLines(d.lines);
  const previous = s.returns.find((r) => r.returnId === d.returnId);
  if (previous) {
    if (previous.releasedAt !== undefined) {
      throw new DomainError('invalid_state', `return ${d.returnId} was released; use a new return id`, { returnId: d.returnId });
    }
    if (sameReturnLines(previous.lines, lines)) return [];
    throw new DomainError('invalid_state', `return ${d.returnId} is already reserved with other lines`, {
      returnId: d.returnId,
      reserved: previous.lines,
    });
  }
  if (lines.length === 0) throw new DomainError('invalid_quantity', 'a return needs at least one line');
  notBefore(d.occurredAt, s.deliveredAt ?? s.lastStepAt, 'the delivery');
  const known = new Set(s.lines.map((l) => l.lineId));
  const unknown = lines.filter((l) => !known.has(l.lineId)).map((l) => l.lineId);
  if (unknown.length > 0) throw new DomainError('unknown_line', `return: unknown line(s) ${unknown.join(', ')}`, { unknown });
  lines.forEach((l, i) => {
    if (i > 0 && lines[i - 1]?.lineId === l.lineId) {
      throw new DomainError('invalid_state', `return: line ${l.lineId} given twice`, { lineId: l.lineId });
    }
    if (!Number.isSafeInteger(l.quantity) || l.quantity <= 0) {
      throw new DomainError('invalid_quantity', `return: line ${l.lineId} quantity must be a positive integer`, { lineId: l.lineId });
    }
    const delivered = s.lines.find((x) => x.lineId === l.lineId)?.deliveredQuantity ?? 0;
    const reserved = reservedReturnQuantity(s, l.lineId);
    if (reserved + l.quantity > delivered) {
      throw new DomainError(
        'return_exceeds_delivered',
        `line ${l.lineId}: ${reserved} already reserved + ${l.quantity} > ${delivered} delivered`,
        { lineId: l.lineId, delivered, reserved, requested: l.quantity },
      );
    }
  });
  return [
    {
      type: 'OrderReturnReserved',
      data: {
        orderId: s.orderId,
        customerId: s.customerId,
        returnId: d.returnId,
        lines,
        deliveredAt: s.deliveredAt ?? s.lastStepAt,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const releaseReturn = (d: ReleaseOrderReturnData, state: OrderState): OrderEvent[] => {
  const r = state.status === 'none' ? undefined : state.returns.find((x) => x.returnId === d.returnId);
  if (state.status === 'none' || !r) {
    throw new DomainError('not_found', `return ${d.returnId} is not reserved on order ${d.orderId}`, { returnId: d.returnId });
  }
  if (r.releasedAt !== undefined) return [];
  notBefore(d.occurredAt, r.reservedAt, 'the reservation');
  return [
    {
      type: 'OrderReturnReleased',
      data: {
        orderId: state.orderId,
        customerId: state.customerId,
        returnId: r.returnId,
        reason: d.reason,
        lines: r.lines,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

/**
 * Decides the events an order command produces; throws a `DomainError` when it is refused.
 *
 * @example
 * decideOrder({ type: 'order.accept', data: { orderId: 'o1', occurredAt } }, state) // [{ type: 'OrderAccepted', ... }]
 */
export const decideOrder = (command: OrderCommand, state: OrderState): OrderEvent[] =>
  match(command)
    .with({ type: 'order.place' }, (c) => place(c.data, state))
    .with({ type: 'order.verify' }, (c) => verify(c.data, state))
    .with({ type: 'order.accept' }, (c) => accept(c.data, state))
    .with({ type: 'order.reject' }, (c) => reject(c.data, state))
    .with({ type: 'order.prepare' }, (c) => prepare(c.data, state))
    .with({ type: 'order.dispatch' }, (c) => dispatch(c.data, state))
    .with({ type: 'order.recordTracking' }, (c) => recordTracking(c.data, state))
    .with({ type: 'order.deliver' }, (c) => deliver(c.data, state))
    .with({ type: 'order.raiseException' }, (c) => raiseException(c.data, state))
    .with({ type: 'order.resolveException' }, (c) => resolveException(c.data, state))
    .with({ type: 'order.complete' }, (c) => complete(c.data, state))
    .with({ type: 'order.cancel' }, (c) => cancel(c.data, state))
    .with({ type: 'order.reserveReturn' }, (c) => reserveReturn(c.data, state))
    .with({ type: 'order.releaseReturn' }, (c) => releaseReturn(c.data, state))
    .exhaustive();

// ---------------------------------------------------------------------------------------------
// evolve: total, an event that does not fit the state leaves it unchanged

const step = (s: OrderState, from: readonly OrderStatus[], f: (s: ExistingOrder) => ExistingOrder): OrderState =>
  s.status !== 'none' && from.includes(s.status) ? f(s) : s;

/**
 * Applies one order event to the state. Total: never throws; returns the state unchanged when
 * the event does not apply (wrong status, unknown line or exception).
 *
 * @example
 * const state = events.reduce(evolveOrder, initialOrderState());
 */
export const evolveOrder = (state: OrderState, event: OrderEvent): OrderState =>
  match(event)
    .with({ type: 'OrderPlaced' }, ({ data: e }): OrderState =>
      state.status !== 'none'
        ? state
        : {
            status: 'placed',
            orderId: e.orderId,
            customerId: e.customerId,
            lines: e.lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity, unitPriceFen: l.unitPriceFen })),
            totalAmountFen: e.totalAmountFen,
            promisedDispatchAt: e.promisedDispatchAt,
            promisedDeliveryAt: e.promisedDeliveryAt,
            placedAt: e.occurredAt,
            lastStepAt: e.occurredAt,
            damageRecorded: false,
            exceptions: [],
            returns: [],
          },
    )
    .with({ type: 'OrderVerified' }, ({ data: e }) =>
      step(state, ['placed'], (s) => ({ ...s, status: 'verified', verifiedAt: e.occurredAt, lastStepAt: e.occurredAt })),
    )
    .with({ type: 'OrderAccepted' }, ({ data: e }) =>
      step(state, ['placed', 'verified'], (s) => ({ ...s, status: 'accepted', acceptedAt: e.occurredAt, lastStepAt: e.occurredAt })),
    )
    .with({ type: 'OrderRejected' }, ({ data: e }) =>
      step(state, ['placed', 'verified'], (s) => ({ ...s, status: 'rejected', lastStepAt: e.occurredAt })),
    )
    .with({ type: 'OrderPrepared' }, ({ data: e }) =>
      step(state, ['accepted'], (s) => ({
        ...s,
        status: 'prepared',
        preparedAt: e.occurredAt,
        pickedInFull: e.pickedInFull,
        lastStepAt: e.occurredAt,
        lines: s.lines.map((l) => {
          const p = e.lines.find((x) => x.lineId === l.lineId);
          return p ? { ...l, pickedQuantity: p.pickedQuantity } : l;
        }),
      })),
    )
    .with({ type: 'OrderDispatched' }, ({ data: e }) =>
      step(state, ['prepared'], (s) => ({ ...s, status: 'dispatched', dispatchedAt: e.occurredAt, lastStepAt: e.occurredAt })),
    )
    .with({ type: 'OrderTrackingUpdated' }, ({ data: e }) =>
      step(state, ['dispatched'], (s) => ({ ...s, lastTrackingAt: e.occurredAt, lastStepAt: e.occurredAt })),
    )
    .with({ type: 'OrderDelivered' }, ({ data: e }) =>
      step(state, ['dispatched'], (s) => ({
        ...s,
        status: 'delivered',
        deliveredAt: e.occurredAt,
        lastStepAt: e.occurredAt,
        damageRecorded: s.damageRecorded || e.damageRecorded,
        lines: s.lines.map((l) => {
          const d = e.lines.find((x) => x.lineId === l.lineId);
          // Never record more delivered than ordered, even from a malformed event.
          return d ? { ...l, deliveredQuantity: Math.min(d.deliveredQuantity, l.quantity) } : { ...l, deliveredQuantity: 0 };
        }),
      })),
    )
    .with({ type: 'OrderExceptionRaised' }, ({ data: e }) =>
      step(state, ['dispatched', 'delivered'], (s) =>
        s.exceptions.some((x) => x.exceptionId === e.exceptionId)
          ? s
          : {
              ...s,
              damageRecorded: s.damageRecorded || e.kind === 'damage',
              exceptions: [...s.exceptions, { exceptionId: e.exceptionId, kind: e.kind, raisedAt: e.occurredAt }],
            },
      ),
    )
    .with({ type: 'OrderExceptionResolved' }, ({ data: e }) =>
      step(state, ['dispatched', 'delivered', 'completed', 'lost'], (s) =>
        s.exceptions.some((x) => x.exceptionId === e.exceptionId && x.resolvedAt === undefined)
          ? {
              ...s,
              exceptions: s.exceptions.map((x) =>
                x.exceptionId === e.exceptionId && x.resolvedAt === undefined ? { ...x, resolvedAt: e.occurredAt } : x,
              ),
            }
          : s,
      ),
    )
    .with({ type: 'OrderLost' }, ({ data: e }) =>
      step(state, ['dispatched'], (s) => ({ ...s, status: 'lost', lostAt: e.occurredAt, lastStepAt: e.occurredAt })),
    )
    .with({ type: 'OrderCompleted' }, ({ data: e }) =>
      step(state, ['delivered'], (s) => ({ ...s, status: 'completed', lastStepAt: e.occurredAt })),
    )
    .with({ type: 'OrderCancelled' }, ({ data: e }) =>
      step(state, ['placed', 'verified', 'accepted', 'prepared'], (s) => ({ ...s, status: 'cancelled', lastStepAt: e.occurredAt })),
    )
    .with({ type: 'OrderReturnReserved' }, ({ data: e }) =>
      step(state, ['delivered', 'completed'], (s) => {
        if (s.returns.some((r) => r.returnId === e.returnId)) return s;
        const lines = sortedReturnLines(e.lines);
        // Keep "reserved <= delivered" even against a malformed event: such an event is ignored.
        const fits = lines.every((l) => {
          const line = s.lines.find((x) => x.lineId === l.lineId);
          return line !== undefined && reservedReturnQuantity(s, l.lineId) + l.quantity <= (line.deliveredQuantity ?? 0);
        });
        return fits ? { ...s, returns: [...s.returns, { returnId: e.returnId, lines, reservedAt: e.occurredAt }] } : s;
      }),
    )
    .with({ type: 'OrderReturnReleased' }, ({ data: e }) =>
      step(state, ['delivered', 'completed'], (s) =>
        s.returns.some((r) => r.returnId === e.returnId && r.releasedAt === undefined)
          ? {
              ...s,
              returns: s.returns.map((r) => (r.returnId === e.returnId && r.releasedAt === undefined ? { ...r, releasedAt: e.occurredAt } : r)),
            }
          : s,
      ),
    )
    .exhaustive();

/**
 * The Order aggregate as a `Decider`.
 *
 * @example
 * const events = orderDecider.decide(command, fold(orderDecider, history));
 */
export const orderDecider: Decider<OrderCommand, OrderEvent, OrderState> = {
  decide: decideOrder,
  evolve: evolveOrder,
  initialState: initialOrderState,
};
