import { safeIdentifier } from '@cs/read-model';
import { dimensionsOf, periodsOfDay, settingsTimeZone } from './fact-sql.ts';

/** An analysts' view: its name in schema `analytics` and its query over the projection's schema. */
export type AnalyticsView = { name: string; select: string; description: string };

const tz = settingsTimeZone;

/** Period buckets of a local timestamp (period_kind, period_start). */
const periods = (local: string) => `CROSS JOIN LATERAL (VALUES
    ('day', (${local})::date),
    ('week', date_trunc('week', ${local})::date),
    ('month', date_trunc('month', ${local})::date)) p(period_kind, period_start)`;

const labelOf = (a: string) => `CASE ${a}.period_kind WHEN 'day' THEN to_char(${a}.period_start, 'YYYY-MM-DD')
    WHEN 'week' THEN to_char(${a}.period_start, 'IYYY-"W"IW') ELSE to_char(${a}.period_start, 'YYYY-MM') END`;
const label = labelOf('p');
/** The length of `a`'s period as an interval (its next period starts at period_start + this). */
const periodLength = (a: string) => `CASE ${a}.period_kind WHEN 'day' THEN interval '1 day'
      WHEN 'week' THEN interval '7 days' ELSE interval '1 month' END`;

const percentiles = (hours: string) => `count(*)::bigint AS count,
    avg(${hours})::double precision AS avg_hours,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY ${hours}::double precision) AS median_hours,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY ${hours}::double precision) AS p90_hours`;

/**
 * The `analytics` views over one KPI projection version's schema (the runtime creates them
 * and switches them over on promotion). None exposes contact data.
 *
 * @example
 * for (const v of analyticsViews('kpi_v1')) await sql.raw(`CREATE VIEW analytics.${v.name} AS ${v.select}`).execute(db);
 */
export const analyticsViews = (schema: string): AnalyticsView[] => {
  const s = safeIdentifier(schema);
  return [
    {
      name: 'settings',
      description: 'The company time zone the periods are cut in and the agreed tracking interval (hours).',
      select: `SELECT time_zone, tracking_interval_hours, updated_at FROM kpi_config.settings WHERE id`,
    },
    {
      name: 'indicators',
      description: 'Every ratio indicator per period and dimension, with numerator and denominator (from the totals the projection maintains; per customer from the fact rows).',
      select: `SELECT t.indicator, t.period_kind, t.period_start, ${labelOf('t')} AS period_label,
    t.dimension_kind, t.dimension_value, t.numerator, t.denominator,
    t.numerator::numeric / nullif(t.denominator, 0) AS ratio
  FROM ${s}.indicator_totals t
  WHERE t.facts > 0
  UNION ALL
  SELECT f.indicator, p.period_kind, p.period_start, ${label}, 'customer'::text, f.customer_id,
    sum(f.numerator)::bigint, sum(f.denominator)::bigint, sum(f.numerator)::numeric / nullif(sum(f.denominator), 0)
  FROM ${s}.indicator_fact_rows f
  ${periodsOfDay('f.day')}
  GROUP BY f.indicator, p.period_kind, p.period_start, f.customer_id`,
    },
    {
      name: 'durations',
      description: 'Durations in hours (order cycle, preparation, complaint handling, time to acknowledge): count, average, median, p90.',
      select: `SELECT f.metric, p.period_kind, p.period_start, ${label} AS period_label,
    d.dimension_kind, d.dimension_value,
    ${percentiles('f.hours')}
  FROM ${s}.duration_fact_rows f
  ${periodsOfDay('f.day')}
  ${dimensionsOf('f')}
  GROUP BY f.metric, p.period_kind, p.period_start, d.dimension_kind, d.dimension_value`,
    },
    {
      name: 'complaint_durations',
      description: 'Complaint handling time (by first resolution) and time to acknowledge (by receipt) per complaint category: count, average, median, p90 hours.',
      select: `SELECT f.metric, p.period_kind, p.period_start, ${label} AS period_label, f.category,
    ${percentiles('f.hours')}
  FROM ${s}.duration_fact_rows f
  ${periodsOfDay('f.day')}
  WHERE f.source_kind = 'complaint'
  GROUP BY f.metric, p.period_kind, p.period_start, f.category`,
    },
    {
      name: 'complaint_statistics',
      description: 'Complaints received per period (receipt time) by category, channel and severity.',
      select: `SELECT p.period_kind, p.period_start, ${label} AS period_label,
    c.category, c.channel, coalesce(c.severity, 'unassessed') AS severity, count(*)::bigint AS complaints
  FROM ${s}.complaint_facts c
  ${periods(`c.received_at AT TIME ZONE ${tz}`)}
  WHERE c.received_at IS NOT NULL
  GROUP BY p.period_kind, p.period_start, c.category, c.channel, coalesce(c.severity, 'unassessed')`,
    },
    {
      name: 'return_reasons',
      description: 'Returns per period (request time) by confirmed reason, with the delivery denominator of the period (orders delivered or lost) and the rate.',
      select: `WITH r AS (SELECT p.period_kind, p.period_start, coalesce(r.confirmed_reason, 'unconfirmed') AS reason, count(*)::bigint AS returns
    FROM ${s}.return_facts r ${periods(`r.requested_at AT TIME ZONE ${tz}`)}
    WHERE r.requested_at IS NOT NULL
    GROUP BY 1, 2, 3)
  SELECT r.period_kind, r.period_start, ${labelOf('r')} AS period_label, r.reason, r.returns,
    coalesce(o.denominator, 0) AS delivered_orders, r.returns::numeric / nullif(o.denominator, 0) AS rate
  FROM r LEFT JOIN ${s}.indicator_totals o ON o.indicator = 'return_rate' AND o.period_kind = r.period_kind
    AND o.dimension_kind = 'all' AND o.period_start = r.period_start AND o.dimension_value = 'all'`,
    },
    {
      name: 'customer_dimension',
      description: 'Customer attributes with their validity interval [valid_from, valid_to); no contact data.',
      select: `SELECT customer_id, attribute, value, valid_from, valid_to FROM ${s}.customer_dimension
  WHERE valid_to IS NULL OR valid_to > valid_from`,
    },
    {
      name: 'satisfaction',
      description: 'Survey answers per period (survey time), survey item and dimension: count, mean score (very good 7 ... very poor 1) and count per answer.',
      select: `SELECT p.period_kind, p.period_start, ${label} AS period_label, d.dimension_kind, d.dimension_value,
    a.item AS survey_item, count(*)::bigint AS answers, avg(a.score)::double precision AS mean_score,
    ${['very_good', 'quite_good', 'slightly_good', 'average', 'slightly_poor', 'quite_poor', 'very_poor']
      .map((x) => `count(*) FILTER (WHERE a.answer = '${x}')::bigint AS ${x}`)
      .join(', ')}
  FROM ${s}.survey_answers a
  ${periods(`a.surveyed_at AT TIME ZONE ${tz}`)}
  ${dimensionsOf('a')}
  GROUP BY p.period_kind, p.period_start, d.dimension_kind, d.dimension_value, a.item`,
    },
    {
      name: 'service_evaluations',
      description: 'Service evaluation items (客户服务评价表): customer and internal grade and score (10/5/0), combined score, evaluator, opinion.',
      select: `SELECT e.evaluation_id, e.item_no, e.customer_id, e.evaluated_at,
    (e.evaluated_at AT TIME ZONE ${tz})::date AS evaluated_on, e.classification, e.standard_column, e.region,
    e.item, e.customer_grade, e.internal_grade, e.customer_score, e.internal_score,
    e.combined_score_x10 / 10.0 AS combined_score, e.evaluator, e.opinion
  FROM ${s}.evaluation_items e`,
    },
    {
      name: 'service_standards',
      description: 'Every published service-standard version: per indicator and column the weight (basis points) and target.',
      select: `SELECT standard_id, version, effective_from, lead(effective_from) OVER (PARTITION BY standard_id, indicator, standard_column ORDER BY effective_from, version) AS effective_until,
    department, indicator, unit, direction, weight_bp, standard_column, target
  FROM ${s}.standard_targets`,
    },
    {
      name: 'scorecard',
      description: 'Actual vs target per period, service-standard column and indicator, with the standard version in force for the period (the latest effective on or before the period\'s last day) and the weighted score.',
      select: `WITH sv AS MATERIALIZED (SELECT DISTINCT standard_id, version, effective_from FROM ${s}.standard_targets),
  pc AS (
    SELECT period_kind, period_start, dimension_value AS standard_column FROM ${s}.indicator_totals
      WHERE dimension_kind = 'standard_column' AND facts > 0
    UNION SELECT period_kind, period_start, dimension_value FROM ${s}.duration_totals
      WHERE dimension_kind = 'standard_column' AND count > 0
    -- the periods of the local days with survey answers (a few thousand rows, kept by the projection)
    UNION SELECT p.period_kind, p.period_start, a.standard_column
      FROM ${s}.survey_days a
      ${periodsOfDay('a.day')}
      WHERE a.answers > 0)
  SELECT pc.period_kind, pc.period_start, ${labelOf('pc')} AS period_label, pc.standard_column, v.standard_id,
    v.version AS standard_version, v.effective_from AS standard_effective_from, t.department, t.indicator, t.unit, t.direction,
    t.weight_bp, t.target, a.actual, coalesce(a.basis, 0) AS basis, m.met,
    CASE WHEN m.met IS NULL THEN NULL WHEN m.met THEN t.weight_bp / 100.0 ELSE 0 END AS weighted_score
  FROM pc
  CROSS JOIN LATERAL (SELECT sv.standard_id, sv.version, sv.effective_from FROM sv
    WHERE sv.effective_from < pc.period_start + ${periodLength('pc')}
    ORDER BY sv.effective_from DESC, sv.version DESC, sv.standard_id DESC LIMIT 1) v
  JOIN ${s}.standard_targets t ON t.standard_id = v.standard_id AND t.version = v.version AND t.standard_column = pc.standard_column
  LEFT JOIN LATERAL (
    SELECT it.numerator::numeric * 10000 / nullif(it.denominator, 0) AS actual, it.denominator AS basis
      FROM ${s}.indicator_totals it
      WHERE it.indicator = t.indicator AND it.period_kind = pc.period_kind AND it.dimension_kind = 'standard_column'
        AND it.period_start = pc.period_start AND it.dimension_value = pc.standard_column AND it.facts > 0
    UNION ALL
    SELECT dt.sum_hours / dt.count, dt.count FROM ${s}.duration_totals dt
      WHERE dt.metric = t.indicator AND dt.period_kind = pc.period_kind AND dt.dimension_kind = 'standard_column'
        AND dt.period_start = pc.period_start AND dt.dimension_value = pc.standard_column AND dt.count > 0
    UNION ALL
    -- the mean score as avg(score) computes it: sum / count in numeric
    SELECT sum(sd.score_sum) / sum(sd.answers) * 100, sum(sd.answers)::bigint FROM ${s}.survey_days sd
      WHERE t.indicator = 'satisfaction' AND sd.standard_column = pc.standard_column AND sd.answers > 0
        AND sd.day >= pc.period_start AND sd.day < pc.period_start + ${periodLength('pc')}
      HAVING sum(sd.answers) > 0) a ON true
  CROSS JOIN LATERAL (SELECT CASE WHEN a.actual IS NULL THEN NULL WHEN t.direction = 'higher_is_better' THEN a.actual >= t.target
      ELSE a.actual <= t.target END AS met) m`,
    },
    {
      name: 'improvements',
      description: 'Service improvement items (客户服务改进表): indicator, dates, value before and after, the confirmations so far.',
      select: `SELECT improvement_id, indicator, unit, direction, start_date, end_date, value_before, value_after,
    value_after - value_before AS change, improved, confirmed_roles, cardinality(confirmed_roles) = 3 AS fully_confirmed,
    opened_at, closed_at
  FROM ${s}.improvements`,
    },
  ];
};
