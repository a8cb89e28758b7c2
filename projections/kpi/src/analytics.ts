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
  ];
};
