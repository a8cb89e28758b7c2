import type { RecordedEvent } from '@cs/event-store';
import { computeKpiOracle, defaultKpiSettings, type KpiSettings } from '@cs/projection-kpi';
import pg from 'pg';

// The comparison of projections/kpi's oracle property test, over a whole database: every
// analytics view row as a string key, the oracle's rows the same way.

const n = (x: unknown) => Number(x);
const r6 = (x: unknown) => (x === null || x === undefined ? 'null' : Number(x).toFixed(6));
const answers = ['very_good', 'quite_good', 'slightly_good', 'average', 'slightly_poor', 'quite_poor', 'very_poor'];

export type ViewRows = { indicators: string[]; durations: string[]; stats: string[]; reasons: string[]; satisfaction: string[] };

/**
 * The analytics views of a read-model database as sorted row keys.
 *
 * @example
 * const actual = await analyticsRows(url);
 */
export const analyticsRows = async (url: string): Promise<ViewRows> => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const q = async (text: string) => (await c.query<Record<string, unknown>>(text)).rows;
    const indicators = await q(`SELECT indicator, period_kind, to_char(period_start, 'YYYY-MM-DD') AS ps, dimension_kind, dimension_value, numerator, denominator FROM analytics.indicators`);
    const durations = await q(`SELECT metric, period_kind, to_char(period_start, 'YYYY-MM-DD') AS ps, dimension_kind, dimension_value, count, avg_hours, median_hours, p90_hours FROM analytics.durations`);
    const stats = await q(`SELECT period_kind, to_char(period_start, 'YYYY-MM-DD') AS ps, category, channel, severity, complaints FROM analytics.complaint_statistics`);
    const reasons = await q(`SELECT period_kind, to_char(period_start, 'YYYY-MM-DD') AS ps, reason, returns FROM analytics.return_reasons`);
    const sat = await q(`SELECT period_kind, to_char(period_start, 'YYYY-MM-DD') AS ps, dimension_kind, dimension_value, survey_item, answers, mean_score, ${answers.join(', ')} FROM analytics.satisfaction`);
    return {
      indicators: indicators.map((r) => [r.indicator, r.period_kind, r.ps, r.dimension_kind, r.dimension_value, n(r.numerator), n(r.denominator)].join('|')).sort(),
      durations: durations.map((r) => [r.metric, r.period_kind, r.ps, r.dimension_kind, r.dimension_value, n(r.count), r6(r.avg_hours), r6(r.median_hours), r6(r.p90_hours)].join('|')).sort(),
      stats: stats.map((r) => [r.period_kind, r.ps, r.category, r.channel, r.severity, n(r.complaints)].join('|')).sort(),
      reasons: reasons.map((r) => [r.period_kind, r.ps, r.reason, n(r.returns)].join('|')).sort(),
      satisfaction: sat.map((r) => [r.period_kind, r.ps, r.dimension_kind, r.dimension_value, r.survey_item, n(r.answers), r6(r.mean_score), ...answers.map((k) => n(r[k]))].join('|')).sort(),
    };
  } finally {
    await c.end();
  }
};

/**
 * The oracle's rows for the same events, keyed like `analyticsRows`.
 *
 * @example
 * const expected = oracleRows(await readEverything(store, url));
 */
export const oracleRows = (events: readonly RecordedEvent[], settings: KpiSettings = defaultKpiSettings): ViewRows => {
  const o = computeKpiOracle(
    events.map((e) => ({ id: e.id, streamId: e.streamId, position: e.position, type: e.type, data: e.data })) as Parameters<typeof computeKpiOracle>[0],
    settings,
  );
  return {
    indicators: o.indicators.map((r) => [r.indicator, r.periodKind, r.periodStart, r.dimensionKind, r.dimensionValue, r.numerator, r.denominator].join('|')).sort(),
    durations: o.durations.map((r) => [r.metric, r.periodKind, r.periodStart, r.dimensionKind, r.dimensionValue, r.count, r6(r.avgHours), r6(r.medianHours), r6(r.p90Hours)].join('|')).sort(),
    stats: o.complaintStatistics.map((r) => [r.periodKind, r.periodStart, r.category, r.channel, r.severity, r.complaints].join('|')).sort(),
    reasons: o.returnReasons.map((r) => [r.periodKind, r.periodStart, r.reason, r.returns].join('|')).sort(),
    satisfaction: o.satisfaction.map((r) => [r.periodKind, r.periodStart, r.dimensionKind, r.dimensionValue, r.surveyItem, r.answers, r6(r.meanScore), ...answers.map((k) => r.answerCounts[k] ?? 0)].join('|')).sort(),
  };
};

/**
 * Compares the views with the oracle: rows that differ, and the facts lost or counted twice
 * (per indicator row of the whole company by day: denominators below or above the oracle's).
 *
 * @example
 * const { mismatches, lost, duplicated } = compareRows(actual, expected);
 */
export const compareRows = (actual: ViewRows, expected: ViewRows): { mismatches: string[]; lost: number; duplicated: number; rows: number } => {
  const mismatches: string[] = [];
  // Durations are averages and percentiles computed by PostgreSQL (numeric) and by the oracle
  // (binary floating point): they may differ in the last printed digit. Rows that differ only
  // by 1e-5 relative in their numbers count as equal.
  const close = (x: string, y: string) => {
    const a = x.split('|');
    const b = y.split('|');
    return a.length === b.length && a.every((v, i) => v === b[i] || (Number.isFinite(Number(v)) && Math.abs(Number(v) - Number(b[i])) <= 1e-5 * Math.max(1, Math.abs(Number(v)))));
  };
  for (const view of Object.keys(expected) as (keyof ViewRows)[]) {
    const a = new Set(actual[view]);
    const e = new Set(expected[view]);
    const missing = expected[view].filter((k) => !a.has(k));
    const extra = actual[view].filter((k) => !e.has(k));
    for (const k of missing) {
      const i = extra.findIndex((x) => close(x, k));
      if (i >= 0) extra.splice(i, 1);
      else mismatches.push(`${view}: expected ${k}`);
    }
    for (const k of extra) mismatches.push(`${view}: unexpected ${k}`);
  }
  const denominators = (rows: string[]) => {
    const m = new Map<string, number>();
    for (const r of rows) {
      const p = r.split('|');
      if (p[1] === 'day' && p[3] === 'all') m.set(`${p[0]}|${p[2]}`, Number(p[6]));
    }
    return m;
  };
  const a = denominators(actual.indicators);
  const e = denominators(expected.indicators);
  let lost = 0;
  let duplicated = 0;
  for (const k of new Set([...a.keys(), ...e.keys()])) {
    const d = (a.get(k) ?? 0) - (e.get(k) ?? 0);
    if (d > 0) duplicated += d;
    else lost -= d;
  }
  const rows = Object.values(expected).reduce((s, v) => s + v.length, 0);
  return { mismatches, lost, duplicated, rows };
};
