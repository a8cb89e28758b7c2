import pg from 'pg';
import { sequential, type Latency } from './measure.ts';

/**
 * The analysts' KPI queries the bench times: the first two read the `analytics` views the
 * analyst role sees; complaint p90 by category reads the projection's complaint dimension
 * (no analytics view exposes handling time per category yet).
 */
export const analystQueries = (schema: string): { name: string; sql: string }[] => [
  {
    name: 'monthly on-time by classification',
    sql: `SELECT period_label, dimension_value AS classification, numerator, denominator, ratio FROM analytics.indicators
          WHERE indicator = 'on_time_delivery' AND period_kind = 'month' AND dimension_kind = 'classification' ORDER BY 1, 2`,
  },
  {
    name: 'complaint p90 by category',
    sql: `SELECT category, count(*) AS complaints,
            percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_resolved_at - received_at) / 3600) AS p90_hours
          FROM ${schema}.complaint_dim WHERE first_resolved_at IS NOT NULL GROUP BY category ORDER BY category`,
  },
  {
    name: 'scorecard',
    sql: `SELECT period_label, standard_column, indicator, target, actual, met, weighted_score FROM analytics.scorecard
          WHERE period_kind = 'month' ORDER BY 1, 2, 3`,
  },
];

/**
 * Times each analyst query `runs` times on one connection (after 2 untimed runs); also
 * returns the row count of its last run so that an empty read model shows.
 *
 * @example
 * const figures = await analystFigures(url, 'kpi_v1', 50);
 */
export const analystFigures = async (url: string, schema: string, runs: number): Promise<{ name: string; latency: Latency; rows: number }[]> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const out: { name: string; latency: Latency; rows: number }[] = [];
    for (const q of analystQueries(schema)) {
      let rows = 0;
      const latency = await sequential(runs, 2, async () => {
        rows = (await client.query(q.sql)).rowCount ?? 0;
      });
      out.push({ name: q.name, latency, rows });
    }
    return out;
  } finally {
    await client.end();
  }
};
