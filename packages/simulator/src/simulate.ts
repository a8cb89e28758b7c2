import { createAgenda } from './heap.ts';
import { createRng } from './prng.ts';
import { carriers, cities, givenNames, industries, regions, skus, staff, surnames } from './catalogue.ts';
import { companyCommands, customerCommands, type WorldCustomer } from './world.ts';
import {
  DAY,
  emptyStats,
  HOUR,
  iso,
  companyDate,
  MINUTE,
  simulationWindow,
  type SimCommand,
  type SimContext,
  type SimulationOptions,
  type SimulationStats,
} from './types.ts';

const validate = (o: SimulationOptions): void => {
  const bad = (what: string) => {
    throw new RangeError(`simulation: ${what}`);
  };
  if (!Number.isSafeInteger(o.customers) || o.customers < 1 || o.customers > 1_000_000) bad('customers must be an integer 1..1000000');
  if (!Number.isSafeInteger(o.days) || o.days < 1 || o.days > 3660) bad('days must be an integer 1..3660');
  if (!Number.isSafeInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) bad('seed must be an integer 0..4294967295');
  if (o.runIndex !== undefined && (!Number.isSafeInteger(o.runIndex) || o.runIndex < 0 || o.runIndex > 99)) bad('runIndex must be an integer 0..99');
  if (o.startDate !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(o.startDate) || Number.isNaN(Date.parse(o.startDate)))) bad('startDate must be YYYY-MM-DD');
};

type OrderLine = { lineId: string; sku: string; description: string; quantity: number; unitPriceFen: number };

type Segment = 'key' | 'suitable' | 'general';

const orderRate: Record<Segment, number> = { key: 1.2, suitable: 0.5, general: 0.15 };
const lineBudgetFen: Record<Segment, number> = { key: 20_000_000, suitable: 4_000_000, general: 800_000 };
const lateDispatchP: Record<Segment, number> = { key: 0.03, suitable: 0.06, general: 0.1 };
const lateDeliveryP: Record<Segment, number> = { key: 0.04, suitable: 0.07, general: 0.11 };

/**
 * Creates a simulation: `commands` yields command requests in business-time order (lazily:
 * memory stays proportional to the work in progress, so a benchmark can draw millions), and
 * `stats` counts what was produced so far. Customers open first; orders go placed -> verified
 * -> accepted -> prepared -> dispatched -> tracked -> delivered -> completed -> paid, with
 * lateness, shortages, damage, losses, cancellations, complaints (escalated, reopened), returns
 * (confirmed and unconfirmed reasons), visits, surveys, evaluations, a service standard and its
 * revision, and an improvement record.
 *
 * @example
 * const sim = createSimulation({ customers: 20, days: 7, seed: 42 });
 * for (const c of sim.commands) await bus.send(c);
 * sim.stats.orders; // how many orders were placed
 */
export const createSimulation = (options: SimulationOptions): { commands: Generator<SimCommand, void, undefined>; stats: SimulationStats } => {
  validate(options);
  const stats = emptyStats();
  return { commands: run(options, stats), stats };
};

/**
 * The commands of a simulation, in business-time order.
 *
 * @example
 * const first = simulate({ customers: 5, days: 1, seed: 1 }).next().value; // standard.publish
 */
export const simulate = (options: SimulationOptions): Generator<SimCommand, void, undefined> => createSimulation(options).commands;

function* run(options: SimulationOptions, stats: SimulationStats): Generator<SimCommand, void, undefined> {
  const runIndex = options.runIndex ?? 0;
  const rng = createRng(options.seed);
  const window = simulationWindow(options);
  const prefix = `s${options.seed}r${runIndex}`;
  const agenda = createAgenda<() => void>();
  const out: SimCommand[] = [];
  let commandSeq = 0;
  const counters = new Map<string, number>();
  const ctx: SimContext = {
    rng,
    prefix,
    stats,
    window,
    emit: (at, type, payload, service, person, partition, expectedError) => {
      commandSeq += 1;
      stats.commands += 1;
      stats.byType[type] = (stats.byType[type] ?? 0) + 1;
      const c: SimCommand = {
        commandId: `${prefix}-c${commandSeq}`,
        type,
        payload: { ...payload, occurredAt: iso(at) },
        service,
        person,
        at,
        partition,
      };
      if (expectedError !== undefined) c.expectedError = expectedError;
      out.push(c);
    },
    schedule: (at, step) => {
      if (at < window.to) agenda.push(Math.round(at), step);
    },
    nextId: (kind) => {
      const n = (counters.get(kind) ?? 0) + 1;
      counters.set(kind, n);
      return `${prefix}-${kind}${String(n).padStart(6, '0')}`;
    },
  };

  const customers = makeCustomers(ctx, options.customers, runIndex);
  // On-time delivery (basis points) of the deliveries since the previous measurement.
  let mark = { deliveries: 0, late: 0 };
  const onTimeSinceLastMeasure = (): number => {
    const n = stats.deliveries - mark.deliveries;
    const late = stats.lateDeliveries - mark.late;
    mark = { deliveries: stats.deliveries, late: stats.lateDeliveries };
    return n === 0 ? 10_000 : Math.round((10_000 * (n - late)) / n);
  };
  companyCommands(ctx, runIndex, onTimeSinceLastMeasure);
  ctx.schedule(window.from + 1 * MINUTE, () => {
    let at = window.from + 1 * MINUTE;
    for (const c of customers) {
      at += 1000;
      customerCommands.open(ctx, c, at);
    }
  });
  for (let day = 0; day < options.days; day++) {
    const dayStart = window.from + day * DAY;
    ctx.schedule(dayStart + 7 * HOUR, () => {
      for (const c of customers) dayOfCustomer(ctx, c, dayStart, day, options.days);
    });
  }

  for (;;) {
    const next = agenda.pop();
    if (!next) break;
    next.item();
    if (out.length > 0) {
      // Emitted at the step's own time, which is never before an earlier step's.
      yield* out;
      out.length = 0;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// customers

const makeCustomers = (ctx: SimContext, n: number, runIndex: number): WorldCustomer[] => {
  const { rng } = ctx;
  const keyCount = n >= 3 ? Math.max(1, Math.round(n * 0.05)) : n >= 1 ? 1 : 0;
  const suitableCount = n >= 2 ? Math.max(1, Math.round(n * 0.15)) : 0;
  const segments: Segment[] = [];
  for (let i = 0; i < n; i++) segments.push(i < keyCount ? 'key' : i < keyCount + suitableCount ? 'suitable' : 'general');
  // Fisher-Yates with the seeded source: which customer gets which segment.
  for (let i = segments.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [segments[i], segments[j]] = [segments[j]!, segments[i]!];
  }
  const columns = ['foreign', 'private', 'state_owned', 'individual', 'government_institution'] as const;
  const list: WorldCustomer[] = [];
  for (let i = 0; i < n; i++) {
    const classification = segments[i]!;
    // The first five customers cover every column of the service-standard form.
    const column =
      i < columns.length
        ? columns[i]!
        : rng.weighted({ foreign: 15, private: 30, state_owned: 15, individual: 25, government_institution: 15 });
    const customerType =
      column === 'individual'
        ? { kind: 'individual' as const, frequency: rng.chance(0.5) ? ('frequent' as const) : ('occasional' as const) }
        : column === 'government_institution'
          ? { kind: 'government_institution' as const, grade: rng.pick(['A', 'B', 'C'] as const) }
          : {
              kind: 'enterprise' as const,
              ownership: column,
              sizeTier: classification === 'key' ? ('large' as const) : classification === 'suitable' ? rng.pick(['large', 'medium'] as const) : rng.pick(['medium', 'small', 'small'] as const),
            };
    const tight = classification === 'general' && rng.chance(0.1);
    const caps =
      classification === 'key'
        ? { singleOrderCapFen: 200_000_000, outstandingCapFen: 1_000_000_000 }
        : classification === 'suitable'
          ? { singleOrderCapFen: 30_000_000, outstandingCapFen: 100_000_000 }
          : tight
            ? { singleOrderCapFen: 2_000_000, outstandingCapFen: 3_000_000 }
            : { singleOrderCapFen: 5_000_000, outstandingCapFen: 12_000_000 };
    const surname = rng.pick(surnames);
    const person = `${surname} ${rng.pick(givenNames)}`;
    const name =
      customerType.kind === 'individual'
        ? person
        : customerType.kind === 'enterprise'
          ? `${surname}${rng.pick(['da', 'xin', 'hua', 'tai', 'feng'])} ${rng.pick(['Trading', 'Manufacturing', 'Electronics', 'Foods', 'Textiles'])} Co., Ltd.`
          : `${rng.pick(regions)} ${rng.pick(['Bureau of Commerce', 'People\'s Hospital', 'University', 'Customs Office'])}`;
    const localSalesperson = rng.pick(staff.salespeople);
    const id = `${ctx.prefix}-C${String(i + 1).padStart(5, '0')}`;
    ctx.stats.customers[classification] += 1;
    ctx.stats.columns[column] = (ctx.stats.columns[column] ?? 0) + 1;
    list.push({
      id,
      index: i,
      runIndex,
      classification,
      column,
      customerType,
      regionalGrade: rng.pick(['A', 'B', 'C', 'D'] as const),
      region: rng.pick(regions),
      industry: rng.pick(industries),
      name,
      contactPerson: person,
      phone: `+86 1${rng.int(30, 89)} ${rng.int(1000, 9999)} ${rng.int(1000, 9999)}`,
      accountOwner: rng.pick(staff.accountOwners),
      localSalesperson,
      caps,
      status: 'pending',
      outstandingFen: 0,
      reservations: new Map(),
      experience: { good: 0, bad: 0 },
      recentOrders: [],
    });
  }
  return list;
};

/** One day of one customer: orders, and the account's own events. */
const dayOfCustomer = (ctx: SimContext, c: WorldCustomer, dayStart: number, day: number, days: number): void => {
  const { rng } = ctx;
  if (c.status === 'closed' || c.status === 'pending') return;
  const rate = orderRate[c.classification] * (c.customerType.kind === 'individual' ? 0.6 : 1);
  const n = c.leaving ? 0 : rng.poisson(rate);
  for (let k = 0; k < n; k++) {
    const at = dayStart + rng.int(8 * 60, 19 * 60) * MINUTE + rng.int(0, 59) * 1000;
    ctx.schedule(at, () => placeOrder(ctx, c, at));
  }
  customerCommands.daily(ctx, c, dayStart, day, days);
};

// ---------------------------------------------------------------------------------------------
// orders

const placeOrder = (ctx: SimContext, c: WorldCustomer, at: number): void => {
  const { rng } = ctx;
  if (c.status === 'closed') return;
  const orderId = ctx.nextId('O');
  const segment = c.classification;
  const lineCount = segment === 'key' ? rng.int(2, 6) : rng.int(1, 4);
  const lines: OrderLine[] = [];
  const used = new Set<string>();
  for (let i = 0; i < lineCount; i++) {
    const item = rng.pick(skus);
    if (used.has(item.sku)) continue;
    used.add(item.sku);
    const maxQty = Math.max(1, Math.min(500, Math.floor(lineBudgetFen[segment] / item.unitPriceFen)));
    lines.push({ lineId: `L${lines.length + 1}`, sku: item.sku, description: item.description, quantity: rng.int(1, maxQty), unitPriceFen: item.unitPriceFen });
  }
  const total = lines.reduce((s, l) => s + l.quantity * l.unitPriceFen, 0);
  const urgent = rng.chance(0.05);
  const dispatchPreference = rng.weighted({ standard: 75, express: 15, deferred: 10 });
  const lead = urgent
    ? { dispatch: Math.min(leadHours[dispatchPreference].dispatch, 2), delivery: Math.min(leadHours[dispatchPreference].delivery, 24) }
    : leadHours[dispatchPreference];
  const customerPromise = !urgent && rng.chance(0.15);
  const promisedDeliveryAt = customerPromise ? at + rng.int(48, 120) * HOUR : at + lead.delivery * HOUR;
  const standardDispatch = at + lead.dispatch * HOUR;
  const promisedDispatchAt = promisedDeliveryAt < standardDispatch ? promisedDeliveryAt : standardDispatch;
  ctx.stats.orders += 1;
  ctx.emit(
    at,
    'order.place',
    {
      orderId,
      customerId: c.id,
      channel: rng.weighted({ web: 40, phone: 25, email: 15, front_desk: 10, fax: 10 }),
      lines,
      urgent,
      dispatchPreference,
      ...(customerPromise ? { promisedDeliveryAt: iso(promisedDeliveryAt) } : {}),
    },
    'order-desk',
    rng.pick(staff.orderClerks),
    c.id,
  );
  const order: SimOrder = { orderId, customer: c, lines, total, promisedDispatchAt, promisedDeliveryAt, urgent };
  const verifyAt = at + rng.int(5, 40) * MINUTE;
  ctx.schedule(verifyAt, () => {
    if (rng.chance(0.02)) {
      ctx.stats.verificationRejections += 1;
      ctx.emit(verifyAt, 'order.reject', { orderId, reason: rng.pick(['invalid_details', 'out_of_service_area'] as const), detail: 'found at verification' }, 'order-desk', rng.pick(staff.orderClerks), c.id);
      return;
    }
    ctx.emit(verifyAt, 'order.verify', { orderId, verifiedBy: rng.pick(staff.orderClerks) }, 'order-desk', rng.pick(staff.orderClerks), c.id);
    const acceptAt = verifyAt + rng.int(5, 20) * MINUTE;
    ctx.schedule(acceptAt, () => acceptOrder(ctx, order, acceptAt));
  });
};

type SimOrder = {
  orderId: string;
  customer: WorldCustomer;
  lines: OrderLine[];
  total: number;
  promisedDispatchAt: number;
  promisedDeliveryAt: number;
  urgent: boolean;
  picked?: number[];
  delivered?: number[];
  damagedLine?: number;
};

/** The company's standard lead times (mirrors the domain's `standardLeadTimeHours`). */
const leadHours = {
  express: { dispatch: 4, delivery: 24 },
  standard: { dispatch: 24, delivery: 72 },
  deferred: { dispatch: 72, delivery: 144 },
} as const;

const acceptOrder = (ctx: SimContext, o: SimOrder, at: number): void => {
  const { rng } = ctx;
  const c = o.customer;
  const refusal = customerCommands.reserveCredit(c, o.orderId, o.total);
  ctx.emit(at, 'order.accept', { orderId: o.orderId }, 'order-desk', rng.pick(staff.orderClerks), c.id, refusal);
  if (refusal !== undefined) {
    ctx.stats.creditRefusals += 1;
    return;
  }
  const segment = c.classification;
  const minPrep = at + rng.between(0.25, 1) * HOUR;
  if (rng.chance(0.03)) {
    const cancelAt = at + rng.between(0.5, 6) * HOUR;
    ctx.schedule(cancelAt, () => {
      ctx.stats.cancellations += 1;
      customerCommands.releaseCredit(c, o.orderId);
      ctx.emit(cancelAt, 'order.cancel', { orderId: o.orderId, reason: rng.pick(['customer withdrew the order', 'duplicate order', 'goods no longer needed']) }, 'order-desk', rng.pick(staff.orderClerks), c.id);
    });
    return;
  }
  const earliestDispatch = minPrep + 0.25 * HOUR;
  const late = rng.chance(lateDispatchP[segment]) || earliestDispatch > o.promisedDispatchAt;
  const dispatchAt = late
    ? Math.max(o.promisedDispatchAt, earliestDispatch) + rng.between(1, 30) * HOUR
    : rng.between(earliestDispatch, o.promisedDispatchAt);
  const prepareAt = rng.between(minPrep, Math.max(minPrep, dispatchAt - 0.25 * HOUR));
  ctx.schedule(prepareAt, () => {
    const picked = o.lines.map((l) => (rng.chance(0.012) ? Math.floor(l.quantity * rng.between(0.3, 0.95)) : l.quantity));
    const stockDamaged = o.lines.map(() => rng.chance(0.015));
    o.picked = picked;
    if (picked.some((p, i) => p < o.lines[i]!.quantity)) ctx.stats.shortages += 1;
    ctx.emit(
      prepareAt,
      'order.prepare',
      {
        orderId: o.orderId,
        pickListNumber: `PL-${o.orderId.slice(-6)}`,
        lines: o.lines.map((l, i) => ({ lineId: l.lineId, pickedQuantity: picked[i]!, stockDamaged: stockDamaged[i]! })),
      },
      'warehouse',
      rng.pick(staff.warehouse),
      c.id,
    );
    ctx.schedule(dispatchAt, () => dispatchOrder(ctx, o, dispatchAt, late, stockDamaged.some(Boolean)));
  });
};

const dispatchOrder = (ctx: SimContext, o: SimOrder, at: number, lateDispatch: boolean, stockDamaged: boolean): void => {
  const { rng } = ctx;
  const c = o.customer;
  if (lateDispatch) ctx.stats.lateDispatches += 1;
  const carrier = rng.pick(carriers);
  ctx.emit(
    at,
    'order.dispatch',
    { orderId: o.orderId, carrier, transportMode: rng.weighted({ road: 70, rail: 12, air: 8, courier: 10 }), trackingNumber: `TN${o.orderId.replace(/[^0-9]/g, '')}${rng.int(100, 999)}` },
    'dispatch',
    rng.pick(staff.drivers),
    c.id,
  );
  const earliest = at + rng.between(3, 8) * HOUR;
  const late = rng.chance(lateDeliveryP[c.classification] + (lateDispatch ? 0.5 : 0)) || earliest > o.promisedDeliveryAt;
  const deliverAt = late ? Math.max(o.promisedDeliveryAt, earliest) + rng.between(2, 48) * HOUR : rng.between(earliest, o.promisedDeliveryAt);
  const lost = rng.chance(0.006);
  const endAt = lost ? at + rng.between(12, 72) * HOUR : deliverAt;
  // Tracking points every 6-20 hours; some orders have one gap over the agreed 24 hours.
  const gapAt = rng.chance(0.06) ? rng.int(0, 3) : -1;
  let t = at;
  let k = 0;
  for (;;) {
    const step = (k === gapAt ? rng.between(25, 40) : rng.between(6, 20)) * HOUR;
    if (t + step >= endAt - 10 * MINUTE) break;
    t += step;
    k += 1;
    const when = t;
    ctx.schedule(when, () => {
      ctx.emit(when, 'order.recordTracking', { orderId: o.orderId, location: rng.pick(cities), statusNote: rng.pick(['in transit', 'arrived at depot', 'left depot', 'out for delivery']) }, 'dispatch', rng.pick(staff.drivers), c.id);
    });
  }
  if (lost) {
    ctx.schedule(endAt, () => {
      ctx.stats.losses += 1;
      ctx.emit(endAt, 'order.raiseException', { orderId: o.orderId, exceptionId: `${o.orderId}-X1`, kind: 'loss', description: `consignment lost in transit with ${carrier}` }, 'dispatch', rng.pick(staff.drivers), c.id);
      const compensateAt = endAt + rng.between(24, 120) * HOUR;
      ctx.schedule(compensateAt, () => customerCommands.emitRelease(ctx, c, o.orderId, compensateAt, 'compensation'));
      customerCommands.urgentVisit(ctx, c, endAt + rng.between(4, 48) * HOUR);
      if (rng.chance(0.85)) complaint(ctx, c, endAt + rng.between(1, 24) * HOUR, 'loss', o.orderId);
    });
    return;
  }
  const delayException = late && rng.chance(0.5) && o.promisedDeliveryAt > t + MINUTE && o.promisedDeliveryAt < deliverAt - MINUTE;
  if (delayException) {
    const raiseAt = o.promisedDeliveryAt + MINUTE;
    ctx.schedule(raiseAt, () => {
      ctx.emit(raiseAt, 'order.raiseException', { orderId: o.orderId, exceptionId: `${o.orderId}-X2`, kind: 'delay', description: 'delivery will miss the promised time' }, 'dispatch', rng.pick(staff.drivers), c.id);
    });
  }
  ctx.schedule(deliverAt, () => deliverOrder(ctx, o, deliverAt, late, delayException, stockDamaged));
};

const deliverOrder = (ctx: SimContext, o: SimOrder, at: number, late: boolean, delayException: boolean, stockDamaged: boolean): void => {
  const { rng } = ctx;
  const c = o.customer;
  const picked = o.picked ?? o.lines.map((l) => l.quantity);
  const damaged = rng.chance(stockDamaged ? 0.5 : 0.03);
  const damagedLine = damaged ? rng.int(0, o.lines.length - 1) : -1;
  o.delivered = picked;
  if (damaged) {
    o.damagedLine = damagedLine;
    ctx.stats.damagedDeliveries += 1;
  }
  ctx.stats.deliveries += 1;
  if (late) ctx.stats.lateDeliveries += 1;
  const short = picked.some((p, i) => p < o.lines[i]!.quantity);
  if (late || damaged || short) c.experience.bad += 1;
  else c.experience.good += 1;
  ctx.emit(
    at,
    'order.deliver',
    {
      orderId: o.orderId,
      signatory: c.contactPerson,
      lines: o.lines.map((l, i) => ({ lineId: l.lineId, deliveredQuantity: picked[i]!, condition: i === damagedLine ? 'damaged' : 'intact' })),
    },
    'dispatch',
    rng.pick(staff.drivers),
    c.id,
  );
  let settledAt = at;
  if (delayException) {
    const resolveAt = at + 10 * MINUTE;
    settledAt = Math.max(settledAt, resolveAt);
    ctx.schedule(resolveAt, () => {
      ctx.emit(resolveAt, 'order.resolveException', { orderId: o.orderId, exceptionId: `${o.orderId}-X2`, resolution: 'delivered late; customer informed' }, 'dispatch', rng.pick(staff.drivers), c.id);
    });
  }
  const exceptions: { id: string; kind: string; description: string }[] = [];
  if (damaged) exceptions.push({ id: `${o.orderId}-X3`, kind: 'damage', description: `line ${o.lines[damagedLine]!.lineId} damaged at handover` });
  if (rng.chance(0.005)) exceptions.push({ id: `${o.orderId}-X4`, kind: 'handover_dispute', description: 'consignee disputes the delivered count' });
  for (const ex of exceptions) {
    const raiseAt = at + rng.between(10, 60) * MINUTE;
    const resolveAt = raiseAt + rng.between(4, 48) * HOUR;
    settledAt = Math.max(settledAt, resolveAt);
    ctx.schedule(raiseAt, () => ctx.emit(raiseAt, 'order.raiseException', { orderId: o.orderId, exceptionId: ex.id, kind: ex.kind, description: ex.description }, 'dispatch', rng.pick(staff.drivers), c.id));
    ctx.schedule(resolveAt, () => ctx.emit(resolveAt, 'order.resolveException', { orderId: o.orderId, exceptionId: ex.id, resolution: 'settled with the consignee' }, 'dispatch', rng.pick(staff.drivers), c.id));
  }
  const completeAt = settledAt + rng.between(1, 24) * HOUR;
  ctx.schedule(completeAt, () => {
    ctx.emit(completeAt, 'order.complete', { orderId: o.orderId }, 'order-desk', rng.pick(staff.orderClerks), c.id);
    const payAt = completeAt + rng.between(2, 10) * DAY;
    ctx.schedule(payAt, () => customerCommands.emitRelease(ctx, c, o.orderId, payAt, 'payment'));
    customerCommands.afterCompletion(ctx, c, completeAt);
  });
  // Complaints and returns that follow from what happened.
  if (damaged && rng.chance(0.45)) complaint(ctx, c, at + rng.between(2, 72) * HOUR, 'damage', o.orderId);
  else if (!damaged && rng.chance(0.004)) complaint(ctx, c, at + rng.between(1, 20) * DAY, 'damage', o.orderId); // hidden damage found later
  if (late && rng.chance(0.25)) complaint(ctx, c, at + rng.between(1, 48) * HOUR, 'delay', o.orderId);
  if (short && rng.chance(0.35)) complaint(ctx, c, at + rng.between(1, 48) * HOUR, 'shortage_wrong_goods', o.orderId);
  const reason = damaged && rng.chance(0.4) ? 'damage' : short && rng.chance(0.1) ? 'shortage' : rng.chance(0.015) ? 'error' : rng.chance(0.008) ? 'other' : undefined;
  if (reason !== undefined) requestReturn(ctx, o, at + rng.between(6, 240) * HOUR, reason);
  c.recentOrders.push(o.orderId);
  if (c.recentOrders.length > 5) c.recentOrders.shift();
};

// ---------------------------------------------------------------------------------------------
// complaints

const severityOf: Record<string, readonly ('low' | 'medium' | 'high' | 'critical')[]> = {
  delay: ['low', 'medium', 'medium', 'high'],
  damage: ['medium', 'high', 'high', 'critical'],
  loss: ['high', 'critical'],
  shortage_wrong_goods: ['medium', 'medium', 'high'],
  staff_attitude: ['low', 'medium'],
  billing: ['low', 'medium'],
  information: ['low', 'low', 'medium'],
  other: ['low'],
};

/**
 * A complaint through every stage: received -> acknowledged -> assessed -> (progress) ->
 * investigated -> resolved -> callback -> closed; some escalated, some reopened.
 */
export const complaint = (ctx: SimContext, c: WorldCustomer, receivedAt: number, category: string, orderId?: string): void => {
  const { rng } = ctx;
  const complaintId = ctx.nextId('Q');
  const partition = c.id;
  const cc = () => rng.pick(staff.callCentre);
  const send = (at: number, type: string, payload: Record<string, unknown>) => ctx.emit(at, type, { complaintId, ...payload }, 'call-centre', cc(), partition);
  const fast = c.classification === 'key' ? 0.5 : c.classification === 'suitable' ? 0.75 : 1;
  ctx.schedule(receivedAt, () => {
    ctx.stats.complaints += 1;
    c.experience.bad += 1;
    const seq = Number(complaintId.slice(-6));
    const year = companyDate(receivedAt).slice(0, 4);
    send(receivedAt, 'complaint.receive', {
      number: `TS-${year}-${String(c.runIndex).padStart(2, '0')}${String(seq).padStart(7, '0')}`,
      customerId: c.id,
      ...(orderId !== undefined ? { orderId } : {}),
      channel: rng.weighted({ phone: 45, email: 20, web: 20, letter: 5, in_person: 5, fax: 5 }),
      category,
      description: `customer reports: ${category.replace(/_/g, ' ')}${orderId ? ` on order ${orderId}` : ''}`,
      remedySought: rng.pick(['compensation', 'redelivery', 'apology and explanation', 'refund']),
    });
    let t = receivedAt + rng.between(0.2, 4) * fast * HOUR;
    const ackAt = t;
    ctx.schedule(ackAt, () => send(ackAt, 'complaint.acknowledge', { by: cc() }));
    t += rng.between(0.5, 6) * fast * HOUR;
    const severity = rng.pick(severityOf[category] ?? ['low']);
    const assessAt = t;
    ctx.schedule(assessAt, () => send(assessAt, 'complaint.assess', { severity, owner: rng.pick(staff.complaintOwners), urgent: severity === 'critical' || severity === 'high' }));
    if (rng.chance(0.6)) {
      const notifyAt = t + rng.between(1, 8) * HOUR;
      ctx.schedule(notifyAt, () => send(notifyAt, 'complaint.notifyProgress', { message: 'your complaint is being investigated', via: rng.pick(['phone', 'sms', 'email'] as const) }));
      t = notifyAt;
    }
    if (severity === 'critical' && rng.chance(0.3)) {
      t += rng.between(1, 8) * HOUR;
      escalate(t);
    }
    t += rng.between(2, 24) * fast * HOUR;
    const compensationFen = category === 'damage' || category === 'loss' ? rng.int(50, 2000) * 100 : category === 'delay' && rng.chance(0.3) ? rng.int(20, 200) * 100 : 0;
    cycle(t, compensationFen, 0);
  });

  function escalate(at: number) {
    ctx.schedule(at, () => {
      ctx.stats.escalations += 1;
      send(at, 'complaint.escalate', { reason: 'customer not satisfied with the handling', escalatedTo: rng.pick(staff.managers), appealRightsNotified: true });
    });
  }

  /** investigate -> resolve -> callback -> (escalate and again | close -> maybe reopen). */
  function cycle(investigateAt: number, compensationFen: number, round: number) {
    const fast = c.classification === 'key' ? 0.5 : 1;
    ctx.schedule(investigateAt, () =>
      send(investigateAt, 'complaint.investigate', {
        rootCause: rng.pick(['packing not adequate for transit', 'carrier handling', 'stock count error at picking', 'missed dispatch cut-off', 'system data not synchronised']),
        correctiveAction: rng.pick(['retrain the warehouse team', 'change the packing standard', 'review the carrier contract', 'add a second pick check']),
      }),
    );
    // Mostly within a day or two; a tail of slow cases.
    const resolveAt = investigateAt + (rng.chance(0.15) ? rng.between(24, 96) : rng.between(1, 24)) * fast * HOUR;
    ctx.schedule(resolveAt, () =>
      send(resolveAt, 'complaint.resolve', {
        resolution: compensationFen > 0 ? 'compensation paid' : 'explained and apologised',
        compensationFen,
        ...(compensationFen > 0 && rng.chance(0.5) ? { carrierClaimFen: Math.floor(compensationFen / 2) } : {}),
      }),
    );
    const callbackAt = resolveAt + rng.between(4, 48) * HOUR;
    const unhappy = round < 2 && rng.chance(0.12);
    ctx.schedule(callbackAt, () =>
      send(callbackAt, 'complaint.recordCallback', { by: cc(), properlyHandled: !unhappy, customerSatisfied: !unhappy && rng.chance(0.9) }),
    );
    if (unhappy) {
      const escalateAt = callbackAt + rng.between(1, 8) * HOUR;
      escalate(escalateAt);
      cycle(escalateAt + rng.between(8, 48) * HOUR, compensationFen + rng.int(10, 100) * 100, round + 1);
      return;
    }
    const closeAt = callbackAt + rng.between(0.5, 24) * HOUR;
    ctx.schedule(closeAt, () => send(closeAt, 'complaint.close', {}));
    if (round < 2 && rng.chance(0.06)) {
      const reopenAt = closeAt + rng.between(2, 14) * DAY;
      ctx.schedule(reopenAt, () => {
        ctx.stats.reopens += 1;
        send(reopenAt, 'complaint.reopen', { reason: 'the problem happened again' });
      });
      cycle(reopenAt + rng.between(4, 48) * HOUR, compensationFen, round + 1);
    }
  }
};

// ---------------------------------------------------------------------------------------------
// returns

const requestReturn = (ctx: SimContext, o: SimOrder, at: number, reason: 'damage' | 'shortage' | 'error' | 'other'): void => {
  const { rng } = ctx;
  const c = o.customer;
  const delivered = o.delivered ?? [];
  const candidates = o.lines
    .map((l, i) => ({ lineId: l.lineId, delivered: delivered[i] ?? 0, i }))
    .filter((l) => l.delivered > 0 && (reason !== 'damage' || o.damagedLine === undefined || l.i === o.damagedLine));
  const first = candidates[0];
  if (!first) return;
  const line = reason === 'damage' ? first : rng.pick(candidates);
  const quantity = rng.int(1, line.delivered);
  const returnId = ctx.nextId('R');
  const send = (when: number, type: string, payload: Record<string, unknown>, person: string = rng.pick(staff.returnsClerks)) =>
    ctx.emit(when, type, { returnId, ...payload }, 'returns-desk', person, c.id);
  const unitPriceFen = o.lines[line.i]!.unitPriceFen;
  ctx.schedule(at, () => {
    ctx.stats.returns += 1;
    send(at, 'return.request', {
      orderId: o.orderId,
      customerId: c.id,
      slipNumber: `RT-${returnId.slice(-6)}`,
      reason,
      lines: [{ lineId: line.lineId, quantity }],
      description: `customer returns ${quantity} x ${o.lines[line.i]!.sku}`,
    });
    let t = at + rng.between(4, 48) * HOUR;
    const confirmed = rng.chance(0.8);
    if (confirmed) ctx.stats.returnsConfirmed += 1;
    else ctx.stats.returnsUnconfirmed += 1;
    const confirmedReason = rng.chance(0.9) ? reason : rng.pick(['damage', 'shortage', 'error', 'other'] as const);
    const actual = rng.chance(0.95) ? quantity : rng.int(0, quantity);
    const inspectAt = t;
    ctx.schedule(inspectAt, () =>
      send(inspectAt, 'return.inspect', { clerk: rng.pick(staff.returnsClerks), lines: [{ lineId: line.lineId, actualQuantity: actual }], causeConfirmed: confirmed, ...(confirmed ? { confirmedReason } : {}) }),
    );
    t += rng.between(1, 12) * HOUR;
    const dcAt = t;
    ctx.schedule(dcAt, () => send(dcAt, 'return.notifyDistributionCentre', { reference: `DC-${returnId.slice(-6)}` }));
    t += rng.between(4, 48) * HOUR;
    const reviewAt = t;
    const passed = actual > 0 && rng.chance(0.92);
    ctx.schedule(reviewAt, () => send(reviewAt, 'return.review', { reviewer: rng.pick(staff.reviewers), passed }, rng.pick(staff.reviewers)));
    if (!passed) {
      t += rng.between(1, 24) * HOUR;
      const rejectAt = t;
      ctx.schedule(rejectAt, () => {
        ctx.stats.returnsRejected += 1;
        send(rejectAt, 'return.reject', { by: rng.pick(staff.reviewers), reason: actual === 0 ? 'nothing was returned' : 'documents do not match the goods' });
      });
    } else {
      t += rng.between(1, 12) * HOUR;
      const approveAt = t;
      ctx.schedule(approveAt, () => send(approveAt, 'return.approve', { by: rng.pick(staff.reviewers) }));
      t += rng.between(1, 72) * HOUR;
      const settleAt = t;
      const outcome = rng.weighted({ refund: 50, exchange: 30, compensation: 20 });
      ctx.schedule(settleAt, () => send(settleAt, 'return.settle', { outcome, amountFen: outcome === 'exchange' ? 0 : actual * unitPriceFen }));
      t += rng.between(4, 72) * HOUR;
      const dispAt = t;
      ctx.schedule(dispAt, () =>
        send(dispAt, 'return.recordDisposition', { disposition: reason === 'damage' ? rng.pick(['scrapped', 'repaired', 'returned_to_supplier'] as const) : 'restocked' }),
      );
    }
    t += rng.between(1, 24) * HOUR;
    const closeAt = t;
    ctx.schedule(closeAt, () => send(closeAt, 'return.close', {}));
  });
};
