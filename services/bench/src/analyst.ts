import pg from 'pg';
import { sequential, type Latency } from './measure.ts';

/**
 * The analysts' KPI queries the bench times: the examples of docs/analysts.md, over the
 * `analytics` views the analyst role reads (whatever projection version serves them).
 */
export const analystQueries = (): { name: string; sql: string }[] => [
  {
    name: 'monthly on-time by classification',
    sql: `SELECT period_label, dimension_value AS classification, numerator, denominator, ratio FROM analytics.indicators
          WHERE indicator = 'on_time_delivery' AND period_kind = 'month' AND dimension_kind = 'classification' ORDER BY period_start, 2`,
  },
  {
    name: 'complaint p90 by category',
    sql: `SELECT period_label, category, count, p90_hours, median_hours FROM analytics.complaint_durations
          WHERE metric = 'complaint_handling_time' AND period_kind = 'month' ORDER BY period_start, p90_hours DESC`,
  },
  {
    name: 'scorecard',
    sql: `SELECT period_label, standard_column, standard_version, indicator, target, actual, met, weighted_score FROM analytics.scorecard
          WHERE period_kind = 'month' ORDER BY period_start, standard_column, department, indicator`,
  },
];

/**
 * Times each analyst query `runs` times on one connection (after 2 untimed runs); also
 * returns the row count of its last run so that an empty read model shows.
 *
 * @example
 * const figures = await analystFigures(url, 50);
 */
export const analystFigures = async (url: string, runs: number): Promise<{ name: string; latency: Latency | null; rows: number; error?: string }[]> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const out: { name: string; latency: Latency | null; rows: number; error?: string }[] = [];
    for (const q of analystQueries()) {
      let rows = 0;
      try {
        const latency = await sequential(runs, 2, async () => {
          rows = (await client.query(q.sql)).rowCount ?? 0;
        });
        out.push({ name: q.name, latency, rows });
      } catch (e) {
        // A query the read model cannot answer is a row "not measured", not a failed run.
        out.push({ name: q.name, latency: null, rows: 0, error: e instanceof Error ? e.message : String(e) });
      }
    }
    return out;
  } finally {
    await client.end();
  }
};
