import { type KpiEvent, reader } from './event-data.ts';
import { type PeriodKind, localDate, periodKinds, periodStart } from './periods.ts';
import { type KpiSettings, defaultKpiSettings } from './settings.ts';

// A second, independent implementation of the KPI rules of DOMAIN.md in plain TypeScript: the
// property tests compare every analytics view with it. It shares no code with the SQL views
// and buckets with Intl.DateTimeFormat instead of PostgreSQL's AT TIME ZONE.

/** The dimension kinds every indicator is cut by. */
export type DimensionKind = 'all' | 'customer' | 'classification' | 'standard_column' | 'region';
export const dimensionKinds: readonly DimensionKind[] = ['all', 'customer', 'classification', 'standard_column', 'region'];

/** One row of `analytics.indicators`. */
export type IndicatorRow = {
  indicator: string;
  periodKind: PeriodKind;
  periodStart: string;
  dimensionKind: DimensionKind;
  dimensionValue: string;
  numerator: number;
  denominator: number;
};

/** One row of `analytics.durations` (hours). */
export type DurationRow = {
  metric: string;
  periodKind: PeriodKind;
  periodStart: string;
  dimensionKind: DimensionKind;
  dimensionValue: string;
  count: number;
  avgHours: number;
  medianHours: number;
  p90Hours: number;
};

/** One row of `analytics.complaint_statistics`. */
export type ComplaintStatRow = {
  periodKind: PeriodKind;
  periodStart: string;
  category: string;
  channel: string;
  severity: string;
  complaints: number;
};

/** One row of `analytics.return_reasons`. */
export type ReturnReasonRow = { periodKind: PeriodKind; periodStart: string; reason: string; returns: number };

/** One row of `analytics.satisfaction` (counts per answer in `answerCounts`). */
export type SatisfactionRow = {
  periodKind: PeriodKind;
  periodStart: string;
  dimensionKind: DimensionKind;
  dimensionValue: string;
  surveyItem: string;
  answers: number;
  meanScore: number;
  answerCounts: Record<string, number>;
};

/** One row of `analytics.complaint_durations` (hours, per complaint category). */
export type ComplaintDurationRow = {
  metric: string;
  periodKind: PeriodKind;
  periodStart: string;
  category: string;
  count: number;
  avgHours: number;
  medianHours: number;
  p90Hours: number;
};

/** One row of `analytics.scorecard`. */
export type ScorecardRow = {
  periodKind: PeriodKind;
  periodStart: string;
  standardColumn: string;
  standardId: string;
  standardVersion: number;
  standardEffectiveFrom: string;
  department: string;
  indicator: string;
  unit: string;
  direction: string;
  weightBp: number;
  target: number;
  actual: number | null;
  basis: number;
  met: boolean | null;
  /** Points of 100: the weight when met, 0 when missed, null without an actual figure. */
  weightedScore: number | null;
};

/** One row of `analytics.service_evaluations`. */
export type EvaluationRow = {
  evaluationId: string;
  itemNo: number;
  customerId: string;
  evaluatedAt: string;
  evaluatedOn: string;
  classification: string;
  standardColumn: string;
  region: string;
  item: string;
  customerGrade: string;
  internalGrade: string;
  customerScore: number;
  internalScore: number;
  combinedScore: number;
  evaluator: string;
  opinion: string;
};

/** One row of `analytics.improvements`. */
export type ImprovementRow = {
  improvementId: string;
  indicator: string;
  unit: string;
  direction: string;
  startDate: string;
  endDate: string;
  valueBefore: number;
  valueAfter: number | null;
  change: number | null;
  improved: boolean | null;
  confirmedRoles: string[];
  fullyConfirmed: boolean;
  openedAt: string;
  closedAt: string | null;
};

/** One row of `analytics.customer_dimension` (instants as epoch milliseconds). */
export type CustomerDimensionRow = { customerId: string; attribute: string; value: string; validFrom: number; validTo: number | null };

/** Everything the oracle computes. */
export type OracleReport = {
  indicators: IndicatorRow[];
  durations: DurationRow[];
  complaintDurations: ComplaintDurationRow[];
  complaintStatistics: ComplaintStatRow[];
  returnReasons: ReturnReasonRow[];
  satisfaction: SatisfactionRow[];
  scorecard: ScorecardRow[];
  evaluations: EvaluationRow[];
  improvements: ImprovementRow[];
  customerDimension: CustomerDimensionRow[];
};

/** Scores of the 7-point scale (very good 7 ... very poor 1), written out independently. */
const answerScores: Record<string, number> = {
  very_good: 7,
  quite_good: 6,
  slightly_good: 5,
  average: 4,
  slightly_poor: 3,
  quite_poor: 2,
  very_poor: 1,
};

/** Evaluation grades, written out independently: good 10, average 5, poor 0. */
const gradeScores: Record<string, number> = { good: 10, average: 5, poor: 0 };

type Dims = { customer: string; classification: string; standard_column: string; region: string };
type Fact = { indicator: string; at: string; dims: Dims; num: number; den: number };
type DurationFact = { metric: string; at: string; dims: Dims; hours: number; category?: string };
type StandardVersion = {
  standardId: string;
  version: number;
  effectiveFrom: string;
  indicators: { indicator: string; department: string; weightBp: number; unit: string; direction: string; targets: Record<string, number> }[];
};

type OrderAcc = {
  customerId: string;
  placedAt?: string;
  promisedDispatchAt?: string;
  promisedDeliveryAt?: string;
  acceptedAt?: string;
  preparedAt?: string;
  pickedInFull?: boolean;
  dispatchedAt?: string;
  deliveredAt?: string;
  inFull?: boolean;
  damageAtHandover?: boolean;
  lostAt?: string;
  lines: Map<string, { ordered: number; picked: number; damaged: boolean; preparedAt: string }>;
  points: Map<string, string>;
};

type ComplaintAcc = {
  customerId: string;
  orderId: string | null;
  receivedAt?: string;
  channel?: string;
  category?: string;
  severity?: string;
  acknowledgedAt?: string;
  firstResolvedAt?: string;
  reopenCount: number;
};

type ReturnAcc = { customerId: string; requestedAt?: string; confirmedReason: string | null };

type AttributeChange = { at: number; position: string; value: string };

const ms = (iso: string) => Date.parse(iso);
const hoursBetween = (from: string, to: string) => (ms(to) - ms(from)) / 3_600_000;

/**
 * Continuous percentile (PostgreSQL `percentile_cont`): linear interpolation between the
 * closest ranks of the sorted values.
 *
 * @example
 * percentileCont([1, 2, 3, 4], 0.5); // 2.5
 */
export const percentileCont = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (rank - lo);
};

/**
 * Computes the KPI report from events in global order, in memory.
 *
 * @example
 * const report = computeKpiOracle(events, { timeZone: 'Asia/Shanghai', trackingIntervalHours: 24 });
 * report.indicators.filter((r) => r.indicator === 'on_time_delivery' && r.dimensionKind === 'all');
 */
export const computeKpiOracle = (events: readonly KpiEvent[], settings: KpiSettings = defaultKpiSettings): OracleReport => {
  const orders = new Map<string, OrderAcc>();
  const complaints = new Map<string, ComplaintAcc>();
  const returns = new Map<string, ReturnAcc>();
  const damaged = new Set<string>();
  const attributes = new Map<string, AttributeChange[]>();
  const surveys: { at: string; dims: Dims; item: string; answer: string }[] = [];
  const standards: StandardVersion[] = [];
  const evaluations: EvaluationRow[] = [];
  const improvements = new Map<string, ImprovementRow>();

  const order = (id: string, customerId: string): OrderAcc => {
    let o = orders.get(id);
    if (!o) {
      o = { customerId, lines: new Map(), points: new Map() };
      orders.set(id, o);
    }
    return o;
  };
  const allAttributes = attributes;
  const setAttribute = (customerId: string, attribute: string, at: string, position: string, value: string) => {
    const key = `${customerId}\u0000${attribute}`;
    const list = attributes.get(key) ?? [];
    list.push({ at: ms(at), position, value });
    attributes.set(key, list);
  };

  for (const e of events) {
    const d = reader(e);
    switch (e.type) {
      case 'OrderPlaced': {
        const o = order(d.str('orderId'), d.str('customerId'));
        o.placedAt = d.time('occurredAt');
        o.promisedDispatchAt = d.time('promisedDispatchAt');
        o.promisedDeliveryAt = d.time('promisedDeliveryAt');
        break;
      }
      case 'OrderAccepted':
        order(d.str('orderId'), d.str('customerId')).acceptedAt = d.time('occurredAt');
        break;
      case 'OrderPrepared': {
        const o = order(d.str('orderId'), d.str('customerId'));
        o.preparedAt = d.time('occurredAt');
        o.pickedInFull = d.bool('pickedInFull');
        for (const line of d.list('lines')) {
          const l = reader(line);
          o.lines.set(l.str('lineId'), {
            ordered: l.int('orderedQuantity'),
            picked: l.int('pickedQuantity'),
            damaged: l.bool('stockDamaged'),
            preparedAt: o.preparedAt,
          });
        }
        break;
      }
      case 'OrderDispatched': {
        const o = order(d.str('orderId'), d.str('customerId'));
        o.dispatchedAt = d.time('occurredAt');
        o.points.set(e.id, o.dispatchedAt);
        break;
      }
      case 'OrderTrackingUpdated':
        order(d.str('orderId'), d.str('customerId')).points.set(e.id, d.time('occurredAt'));
        break;
      case 'OrderDelivered': {
        const o = order(d.str('orderId'), d.str('customerId'));
        o.deliveredAt = d.time('occurredAt');
        o.inFull = d.bool('inFull');
        o.damageAtHandover = d.bool('damageRecorded');
        o.points.set(e.id, o.deliveredAt);
        break;
      }
      case 'OrderLost': {
        const o = order(d.str('orderId'), d.str('customerId'));
        o.lostAt = d.time('occurredAt');
        o.points.set(e.id, o.lostAt);
        break;
      }
      case 'OrderExceptionRaised':
        if (d.str('kind') === 'damage') damaged.add(d.str('orderId'));
        break;
      case 'ComplaintReceived': {
        const id = d.str('complaintId');
        const c: ComplaintAcc = complaints.get(id) ?? { customerId: d.str('customerId'), orderId: null, reopenCount: 0 };
        c.receivedAt = d.time('occurredAt');
        c.orderId = d.optStr('orderId');
        c.channel = d.str('channel');
        c.category = d.str('category');
        complaints.set(id, c);
        if (c.category === 'damage' && c.orderId !== null) damaged.add(c.orderId);
        break;
      }
      case 'ComplaintAcknowledged': {
        const c = complaints.get(d.str('complaintId'));
        const at = d.time('occurredAt');
        if (c && (c.acknowledgedAt === undefined || ms(at) < ms(c.acknowledgedAt))) c.acknowledgedAt = at;
        break;
      }
      case 'ComplaintAssessed': {
        const c = complaints.get(d.str('complaintId'));
        if (c) c.severity = d.str('severity');
        break;
      }
      case 'ComplaintResolved': {
        const c = complaints.get(d.str('complaintId'));
        if (c && c.firstResolvedAt === undefined) c.firstResolvedAt = d.time('firstResolvedAt');
        break;
      }
      case 'ComplaintReopened': {
        const c = complaints.get(d.str('complaintId'));
        if (c) c.reopenCount = Math.max(c.reopenCount, d.int('reopenCount'));
        break;
      }
      case 'ReturnRequested':
        returns.set(d.str('returnId'), { customerId: d.str('customerId'), requestedAt: d.time('occurredAt'), confirmedReason: null });
        break;
      case 'ReturnInspected': {
        const r = returns.get(d.str('returnId'));
        const confirmed = d.optStr('confirmedReason');
        if (r) r.confirmedReason = confirmed;
        if (confirmed === 'damage') damaged.add(d.str('orderId'));
        break;
      }
      case 'CustomerSurveyRecorded': {
        const seg = reader(d.obj('segment') ?? d.fail('segment', 'an object'));
        const dims: Dims = {
          customer: d.str('customerId'),
          classification: seg.str('classification'),
          standard_column: seg.str('standardColumn'),
          region: seg.str('region'),
        };
        const answers = reader(d.obj('answers') ?? d.fail('answers', 'an object'));
        for (const item of Object.keys(answers.data)) surveys.push({ at: d.time('occurredAt'), dims, item, answer: answers.str(item) });
        break;
      }
      case 'ServiceStandardPublished':
        standards.push({
          standardId: d.str('standardId'),
          version: d.int('version'),
          effectiveFrom: d.str('effectiveFrom'),
          indicators: d.list('indicators').map((x) => {
            const i = reader(x);
            const targets = reader(i.obj('targets') ?? i.fail('targets', 'an object'));
            return {
              indicator: i.str('indicator'),
              department: i.str('department'),
              weightBp: i.int('weightBp'),
              unit: i.str('unit'),
              direction: i.str('direction'),
              targets: Object.fromEntries(Object.keys(targets.data).map((k) => [k, targets.int(k)])),
            };
          }),
        });
        break;
      case 'CustomerEvaluationRecorded': {
        const seg = reader(d.obj('segment') ?? d.fail('segment', 'an object'));
        d.list('items').forEach((x, i) => {
          const it = reader(x);
          const customerScore = gradeScores[it.str('customerGrade')] ?? Number.NaN;
          const internalScore = gradeScores[it.str('internalGrade')] ?? Number.NaN;
          evaluations.push({
            evaluationId: d.str('evaluationId'),
            itemNo: i + 1,
            customerId: d.str('customerId'),
            evaluatedAt: d.time('occurredAt'),
            evaluatedOn: localDate(d.time('occurredAt'), settings.timeZone),
            classification: seg.str('classification'),
            standardColumn: seg.str('standardColumn'),
            region: seg.str('region'),
            item: it.str('item'),
            customerGrade: it.str('customerGrade'),
            internalGrade: it.str('internalGrade'),
            customerScore,
            internalScore,
            combinedScore: (customerScore + internalScore) / 2,
            evaluator: d.str('evaluator'),
            opinion: d.str('opinion'),
          });
        });
        break;
      }
      case 'ServiceImprovementOpened':
        improvements.set(d.str('improvementId'), {
          improvementId: d.str('improvementId'),
          indicator: d.str('indicator'),
          unit: d.str('unit'),
          direction: d.str('direction'),
          startDate: d.str('startDate'),
          endDate: d.str('endDate'),
          valueBefore: d.int('valueBefore'),
          valueAfter: null,
          change: null,
          improved: null,
          confirmedRoles: [],
          fullyConfirmed: false,
          openedAt: d.time('occurredAt'),
          closedAt: null,
        });
        break;
      case 'ServiceImprovementResultRecorded': {
        const imp = improvements.get(d.str('improvementId'));
        if (imp) {
          imp.valueAfter = d.int('valueAfter');
          imp.change = imp.valueAfter - imp.valueBefore;
          imp.improved = imp.direction === 'higher_is_better' ? imp.valueAfter > imp.valueBefore : imp.valueAfter < imp.valueBefore;
        }
        break;
      }
      case 'ServiceImprovementConfirmed': {
        const imp = improvements.get(d.str('improvementId'));
        const role = d.str('role');
        if (imp && !imp.confirmedRoles.includes(role)) imp.confirmedRoles = [...imp.confirmedRoles, role].sort();
        if (imp) imp.fullyConfirmed = imp.confirmedRoles.length === 3;
        break;
      }
      case 'ServiceImprovementClosed': {
        const imp = improvements.get(d.str('improvementId'));
        if (imp) imp.closedAt = d.time('occurredAt');
        break;
      }
      default:
        for (const change of customerAttributeChanges(e)) {
          setAttribute(change.customerId, change.attribute, change.effectiveAt, e.position, change.value);
        }
    }
  }

  const attributeAt = (customerId: string, attribute: string, at: string): string => {
    const t = ms(at);
    let best: AttributeChange | undefined;
    for (const c of attributes.get(`${customerId}\u0000${attribute}`) ?? []) {
      if (c.at > t) continue;
      if (!best || c.at > best.at || (c.at === best.at && c.position > best.position)) best = c;
    }
    return best?.value ?? 'unknown';
  };
  const dimsAt = (customerId: string, at: string): Dims => ({
    customer: customerId,
    classification: attributeAt(customerId, 'classification', at),
    standard_column: attributeAt(customerId, 'standard_column', at),
    region: attributeAt(customerId, 'region', at),
  });

  const facts: Fact[] = [];
  const durations: DurationFact[] = [];
  const fact = (indicator: string, at: string, dims: Dims, ok: boolean, den = 1) =>
    facts.push({ indicator, at, dims, num: ok ? 1 : 0, den });

  for (const [orderId, o] of orders) {
    if (o.placedAt === undefined) continue;
    const dims = dimsAt(o.customerId, o.placedAt);
    fact('demand_fulfilment', o.placedAt, dims, o.acceptedAt !== undefined);
    if (o.acceptedAt !== undefined) {
      fact('warehouse_dispatch_rate', o.acceptedAt, dims, o.dispatchedAt !== undefined);
    }
    if (o.preparedAt !== undefined) {
      for (const l of o.lines.values()) {
        fact('stock_availability', l.preparedAt, dims, l.picked === l.ordered);
        fact('inventory_intact', l.preparedAt, dims, !l.damaged);
      }
      if (o.acceptedAt !== undefined) {
        durations.push({ metric: 'preparation_time', at: o.preparedAt, dims, hours: hoursBetween(o.acceptedAt, o.preparedAt) });
      }
    }
    if (o.dispatchedAt !== undefined) {
      fact('on_time_dispatch', o.dispatchedAt, dims, o.promisedDispatchAt !== undefined && ms(o.dispatchedAt) <= ms(o.promisedDispatchAt));
      fact('shipping_accuracy', o.dispatchedAt, dims, o.pickedInFull === true);
      if (o.deliveredAt !== undefined || o.lostAt !== undefined) {
        const times = [...o.points.values()].map(ms).sort((a, b) => a - b);
        let maxGap = 0;
        for (let i = 1; i < times.length; i += 1) maxGap = Math.max(maxGap, ((times[i] ?? 0) - (times[i - 1] ?? 0)) / 3_600_000);
        fact('timely_tracking', o.dispatchedAt, dims, maxGap <= settings.trackingIntervalHours);
      }
    }
    const settledAt = o.deliveredAt ?? o.lostAt;
    if (settledAt !== undefined) {
      const delivered = o.deliveredAt !== undefined;
      const onTime = delivered && o.promisedDeliveryAt !== undefined && ms(settledAt) <= ms(o.promisedDeliveryAt);
      const inFull = delivered && o.inFull === true;
      const damageFree = delivered && o.damageAtHandover === false && !damaged.has(orderId);
      fact('on_time_delivery', settledAt, dims, onTime);
      fact('in_full', settledAt, dims, inFull);
      fact('damage_free', settledAt, dims, damageFree);
      fact('perfect_order', settledAt, dims, onTime && inFull && damageFree);
      // Lead's decision: every "per delivered order" indicator has the same delivery denominator.
      facts.push({ indicator: 'complaint_rate', at: settledAt, dims, num: 0, den: 1 });
      facts.push({ indicator: 'return_rate', at: settledAt, dims, num: 0, den: 1 });
      if (delivered) {
        durations.push({ metric: 'order_cycle_time', at: settledAt, dims, hours: hoursBetween(o.placedAt, settledAt) });
      }
    }
  }

  const complaintStats = new Map<string, ComplaintStatRow>();
  for (const c of complaints.values()) {
    if (c.receivedAt === undefined) continue;
    const dims = dimsAt(c.customerId, c.receivedAt);
    facts.push({ indicator: 'complaint_rate', at: c.receivedAt, dims, num: 1, den: 0 });
    if (c.acknowledgedAt !== undefined) {
      durations.push({ metric: 'complaint_time_to_acknowledge', at: c.receivedAt, dims, hours: hoursBetween(c.receivedAt, c.acknowledgedAt), category: c.category ?? 'unknown' });
    }
    if (c.firstResolvedAt !== undefined) {
      const hours = hoursBetween(c.receivedAt, c.firstResolvedAt);
      durations.push({ metric: 'complaint_handling_time', at: c.firstResolvedAt, dims, hours, category: c.category ?? 'unknown' });
      fact('complaint_reopened', c.firstResolvedAt, dims, c.reopenCount > 0);
      // Within the handling-time target of the customer's column, in the version in force on the receipt day.
      const inForce = versionInForceOn(standards, localDate(c.receivedAt, settings.timeZone));
      const target = inForce?.indicators.find((i) => i.indicator === 'complaint_handling_time')?.targets[dims.standard_column];
      if (target !== undefined) fact('complaint_resolved_within_target', c.firstResolvedAt, dims, hours <= target);
    }
    for (const kind of periodKinds) {
      const start = periodStart(localDate(c.receivedAt, settings.timeZone), kind);
      const row: ComplaintStatRow = {
        periodKind: kind,
        periodStart: start,
        category: c.category ?? 'unknown',
        channel: c.channel ?? 'unknown',
        severity: c.severity ?? 'unassessed',
        complaints: 0,
      };
      const key = [kind, start, row.category, row.channel, row.severity].join('|');
      const existing = complaintStats.get(key) ?? row;
      existing.complaints += 1;
      complaintStats.set(key, existing);
    }
  }

  const returnReasons = new Map<string, ReturnReasonRow>();
  for (const r of returns.values()) {
    if (r.requestedAt === undefined) continue;
    facts.push({ indicator: 'return_rate', at: r.requestedAt, dims: dimsAt(r.customerId, r.requestedAt), num: 1, den: 0 });
    for (const kind of periodKinds) {
      const start = periodStart(localDate(r.requestedAt, settings.timeZone), kind);
      const reason = r.confirmedReason ?? 'unconfirmed';
      const key = [kind, start, reason].join('|');
      const row = returnReasons.get(key) ?? { periodKind: kind, periodStart: start, reason, returns: 0 };
      row.returns += 1;
      returnReasons.set(key, row);
    }
  }

  const satisfaction = new Map<string, SatisfactionRow>();
  for (const a of surveys) {
    const date = localDate(a.at, settings.timeZone);
    for (const kind of periodKinds) {
      const start = periodStart(date, kind);
      for (const [dimensionKind, dimensionValue] of cuts(a.dims)) {
        const key = [kind, start, dimensionKind, dimensionValue, a.item].join('|');
        const row = satisfaction.get(key) ?? {
          periodKind: kind,
          periodStart: start,
          dimensionKind,
          dimensionValue,
          surveyItem: a.item,
          answers: 0,
          meanScore: 0,
          answerCounts: Object.fromEntries(Object.keys(answerScores).map((k) => [k, 0])),
        };
        row.meanScore = (row.meanScore * row.answers + (answerScores[a.answer] ?? Number.NaN)) / (row.answers + 1);
        row.answers += 1;
        row.answerCounts[a.answer] = (row.answerCounts[a.answer] ?? 0) + 1;
        satisfaction.set(key, row);
      }
    }
  }

  const indicators = aggregateFacts(facts, settings);
  const durationRows = aggregateDurations(durations, settings);
  const complaintDurations = aggregateComplaintDurations(durations, settings);

  // Scorecard: actual figures per (indicator, period, standard column), the version in force
  // at the period's last day, one row per target of that version for the column.
  const actual = new Map<string, { actual: number | null; basis: number }>();
  const present = new Map<string, { periodKind: PeriodKind; periodStart: string; column: string }>();
  const note = (indicator: string, periodKind: PeriodKind, periodStart: string, column: string, a: { actual: number | null; basis: number }) => {
    actual.set([indicator, periodKind, periodStart, column].join('|'), a);
    present.set([periodKind, periodStart, column].join('|'), { periodKind, periodStart, column });
  };
  for (const r of indicators) {
    if (r.dimensionKind !== 'standard_column') continue;
    note(r.indicator, r.periodKind, r.periodStart, r.dimensionValue, { actual: r.denominator === 0 ? null : (r.numerator * 10_000) / r.denominator, basis: r.denominator });
  }
  for (const r of durationRows) {
    if (r.dimensionKind === 'standard_column') note(r.metric, r.periodKind, r.periodStart, r.dimensionValue, { actual: r.avgHours, basis: r.count });
  }
  for (const r of satisfactionByColumn(surveys, settings)) note('satisfaction', r.periodKind, r.periodStart, r.column, { actual: r.mean * 100, basis: r.count });
  const scorecard: ScorecardRow[] = [];
  for (const pc of present.values()) {
    const v = versionInForceOn(standards, lastDayOf(pc.periodStart, pc.periodKind));
    if (!v) continue;
    for (const i of v.indicators) {
      const target = i.targets[pc.column];
      if (target === undefined) continue;
      const a = actual.get([i.indicator, pc.periodKind, pc.periodStart, pc.column].join('|'));
      const value = a?.actual ?? null;
      const met = value === null ? null : i.direction === 'higher_is_better' ? value >= target : value <= target;
      scorecard.push({
        periodKind: pc.periodKind,
        periodStart: pc.periodStart,
        standardColumn: pc.column,
        standardId: v.standardId,
        standardVersion: v.version,
        standardEffectiveFrom: v.effectiveFrom,
        department: i.department,
        indicator: i.indicator,
        unit: i.unit,
        direction: i.direction,
        weightBp: i.weightBp,
        target,
        actual: value,
        basis: a?.basis ?? 0,
        met,
        weightedScore: met === null ? null : met ? i.weightBp / 100 : 0,
      });
    }
  }

  const customerDimension: CustomerDimensionRow[] = [];
  for (const [key, changes] of allAttributes) {
    const [customerId, attribute] = key.split('\u0000') as [string, string];
    const sorted = [...changes].sort((a, b) => a.at - b.at || (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    sorted.forEach((c, i) => {
      const validTo = sorted[i + 1]?.at ?? null;
      if (validTo === null || validTo > c.at) customerDimension.push({ customerId, attribute, value: c.value, validFrom: c.at, validTo });
    });
  }

  return {
    satisfaction: [...satisfaction.values()],
    indicators,
    durations: durationRows,
    complaintDurations,
    complaintStatistics: [...complaintStats.values()],
    returnReasons: [...returnReasons.values()],
    scorecard,
    evaluations,
    improvements: [...improvements.values()],
    customerDimension,
  };
};

/**
 * The standard version in force on a company date: the latest `effectiveFrom` on or before
 * it (ties: the higher version, then the later standard id).
 */
const versionInForceOn = (standards: readonly StandardVersion[], date: string): StandardVersion | undefined => {
  let best: StandardVersion | undefined;
  for (const v of standards) {
    if (v.effectiveFrom > date) continue;
    if (
      !best ||
      v.effectiveFrom > best.effectiveFrom ||
      (v.effectiveFrom === best.effectiveFrom && (v.version > best.version || (v.version === best.version && v.standardId > best.standardId)))
    ) {
      best = v;
    }
  }
  return best;
};

const ymd = (d: Date) => `${String(d.getUTCFullYear()).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;

/** The last calendar day of the period starting on `start`. */
const lastDayOf = (start: string, kind: PeriodKind): string => {
  const [y, m, d] = start.split('-').map(Number) as [number, number, number];
  if (kind === 'day') return start;
  if (kind === 'week') return ymd(new Date(Date.UTC(y, m - 1, d + 6)));
  return ymd(new Date(Date.UTC(y, m, 0)));
};

const satisfactionByColumn = (surveys: readonly { at: string; dims: Dims; answer: string }[], settings: KpiSettings) => {
  const groups = new Map<string, { periodKind: PeriodKind; periodStart: string; column: string; sum: number; count: number }>();
  for (const a of surveys) {
    for (const kind of periodKinds) {
      const start = periodStart(localDate(a.at, settings.timeZone), kind);
      const key = [kind, start, a.dims.standard_column].join('|');
      const g = groups.get(key) ?? { periodKind: kind, periodStart: start, column: a.dims.standard_column, sum: 0, count: 0 };
      g.sum += answerScores[a.answer] ?? Number.NaN;
      g.count += 1;
      groups.set(key, g);
    }
  }
  return [...groups.values()].map((g) => ({ ...g, mean: g.sum / g.count }));
};

const aggregateComplaintDurations = (facts: readonly DurationFact[], settings: KpiSettings): ComplaintDurationRow[] => {
  const groups = new Map<string, { head: Omit<ComplaintDurationRow, 'count' | 'avgHours' | 'medianHours' | 'p90Hours'>; hours: number[] }>();
  for (const f of facts) {
    if (f.category === undefined) continue;
    for (const kind of periodKinds) {
      const start = periodStart(localDate(f.at, settings.timeZone), kind);
      const key = [f.metric, kind, start, f.category].join('|');
      const g = groups.get(key) ?? { head: { metric: f.metric, periodKind: kind, periodStart: start, category: f.category }, hours: [] };
      g.hours.push(f.hours);
      groups.set(key, g);
    }
  }
  return [...groups.values()].map(({ head, hours }) => ({
    ...head,
    count: hours.length,
    avgHours: hours.reduce((a, b) => a + b, 0) / hours.length,
    medianHours: percentileCont(hours, 0.5),
    p90Hours: percentileCont(hours, 0.9),
  }));
};

const cuts = (dims: Dims): [DimensionKind, string][] => [
  ['all', 'all'],
  ['customer', dims.customer],
  ['classification', dims.classification],
  ['standard_column', dims.standard_column],
  ['region', dims.region],
];

const aggregateFacts = (facts: readonly Fact[], settings: KpiSettings): IndicatorRow[] => {
  const rows = new Map<string, IndicatorRow>();
  for (const f of facts) {
    const date = localDate(f.at, settings.timeZone);
    for (const kind of periodKinds) {
      const start = periodStart(date, kind);
      for (const [dimensionKind, dimensionValue] of cuts(f.dims)) {
        const key = [f.indicator, kind, start, dimensionKind, dimensionValue].join('|');
        const row = rows.get(key) ?? {
          indicator: f.indicator,
          periodKind: kind,
          periodStart: start,
          dimensionKind,
          dimensionValue,
          numerator: 0,
          denominator: 0,
        };
        row.numerator += f.num;
        row.denominator += f.den;
        rows.set(key, row);
      }
    }
  }
  return [...rows.values()];
};

const aggregateDurations = (facts: readonly DurationFact[], settings: KpiSettings): DurationRow[] => {
  const groups = new Map<string, { head: Omit<DurationRow, 'count' | 'avgHours' | 'medianHours' | 'p90Hours'>; hours: number[] }>();
  for (const f of facts) {
    const date = localDate(f.at, settings.timeZone);
    for (const kind of periodKinds) {
      const start = periodStart(date, kind);
      for (const [dimensionKind, dimensionValue] of cuts(f.dims)) {
        const key = [f.metric, kind, start, dimensionKind, dimensionValue].join('|');
        const g = groups.get(key) ?? {
          head: { metric: f.metric, periodKind: kind, periodStart: start, dimensionKind, dimensionValue },
          hours: [],
        };
        g.hours.push(f.hours);
        groups.set(key, g);
      }
    }
  }
  return [...groups.values()].map(({ head, hours }) => ({
    ...head,
    count: hours.length,
    avgHours: hours.reduce((a, b) => a + b, 0) / hours.length,
    medianHours: percentileCont(hours, 0.5),
    p90Hours: percentileCont(hours, 0.9),
  }));
};

/** Customer attribute changes an event carries (the oracle's own reading of CustomerAccount events). */
const customerAttributeChanges = (event: KpiEvent): { customerId: string; attribute: string; effectiveAt: string; value: string }[] => {
  const d = reader(event);
  const at = (attribute: string, value: string) => ({ customerId: d.str('customerId'), attribute, effectiveAt: d.time('occurredAt'), value });
  const kindOf = (field: string) => reader(d.obj(field) ?? d.fail(field, 'an object')).str('kind');
  if (event.type === 'CustomerAccountOpened') {
    return [
      at('classification', d.str('classification')),
      at('customer_type', kindOf('customerType')),
      at('standard_column', d.str('standardColumn')),
      at('region', d.str('region')),
      at('regional_grade', d.str('regionalGrade')),
    ];
  }
  if (event.type === 'CustomerClassificationChanged') return [at('classification', d.str('to'))];
  if (event.type === 'CustomerRegionalGradeChanged') return [at('regional_grade', d.str('to'))];
  if (event.type === 'CustomerTypeChanged') return [at('customer_type', kindOf('to')), at('standard_column', d.str('toStandardColumn'))];
  return [];
};
