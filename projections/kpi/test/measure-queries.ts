// Measures the analysts' bench queries on a KPI read model of ~100k orders (and ~10k
// complaints, 2,000 customers, one year), in a throw-away PostgreSQL database.
//   pnpm exec tsx test/measure-queries.ts [orders]
// Facts are generated with SQL (not through the deciders: this measures query latency, the
// oracle property checks correctness), then the fact rows and totals are computed the way a
// settings change does (`recomputeAggregates`), then each query runs 50 times on a fresh
// connection that keeps the database's own settings (jit as the KPI install left it).
import { migrateSchema, createReadModelDatabase } from '@cs/read-model';
import { createTestDatabase } from '@cs/testing';
import { sql } from 'kysely';
import pg from 'pg';
import { installAnalyticsViews, kpiMigrations, recomputeAggregates } from '../src/index.ts';

const orders = Number(process.argv[2] ?? 100_000);
const schema = 'kpi_v2';
const tdb = await createTestDatabase('kpi_measure');
const db = createReadModelDatabase<any>({ kind: 'postgres', url: tdb.url, max: 2 });
try {
  await migrateSchema(db, schema, kpiMigrations);
  await installAnalyticsViews(db, schema);
  const t0 = Date.now();
  await sql
    .raw(
      `INSERT INTO ${schema}.customer_attributes (customer_id, attribute, position, effective_at, value)
     SELECT 'c' || i, a.attribute, lpad(i::text, 12, '0'), timestamptz '2025-01-01', CASE a.attribute
       WHEN 'classification' THEN (ARRAY['key','suitable','general'])[1 + i % 3]
       WHEN 'standard_column' THEN (ARRAY['foreign','private','state_owned','individual','government_institution'])[1 + i % 5]
       ELSE (ARRAY['East','North','South','West'])[1 + i % 4] END
     FROM generate_series(1, 2000) i CROSS JOIN (VALUES ('classification'), ('standard_column'), ('region')) a(attribute);
     -- a reclassification of every tenth customer mid-year
     INSERT INTO ${schema}.customer_attributes (customer_id, attribute, position, effective_at, value)
     SELECT 'c' || i, 'classification', lpad((100000 + i)::text, 12, '0'), timestamptz '2026-06-15', 'key'
     FROM generate_series(10, 2000, 10) i;
     INSERT INTO ${schema}.order_facts (order_id, customer_id, placed_at, promised_dispatch_at, promised_delivery_at, accepted_at,
       prepared_at, picked_in_full, dispatched_at, delivered_at, in_full, damage_at_handover, lost_at, rejected_at)
     SELECT 'o' || i, 'c' || (1 + i % 2000), p, p + interval '24 hours', p + interval '72 hours',
       CASE WHEN i % 50 <> 0 THEN p + interval '1 hour' END,
       CASE WHEN i % 50 <> 0 THEN p + interval '5 hours' END, i % 40 <> 0,
       CASE WHEN i % 50 <> 0 THEN p + (i % 30) * interval '1 hour' END,
       CASE WHEN i % 50 <> 0 AND i % 300 <> 0 THEN p + (40 + i % 50) * interval '1 hour' END, i % 33 <> 0, i % 97 = 0,
       CASE WHEN i % 300 = 0 THEN p + interval '60 hours' END,
       CASE WHEN i % 50 = 0 THEN p + interval '1 hour' END
     FROM (SELECT i, timestamptz '2026-01-01 00:00+08' + (i::double precision / ${orders} * 360) * interval '1 day' AS p
           FROM generate_series(1, ${orders}) i) s;
     INSERT INTO ${schema}.order_lines (order_id, line_id, ordered_quantity, picked_quantity, stock_damaged, prepared_at)
     SELECT order_id, 'l' || k, 2, CASE WHEN (hashtext(order_id) + k) % 40 = 0 THEN 1 ELSE 2 END, (hashtext(order_id) + k) % 90 = 0, prepared_at
     FROM ${schema}.order_facts CROSS JOIN generate_series(1, 2) k WHERE prepared_at IS NOT NULL;
     INSERT INTO ${schema}.order_tracking_points (event_id, order_id, kind, at)
     SELECT order_id || '/' || k, order_id, 'update', dispatched_at + k * interval '11 hours'
     FROM ${schema}.order_facts CROSS JOIN generate_series(0, 3) k WHERE dispatched_at IS NOT NULL;
     INSERT INTO ${schema}.complaint_facts (complaint_id, customer_id, number, order_id, channel, category, severity, received_at,
       acknowledged_at, first_resolved_at, reopen_count)
     SELECT 'k' || i, 'c' || (1 + i % 2000), 'TS-' || i, 'o' || (i * 10), (ARRAY['phone','email','web'])[1 + i % 3],
       (ARRAY['delay','damage','loss','shortage','staff_attitude','billing','information','other'])[1 + i % 8],
       (ARRAY['low','medium','high'])[1 + i % 3], r, r + interval '2 hours', CASE WHEN i % 7 <> 0 THEN r + (i % 97) * interval '1 hour' END, (i % 13 = 0)::int
     FROM (SELECT i, timestamptz '2026-01-02 00:00+08' + (i::double precision / ${orders / 10} * 350) * interval '1 day' AS r
           FROM generate_series(1, ${orders / 10}) i) s;
     INSERT INTO ${schema}.order_damage_reports (source, source_id, order_id, reported_at)
     SELECT 'complaint', complaint_id, order_id, received_at FROM ${schema}.complaint_facts WHERE category = 'damage';
     INSERT INTO ${schema}.standard_targets (standard_id, version, effective_from, indicator, department, weight_bp, unit, direction, standard_column, target)
     SELECT 'company', v, CASE v WHEN 1 THEN date '2026-01-01' ELSE date '2026-07-01' END, i.indicator, 'transport_delivery', i.w, i.unit, i.dir, c, i.target
     FROM generate_series(1, 2) v
     CROSS JOIN (VALUES ('on_time_delivery', 3000, 'basis_points', 'higher_is_better', 9500), ('damage_free', 3000, 'basis_points', 'higher_is_better', 9900),
       ('complaint_rate', 2000, 'basis_points', 'lower_is_better', 100), ('complaint_handling_time', 2000, 'hours', 'lower_is_better', 48)) i(indicator, w, unit, dir, target)
     CROSS JOIN unnest(ARRAY['foreign','private','state_owned','individual','government_institution']) c;
     ANALYZE;`,
    )
    .execute(db);
  const t1 = Date.now();
  await db.transaction().execute((trx) => recomputeAggregates(trx, schema));
  await sql`ANALYZE`.execute(db);
  const t2 = Date.now();
  const counts = await sql<Record<string, string>>`SELECT
      (SELECT count(*) FROM kpi_v2.order_facts) AS orders, (SELECT count(*) FROM kpi_v2.complaint_facts) AS complaints,
      (SELECT count(*) FROM kpi_v2.indicator_fact_rows) AS fact_rows, (SELECT count(*) FROM kpi_v2.indicator_totals) AS totals`.execute(db);
  console.log(`facts generated in ${t1 - t0} ms; fact rows and totals recomputed in ${t2 - t1} ms: ${JSON.stringify(counts.rows[0])}`);

  const queries = [
    {
      name: 'monthly on-time by classification',
      sql: `SELECT period_label, dimension_value AS classification, numerator, denominator, ratio FROM analytics.indicators
        WHERE indicator = 'on_time_delivery' AND period_kind = 'month' AND dimension_kind = 'classification' ORDER BY 1, 2`,
    },
    {
      name: 'complaint p90 by category (analytics.complaint_durations, monthly)',
      sql: `SELECT period_label, category, count, p90_hours FROM analytics.complaint_durations
        WHERE metric = 'complaint_handling_time' AND period_kind = 'month' ORDER BY 1, 2`,
    },
    {
      name: 'complaint p90 by category (kpi_v2.complaint_dim, whole history)',
      sql: `SELECT category, count(*) AS complaints,
          percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_resolved_at - received_at) / 3600) AS p90_hours
        FROM kpi_v2.complaint_dim WHERE first_resolved_at IS NOT NULL GROUP BY category ORDER BY category`,
    },
    {
      name: 'scorecard (monthly)',
      sql: `SELECT period_label, standard_column, indicator, target, actual, met, weighted_score FROM analytics.scorecard
        WHERE period_kind = 'month' ORDER BY 1, 2, 3`,
    },
    {
      name: 'weekly on-time delivery, all customers',
      sql: `SELECT period_label, numerator, denominator FROM analytics.indicators
        WHERE indicator = 'on_time_delivery' AND period_kind = 'week' AND dimension_kind = 'all' ORDER BY 1`,
    },
  ];
  const client = new pg.Client({ connectionString: tdb.url });
  await client.connect();
  const jit = await client.query('SHOW jit');
  console.log(`jit on a new connection: ${jit.rows[0].jit}`);
  for (const q of queries) {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < 52; i += 1) {
      const s = process.hrtime.bigint();
      rows = (await client.query(q.sql)).rowCount ?? 0;
      if (i >= 2) times.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    times.sort((a, b) => a - b);
    const at = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!.toFixed(1);
    console.log(`${q.name}: ${rows} rows, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`);
  }
  await client.end();
} finally {
  await db.destroy();
  if (process.env.KEEP_DB) console.log(`kept ${tdb.url}`);
  else await tdb.drop();
}
