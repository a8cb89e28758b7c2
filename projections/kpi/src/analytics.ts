import { safeIdentifier } from '@cs/read-model';

/** An analysts' view: its name in schema `analytics` and its query over the projection's schema. */
export type AnalyticsView = { name: string; select: string; description: string };

const periods = (local: string) => `CROSS JOIN LATERAL (VALUES
    ('day', (${local})::date),
    ('week', date_trunc('week', ${local})::date),
    ('month', date_trunc('month', ${local})::date)) p(period_kind, period_start)`;

const label = `CASE p.period_kind WHEN 'day' THEN to_char(p.period_start, 'YYYY-MM-DD')
    WHEN 'week' THEN to_char(p.period_start, 'IYYY-"W"IW') ELSE to_char(p.period_start, 'YYYY-MM') END`;

const dimensions = (f: string) => `CROSS JOIN LATERAL (VALUES
    ('all', 'all'),
    ('customer', ${f}.customer_id),
    ('classification', ${f}.classification),
    ('standard_column', ${f}.standard_column),
    ('region', ${f}.region)) d(dimension_kind, dimension_value)`;

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
      description: 'Every ratio indicator per period and dimension, with numerator and denominator.',
      select: `SELECT f.indicator, p.period_kind, p.period_start, ${label} AS period_label,
    d.dimension_kind, d.dimension_value,
    sum(f.numerator)::bigint AS numerator, sum(f.denominator)::bigint AS denominator,
    sum(f.numerator)::numeric / nullif(sum(f.denominator), 0) AS ratio
  FROM ${s}.indicator_facts f
  ${periods('f.local_time')}
  ${dimensions('f')}
  GROUP BY f.indicator, p.period_kind, p.period_start, d.dimension_kind, d.dimension_value`,
    },
    {
      name: 'durations',
      description: 'Durations in hours (order cycle, preparation, complaint handling, time to acknowledge): count, average, median, p90.',
      select: `SELECT f.metric, p.period_kind, p.period_start, ${label} AS period_label,
    d.dimension_kind, d.dimension_value,
    count(*)::bigint AS count,
    avg(f.hours)::double precision AS avg_hours,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY f.hours::double precision) AS median_hours,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY f.hours::double precision) AS p90_hours
  FROM ${s}.duration_facts f
  ${periods('f.local_time')}
  ${dimensions('f')}
  GROUP BY f.metric, p.period_kind, p.period_start, d.dimension_kind, d.dimension_value`,
    },
    {
      name: 'complaint_durations',
      description: 'Complaint handling time (by first resolution) and time to acknowledge (by receipt) per complaint category: count, average, median, p90 hours.',
      select: `SELECT f.metric, p.period_kind, p.period_start, ${label} AS period_label, c.category,
    count(*)::bigint AS count,
    avg(f.hours)::double precision AS avg_hours,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY f.hours::double precision) AS median_hours,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY f.hours::double precision) AS p90_hours
  FROM ${s}.duration_facts f JOIN ${s}.complaint_facts c ON f.subject_kind = 'complaint' AND c.complaint_id = f.subject_id
  ${periods('f.local_time')}
  GROUP BY f.metric, p.period_kind, p.period_start, c.category`,
    },
    {
      name: 'complaint_statistics',
      description: 'Complaints received per period (receipt time) by category, channel and severity.',
      select: `SELECT p.period_kind, p.period_start, ${label} AS period_label,
    c.category, c.channel, coalesce(c.severity, 'unassessed') AS severity, count(*)::bigint AS complaints
  FROM ${s}.complaint_dim c CROSS JOIN (SELECT time_zone FROM kpi_config.settings WHERE id) st
  ${periods('c.received_at AT TIME ZONE st.time_zone')}
  GROUP BY p.period_kind, p.period_start, c.category, c.channel, coalesce(c.severity, 'unassessed')`,
    },
    {
      name: 'return_reasons',
      description: 'Returns per period (request time) by confirmed reason, with the orders delivered in the period and the rate.',
      select: `WITH st AS (SELECT time_zone FROM kpi_config.settings WHERE id),
  r AS (SELECT p.period_kind, p.period_start, coalesce(r.confirmed_reason, 'unconfirmed') AS reason, count(*)::bigint AS returns
    FROM ${s}.return_dim r CROSS JOIN st ${periods('r.requested_at AT TIME ZONE st.time_zone')}
    GROUP BY 1, 2, 3),
  o AS (SELECT p.period_kind, p.period_start, count(*)::bigint AS delivered
    FROM ${s}.order_dim o CROSS JOIN st ${periods('o.delivered_at AT TIME ZONE st.time_zone')}
    WHERE o.delivered_at IS NOT NULL GROUP BY 1, 2)
  SELECT r.period_kind, r.period_start, ${label.replaceAll('p.', 'r.')} AS period_label, r.reason, r.returns,
    coalesce(o.delivered, 0) AS delivered_orders, r.returns::numeric / nullif(o.delivered, 0) AS rate
  FROM r LEFT JOIN o USING (period_kind, period_start)`,
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
  FROM ${s}.survey_answers a CROSS JOIN (SELECT time_zone FROM kpi_config.settings WHERE id) st
  ${periods('a.surveyed_at AT TIME ZONE st.time_zone')}
  ${dimensions('a')}
  GROUP BY p.period_kind, p.period_start, d.dimension_kind, d.dimension_value, a.item`,
    },
    {
      name: 'service_evaluations',
      description: 'Service evaluation items (客户服务评价表): customer and internal grade and score (10/5/0), combined score, evaluator, opinion.',
      select: `SELECT e.evaluation_id, e.item_no, e.customer_id, e.evaluated_at,
    (e.evaluated_at AT TIME ZONE st.time_zone)::date AS evaluated_on, e.classification, e.standard_column, e.region,
    e.item, e.customer_grade, e.internal_grade, e.customer_score, e.internal_score,
    e.combined_score_x10 / 10.0 AS combined_score, e.evaluator, e.opinion
  FROM ${s}.evaluation_items e CROSS JOIN (SELECT time_zone FROM kpi_config.settings WHERE id) st`,
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
      select: `WITH st AS (SELECT time_zone FROM kpi_config.settings WHERE id),
  ratios AS (SELECT f.indicator, p.period_kind, p.period_start, f.standard_column,
      sum(f.numerator)::numeric * 10000 / nullif(sum(f.denominator), 0) AS actual, sum(f.denominator)::bigint AS basis
    FROM ${s}.indicator_facts f ${periods('f.local_time')} GROUP BY 1, 2, 3, 4),
  durs AS (SELECT f.metric, p.period_kind, p.period_start, f.standard_column, avg(f.hours)::numeric, count(*)::bigint
    FROM ${s}.duration_facts f ${periods('f.local_time')} GROUP BY 1, 2, 3, 4),
  sat AS (SELECT 'satisfaction', p.period_kind, p.period_start, a.standard_column, avg(a.score)::numeric * 100, count(*)::bigint
    FROM ${s}.survey_answers a CROSS JOIN st ${periods('a.surveyed_at AT TIME ZONE st.time_zone')} GROUP BY 1, 2, 3, 4),
  actuals AS (SELECT * FROM ratios UNION ALL SELECT * FROM durs UNION ALL SELECT * FROM sat),
  pc AS (SELECT DISTINCT period_kind, period_start, standard_column FROM actuals),
  ver AS (SELECT pc.*, v.standard_id, v.version, v.effective_from FROM pc CROSS JOIN LATERAL (
      SELECT sv.standard_id, sv.version, sv.effective_from FROM ${s}.standard_versions sv
      WHERE sv.effective_from < pc.period_start + CASE pc.period_kind WHEN 'day' THEN interval '1 day'
        WHEN 'week' THEN interval '7 days' ELSE interval '1 month' END
      ORDER BY sv.effective_from DESC, sv.version DESC LIMIT 1) v),
  scored AS (SELECT ver.period_kind, ver.period_start, ver.standard_column, ver.standard_id, ver.version AS standard_version,
      ver.effective_from AS standard_effective_from, t.department, t.indicator, t.unit, t.direction, t.weight_bp, t.target,
      a.actual, coalesce(a.basis, 0) AS basis,
      CASE WHEN a.actual IS NULL THEN NULL WHEN t.direction = 'higher_is_better' THEN a.actual >= t.target ELSE a.actual <= t.target END AS met
    FROM ver JOIN ${s}.standard_targets t ON t.standard_id = ver.standard_id AND t.version = ver.version
      AND t.standard_column = ver.standard_column
    LEFT JOIN actuals a ON a.indicator = t.indicator AND a.period_kind = ver.period_kind
      AND a.period_start = ver.period_start AND a.standard_column = ver.standard_column)
  SELECT p.period_kind, p.period_start, ${label} AS period_label, p.standard_column, p.standard_id, p.standard_version,
    p.standard_effective_from, p.department, p.indicator, p.unit, p.direction, p.weight_bp, p.target, p.actual, p.basis, p.met,
    CASE WHEN p.met IS NULL THEN NULL WHEN p.met THEN p.weight_bp / 100.0 ELSE 0 END AS weighted_score
  FROM scored p`,
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
