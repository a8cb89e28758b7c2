import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { KpiError, setKpiSettings } from '../src/index.ts';
import { kpiTestDatabase } from './driver.ts';
import { history } from './history.ts';

// Hand-computed fixtures: every expected figure below is worked out by hand in the comments.

let t: Awaited<ReturnType<typeof kpiTestDatabase>>;
beforeAll(async () => {
  t = await kpiTestDatabase('kpi_fixtures');
  await t.install();
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.reset();
  await setKpiSettings(t.db, { timeZone: 'Asia/Shanghai', trackingIntervalHours: 24 });
});

type Row = { period_start: string; numerator: string; denominator: string };
const indicator = async (name: string, kind: 'day' | 'week' | 'month', dim = 'all', value = 'all') => {
  const r = await sql<Row & { period_label: string }>`
    SELECT to_char(period_start, 'YYYY-MM-DD') AS period_start, period_label, numerator::text, denominator::text
    FROM analytics.indicators WHERE indicator = ${name} AND period_kind = ${kind}
      AND dimension_kind = ${dim} AND dimension_value = ${value} ORDER BY period_start`.execute(t.db);
  return r.rows.map((x) => `${x.period_label}:${x.numerator}/${x.denominator}`);
};

const promise = { dispatch: '2026-03-01T12:00:00+08:00', delivery: '2026-03-03T12:00:00+08:00' };

describe('KPI fixtures (hand-computed)', () => {
  it('a delivery at 00:30 Shanghai time falls on the Shanghai date, not the UTC date', async () => {
    const h = history();
    h.placed('o1', 'c1', '2026-03-01T08:00:00+08:00', promise);
    h.accepted('o1', 'c1', '2026-03-01T09:00:00+08:00');
    h.prepared('o1', 'c1', '2026-03-01T10:00:00+08:00');
    h.dispatched('o1', 'c1', '2026-03-01T11:00:00+08:00');
    // 2026-03-01T16:30Z is 2026-03-02 00:30 in Shanghai: day bucket 2026-03-02.
    h.delivered('o1', 'c1', '2026-03-01T16:30:00Z');
    await t.project(h.events);
    expect(await indicator('on_time_delivery', 'day')).toEqual(['2026-03-02:1/1']);
    // In UTC it would have been 2026-03-01.
    await setKpiSettings(t.db, { timeZone: 'UTC' });
    expect(await indicator('on_time_delivery', 'day')).toEqual(['2026-03-01:1/1']);
    // Order cycle time: 08:00+08 -> 00:30+08 next day = 16.5 h.
    const d = await sql<{ avg_hours: number; median_hours: number; p90_hours: number; count: string }>`
      SELECT avg_hours, median_hours, p90_hours, count::text FROM analytics.durations
      WHERE metric = 'order_cycle_time' AND period_kind = 'month' AND dimension_kind = 'all'`.execute(t.db);
    expect(d.rows).toEqual([{ avg_hours: 16.5, median_hours: 16.5, p90_hours: 16.5, count: '1' }]);
  });

  it('a damage complaint in the month after delivery drops the delivery month damage-free numerator', async () => {
    const h = history();
    h.placed('o1', 'c1', '2026-03-18T08:00:00+08:00', { dispatch: '2026-03-19T08:00:00+08:00', delivery: '2026-03-21T08:00:00+08:00' });
    h.accepted('o1', 'c1', '2026-03-18T09:00:00+08:00');
    h.prepared('o1', 'c1', '2026-03-18T10:00:00+08:00');
    h.dispatched('o1', 'c1', '2026-03-19T08:00:00+08:00');
    h.delivered('o1', 'c1', '2026-03-20T10:00:00+08:00');
    h.placed('o2', 'c1', '2026-03-18T08:00:00+08:00', { dispatch: '2026-03-19T08:00:00+08:00', delivery: '2026-03-21T08:00:00+08:00' });
    h.accepted('o2', 'c1', '2026-03-18T09:00:00+08:00');
    h.prepared('o2', 'c1', '2026-03-18T10:00:00+08:00');
    h.dispatched('o2', 'c1', '2026-03-19T08:00:00+08:00');
    h.delivered('o2', 'c1', '2026-03-20T11:00:00+08:00');
    await t.project(h.events.splice(0));
    expect(await indicator('damage_free', 'month')).toEqual(['2026-03:2/2']);
    h.complaint('k1', 'c1', '2026-04-05T10:00:00+08:00', { category: 'damage', orderId: 'o1' });
    await t.project(h.events.splice(0));
    // March: o2 still damage-free, o1 damaged later -> 1/2; April gets nothing for damage-free.
    expect(await indicator('damage_free', 'month')).toEqual(['2026-03:1/2']);
    expect(await indicator('perfect_order', 'month')).toEqual(['2026-03:1/2']);
    // Complaint rate: March 0 complaints / 2 delivered; April 1 complaint / 0 delivered.
    expect(await indicator('complaint_rate', 'month')).toEqual(['2026-03:0/2', '2026-04:1/0']);
  });

  it('a lost order is a failed delivery on the day the loss was recorded', async () => {
    const h = history();
    h.placed('o1', 'c1', '2026-03-01T08:00:00+08:00', promise);
    h.accepted('o1', 'c1', '2026-03-01T09:00:00+08:00');
    h.prepared('o1', 'c1', '2026-03-01T10:00:00+08:00');
    h.dispatched('o1', 'c1', '2026-03-01T11:00:00+08:00');
    h.lost('o1', 'c1', '2026-03-02T09:00:00+08:00');
    h.placed('o2', 'c1', '2026-03-01T08:00:00+08:00', promise);
    h.accepted('o2', 'c1', '2026-03-01T09:00:00+08:00');
    h.prepared('o2', 'c1', '2026-03-01T10:00:00+08:00');
    h.dispatched('o2', 'c1', '2026-03-01T11:00:00+08:00');
    h.delivered('o2', 'c1', '2026-03-02T10:00:00+08:00');
    h.placed('o3', 'c1', '2026-03-01T08:00:00+08:00', promise);
    h.rejected('o3', 'c1', '2026-03-01T09:00:00+08:00');
    h.placed('o4', 'c1', '2026-03-01T08:00:00+08:00', promise);
    h.accepted('o4', 'c1', '2026-03-01T09:00:00+08:00');
    h.push('Order-o4', 'OrderCancelled', { orderId: 'o4', customerId: 'c1', occurredAt: '2026-03-01T10:00:00+08:00', reason: 'customer' });
    // Through the real projection runtime over the real PostgreSQL event store, in batches of 2.
    await t.projectThroughRuntime(h.events, { batchSize: 2 });
    for (const name of ['on_time_delivery', 'damage_free', 'in_full', 'perfect_order']) {
      expect(await indicator(name, 'day')).toEqual(['2026-03-02:1/2']);
    }
    expect(await indicator('complaint_rate', 'day')).toEqual(['2026-03-02:0/2']);
    // The return rate has the same delivery denominator (delivered + lost); cycle time counts o2 only.
    expect(await indicator('return_rate', 'day')).toEqual(['2026-03-02:0/2']);
    const cycle = await sql<{ count: string }>`SELECT count::text FROM analytics.durations
      WHERE metric = 'order_cycle_time' AND period_kind = 'day' AND dimension_kind = 'all'`.execute(t.db);
    expect(cycle.rows).toEqual([{ count: '1' }]);
    // Demand fulfilment: 4 placed on 03-01, 3 accepted (the credit refusal is a rejection; the
    // cancelled o4 was accepted). Neither o3 nor o4 is in any delivery indicator (1/2 above).
    expect(await indicator('demand_fulfilment', 'day')).toEqual(['2026-03-01:3/4']);
    // Warehouse dispatch rate by acceptance day: o1, o2 dispatched, o4 cancelled = 2/3.
    expect(await indicator('warehouse_dispatch_rate', 'day')).toEqual(['2026-03-01:2/3']);
    // The lost order's tracking: dispatch 11:00 -> loss next day 09:00 = 22 h <= 24 h.
    expect(await indicator('timely_tracking', 'day')).toEqual(['2026-03-01:2/2']);
  });

  it('a 30-hour tracking gap makes the order untimely; the interval is a setting', async () => {
    const h = history();
    for (const [id, gaps] of [['o1', [10, 30, 10]], ['o2', [20, 20, 20]]] as const) {
      h.placed(id, 'c1', '2026-03-01T08:00:00+08:00', promise);
      h.accepted(id, 'c1', '2026-03-01T08:00:00+08:00');
      h.prepared(id, 'c1', '2026-03-01T08:00:00+08:00');
      h.dispatched(id, 'c1', '2026-03-01T10:00:00+08:00');
      let at = Date.parse('2026-03-01T10:00:00+08:00');
      gaps.forEach((g, i) => {
        at += g * 3_600_000;
        const iso = new Date(at).toISOString();
        if (i < gaps.length - 1) h.tracking(id, 'c1', iso);
        else h.delivered(id, 'c1', iso);
      });
    }
    // A dispatched order still in transit is not yet counted.
    h.placed('o3', 'c1', '2026-03-01T08:00:00+08:00', promise);
    h.accepted('o3', 'c1', '2026-03-01T08:00:00+08:00');
    h.prepared('o3', 'c1', '2026-03-01T08:00:00+08:00');
    h.dispatched('o3', 'c1', '2026-03-01T10:00:00+08:00');
    await t.project(h.events);
    expect(await indicator('timely_tracking', 'day')).toEqual(['2026-03-01:1/2']);
    await setKpiSettings(t.db, { trackingIntervalHours: 30 });
    expect(await indicator('timely_tracking', 'day')).toEqual(['2026-03-01:2/2']);
    // On-time dispatch counts all three dispatched orders (dispatch 10:00 <= promise 12:00).
    expect(await indicator('on_time_dispatch', 'day')).toEqual(['2026-03-01:3/3']);
  });

  it('a reopened complaint: handling time to the first resolution, share reopened', async () => {
    const h = history();
    const r1 = '2026-03-02T08:00:00+08:00';
    h.complaint('k1', 'c1', r1);
    h.acknowledged('k1', 'c1', '2026-03-02T09:00:00+08:00', r1); // 1 h
    h.assessed('k1', 'c1', '2026-03-02T10:00:00+08:00', 'high');
    const f1 = '2026-03-02T18:00:00+08:00'; // 10 h after receipt
    h.resolved('k1', 'c1', f1, { receivedAt: r1, firstResolvedAt: f1, reopenCount: 0 });
    h.reopened('k1', 'c1', '2026-03-03T08:00:00+08:00', 1, r1, f1);
    h.resolved('k1', 'c1', '2026-03-05T08:00:00+08:00', { receivedAt: r1, firstResolvedAt: f1, reopenCount: 1 });
    const r2 = '2026-03-01T12:00:00+08:00';
    h.complaint('k2', 'c1', r2, { category: 'billing', channel: 'email' });
    h.acknowledged('k2', 'c1', '2026-03-01T15:00:00+08:00', r2); // 3 h
    const f2 = '2026-03-02T18:00:00+08:00'; // 30 h after receipt
    h.resolved('k2', 'c1', f2, { receivedAt: r2, firstResolvedAt: f2, reopenCount: 0 });
    await t.project(h.events);
    // Both first resolutions on 2026-03-02; k1 reopened: 1/2.
    expect(await indicator('complaint_reopened', 'day')).toEqual(['2026-03-02:1/2']);
    const d = await sql<{ metric: string; period_start: string; count: string; avg_hours: number; median_hours: number; p90_hours: number }>`
      SELECT metric, to_char(period_start, 'YYYY-MM-DD') AS period_start, count::text, avg_hours, median_hours, p90_hours
      FROM analytics.durations WHERE period_kind = 'day' AND dimension_kind = 'all' ORDER BY metric, period_start`.execute(t.db);
    expect(d.rows).toEqual([
      // Handling 10 h and 30 h: mean 20, median 20, p90 = 10 + 0.9 * 20 = 28.
      { metric: 'complaint_handling_time', period_start: '2026-03-02', count: '2', avg_hours: 20, median_hours: 20, p90_hours: 28 },
      // Time to acknowledge by receipt day: k2 (received 03-01) 3 h, k1 (received 03-02) 1 h.
      { metric: 'complaint_time_to_acknowledge', period_start: '2026-03-01', count: '1', avg_hours: 3, median_hours: 3, p90_hours: 3 },
      { metric: 'complaint_time_to_acknowledge', period_start: '2026-03-02', count: '1', avg_hours: 1, median_hours: 1, p90_hours: 1 },
    ]);
    const byCategory = await sql<{ category: string; p90_hours: number }>`
      SELECT category, p90_hours FROM analytics.complaint_durations
      WHERE metric = 'complaint_handling_time' AND period_kind = 'month' ORDER BY category`.execute(t.db);
    expect(byCategory.rows).toEqual([
      { category: 'billing', p90_hours: 30 },
      { category: 'delay', p90_hours: 10 },
    ]);
    const stats = await sql<{ category: string; channel: string; severity: string; complaints: string }>`
      SELECT category, channel, severity, complaints::text FROM analytics.complaint_statistics
      WHERE period_kind = 'month' ORDER BY category`.execute(t.db);
    expect(stats.rows).toEqual([
      { category: 'billing', channel: 'email', severity: 'unassessed', complaints: '1' },
      { category: 'delay', channel: 'phone', severity: 'high', complaints: '1' },
    ]);
  });

  it('an ISO week spanning New Year is one week of the ISO year, two months', async () => {
    const h = history();
    // Thursday 2026-12-31 and Saturday 2027-01-02 (Shanghai) are both in 2026-W53 (Mon 2026-12-28).
    const days = [['o1', '2026-12-31T10:00:00+08:00'], ['o2', '2027-01-02T10:00:00+08:00']] as const;
    for (const [id, at] of days) {
      h.placed(id, 'c1', '2026-12-30T08:00:00+08:00', { dispatch: '2026-12-30T12:00:00+08:00', delivery: '2027-01-01T00:00:00+08:00' });
      h.accepted(id, 'c1', '2026-12-30T08:00:00+08:00');
      h.prepared(id, 'c1', '2026-12-30T09:00:00+08:00');
      h.dispatched(id, 'c1', '2026-12-30T10:00:00+08:00');
      h.delivered(id, 'c1', at);
    }
    await t.project(h.events);
    // o1 on time (31 Dec 10:00 <= 1 Jan 00:00), o2 late.
    expect(await indicator('on_time_delivery', 'week')).toEqual(['2026-W53:1/2']);
    expect(await indicator('on_time_delivery', 'month')).toEqual(['2026-12:1/1', '2027-01:0/1']);
    const starts = await sql<{ s: string }>`SELECT DISTINCT to_char(period_start, 'YYYY-MM-DD') AS s FROM analytics.indicators
      WHERE indicator = 'on_time_delivery' AND period_kind = 'week'`.execute(t.db);
    expect(starts.rows).toEqual([{ s: '2026-12-28' }]);
  });
});

describe('KPI fixtures: customer dimension and standards (hand-computed)', () => {
  const deliver = (h: ReturnType<typeof history>, id: string, customer: string, placedAt: string, deliveredAt: string, promised: string) => {
    h.placed(id, customer, placedAt, { dispatch: placedAt, delivery: promised });
    h.accepted(id, customer, placedAt);
    h.prepared(id, customer, placedAt);
    h.dispatched(id, customer, placedAt);
    h.delivered(id, customer, deliveredAt);
  };

  it('a classification change mid-month: each order keeps the classification valid when it was placed', async () => {
    const h = history();
    h.opened('c1', '2026-02-01T09:00:00+08:00', { classification: 'general', standardColumn: 'private', region: 'East' });
    // Placed 5 March (general), delivered on time.
    deliver(h, 'o1', 'c1', '2026-03-05T09:00:00+08:00', '2026-03-06T09:00:00+08:00', '2026-03-07T09:00:00+08:00');
    h.reclassified('c1', '2026-03-15T09:00:00+08:00', 'general', 'key');
    // Placed 20 March (key), delivered late.
    deliver(h, 'o2', 'c1', '2026-03-20T09:00:00+08:00', '2026-03-25T09:00:00+08:00', '2026-03-22T09:00:00+08:00');
    // Placed 14 March (general) but delivered after the change: still general.
    deliver(h, 'o3', 'c1', '2026-03-14T09:00:00+08:00', '2026-03-16T09:00:00+08:00', '2026-03-17T09:00:00+08:00');
    await t.project(h.events);
    expect(await indicator('on_time_delivery', 'month', 'classification', 'general')).toEqual(['2026-03:2/2']);
    expect(await indicator('on_time_delivery', 'month', 'classification', 'key')).toEqual(['2026-03:0/1']);
    expect(await indicator('on_time_delivery', 'month', 'region', 'East')).toEqual(['2026-03:2/3']);
    expect(await indicator('on_time_delivery', 'month', 'standard_column', 'private')).toEqual(['2026-03:2/3']);
    expect(await indicator('on_time_delivery', 'month', 'customer', 'c1')).toEqual(['2026-03:2/3']);
    const dim = await sql<{ value: string; valid_from: Date; valid_to: Date | null }>`
      SELECT value, valid_from, valid_to FROM analytics.customer_dimension
      WHERE customer_id = 'c1' AND attribute = 'classification' ORDER BY valid_from`.execute(t.db);
    expect(dim.rows.map((r) => [r.value, r.valid_from.toISOString(), r.valid_to?.toISOString() ?? null])).toEqual([
      ['general', '2026-02-01T01:00:00.000Z', '2026-03-15T01:00:00.000Z'],
      ['key', '2026-03-15T01:00:00.000Z', null],
    ]);
  });

  it('a standard version changing mid-period: the version effective on or before the period end is in force', async () => {
    const h = history();
    h.opened('c1', '2026-01-01T09:00:00+08:00', { classification: 'key', standardColumn: 'foreign', region: 'North' });
    const otd = (target: number) => ({ indicator: 'on_time_delivery', weightBp: 6000, unit: 'basis_points', direction: 'higher_is_better', target });
    const cht = (target: number) => ({ indicator: 'complaint_handling_time', weightBp: 4000, unit: 'hours', direction: 'lower_is_better', target });
    h.standard(1, '2026-03-01', [otd(9000), cht(48)]);
    // Version 2 from Wednesday 18 March: in force for the month of March and the week of 16 March.
    h.standard(2, '2026-03-18', [otd(5000), cht(24)]);
    // Two deliveries, one on time: 5000 bp.
    deliver(h, 'o1', 'c1', '2026-03-16T09:00:00+08:00', '2026-03-16T12:00:00+08:00', '2026-03-17T09:00:00+08:00');
    deliver(h, 'o2', 'c1', '2026-03-16T09:00:00+08:00', '2026-03-18T12:00:00+08:00', '2026-03-17T09:00:00+08:00');
    // A complaint received 17 March (standard v1 in force: 48 h) resolved in 30 h.
    h.complaint('k1', 'c1', '2026-03-17T08:00:00+08:00');
    h.resolved('k1', 'c1', '2026-03-18T14:00:00+08:00', { receivedAt: '2026-03-17T08:00:00+08:00', firstResolvedAt: '2026-03-18T14:00:00+08:00', reopenCount: 0 });
    await t.project(h.events);
    const card = await sql<{ period_label: string; standard_version: number; indicator: string; target: number; actual: string | null; met: boolean | null; weighted_score: string | null }>`
      SELECT period_label, standard_version, indicator, target, round(actual, 2)::text AS actual, met, weighted_score::text
      FROM analytics.scorecard WHERE standard_column = 'foreign' AND period_kind IN ('week', 'month')
      ORDER BY period_kind, indicator`.execute(t.db);
    expect(card.rows).toEqual([
      // Month March: v2 (effective 18 March <= 31 March). OTD 1/2 = 5000 bp >= 5000: met, 60 points.
      { period_label: '2026-03', standard_version: 2, indicator: 'complaint_handling_time', target: 24, actual: '30.00', met: false, weighted_score: '0' },
      { period_label: '2026-03', standard_version: 2, indicator: 'on_time_delivery', target: 5000, actual: '5000.00', met: true, weighted_score: '60.0000000000000000' },
      // ISO week 2026-W12 (16-22 March) ends after 18 March: v2 as well.
      { period_label: '2026-W12', standard_version: 2, indicator: 'complaint_handling_time', target: 24, actual: '30.00', met: false, weighted_score: '0' },
      { period_label: '2026-W12', standard_version: 2, indicator: 'on_time_delivery', target: 5000, actual: '5000.00', met: true, weighted_score: '60.0000000000000000' },
    ]);
    // Day 16 March (before v2): v1, OTD 1/1 delivered that day = 10000 >= 9000.
    const day = await sql<{ standard_version: number; actual: string; met: boolean }>`
      SELECT standard_version, round(actual)::text AS actual, met FROM analytics.scorecard
      WHERE period_kind = 'day' AND period_start = '2026-03-16' AND standard_column = 'foreign' AND indicator = 'on_time_delivery'`.execute(t.db);
    expect(day.rows).toEqual([{ standard_version: 1, actual: '10000', met: true }]);
    // Within target uses the version in force at receipt (17 March: v1, 48 h): 30 h is within.
    expect(await indicator('complaint_resolved_within_target', 'month')).toEqual(['2026-03:1/1']);
  });

  it('satisfaction: mean score and count per answer per survey item', async () => {
    const h = history();
    const seg = { classification: 'key', standardColumn: 'foreign', region: 'North' };
    h.survey('s1', 'c1', '2026-03-02T10:00:00+08:00', { staff_attitude: 'very_good', emergency_shipping: 'average' }, { staff_attitude: 7, emergency_shipping: 4 }, seg);
    h.survey('s2', 'c1', '2026-03-09T10:00:00+08:00', { staff_attitude: 'quite_poor', emergency_shipping: 'average' }, { staff_attitude: 2, emergency_shipping: 4 }, seg);
    await t.project(h.events);
    const r = await sql<{ survey_item: string; answers: string; mean_score: number; very_good: string; average: string; quite_poor: string }>`
      SELECT survey_item, answers::text, mean_score, very_good::text, average::text, quite_poor::text FROM analytics.satisfaction
      WHERE period_kind = 'month' AND dimension_kind = 'classification' AND dimension_value = 'key' ORDER BY survey_item`.execute(t.db);
    expect(r.rows).toEqual([
      { survey_item: 'emergency_shipping', answers: '2', mean_score: 4, very_good: '0', average: '2', quite_poor: '0' },
      { survey_item: 'staff_attitude', answers: '2', mean_score: 4.5, very_good: '1', average: '0', quite_poor: '1' },
    ]);
  });
});

describe('KPI bad input (coded errors, no partial write)', () => {
  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return e instanceof KpiError ? e.code : `not a KpiError: ${String(e)}`;
    }
    return 'no error';
  };

  it('refuses unknown time zones and non-positive intervals; the settings stay', async () => {
    expect(await codeOf(setKpiSettings(t.db, { timeZone: 'Mars/Olympus' }))).toBe('invalid_settings');
    expect(await codeOf(setKpiSettings(t.db, { trackingIntervalHours: 0 }))).toBe('invalid_settings');
    expect(await codeOf(setKpiSettings(t.db, { trackingIntervalHours: Number.NaN }))).toBe('invalid_settings');
    const r = await sql<{ time_zone: string; h: string }>`SELECT time_zone, tracking_interval_hours::text AS h FROM analytics.settings`.execute(t.db);
    expect(r.rows).toEqual([{ time_zone: 'Asia/Shanghai', h: '24' }]);
  });

  it('a malformed event fails the batch with invalid_event and writes nothing', async () => {
    const h = history();
    h.placed('o1', 'c1', '2026-03-01T08:00:00+08:00', promise);
    h.push('Order-o1', 'OrderDelivered', { orderId: 'o1', customerId: 'c1', occurredAt: 'yesterday', inFull: true, damageRecorded: false });
    expect(await codeOf(t.project(h.events))).toBe('invalid_event');
    const n = await sql<{ facts: number; totals: number }>`SELECT (SELECT count(*)::int FROM kpi_v2.order_facts) AS facts,
      (SELECT count(*)::int FROM kpi_v2.indicator_totals) AS totals`.execute(t.db);
    expect(n.rows).toEqual([{ facts: 0, totals: 0 }]);
  });
});
