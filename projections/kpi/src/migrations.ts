import { type Kysely, sql } from 'kysely';
import { type ProjectionMigrations, safeIdentifier } from '@cs/read-model';
import { durationSourceView, indicatorSourceView, subjectViews } from './fact-sql.ts';

// Frozen in time: typed Kysely<any>, never importing today's table types. `db` is scoped to the
// projection version's schema; `schema` names it for raw SQL (views).

const createFacts = async (db: Kysely<any>, schema: string): Promise<void> => {
  // Settings live outside the versioned schema so that a rebuild keeps the company's choices.
  await sql`CREATE SCHEMA IF NOT EXISTS kpi_config`.execute(db);
  await sql`CREATE TABLE IF NOT EXISTS kpi_config.settings (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      time_zone text NOT NULL DEFAULT 'Asia/Shanghai',
      tracking_interval_hours numeric NOT NULL DEFAULT 24 CHECK (tracking_interval_hours > 0),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`INSERT INTO kpi_config.settings (id) VALUES (true) ON CONFLICT (id) DO NOTHING`.execute(db);
  // The runtime grants the analytics views to this group role on promotion: it must exist.
  await sql`DO $$ BEGIN CREATE ROLE analyst NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`.execute(db);

  const ts = 'timestamptz';
  await db.schema
    .createTable('order_facts')
    .addColumn('order_id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('placed_at', ts)
    .addColumn('promised_dispatch_at', ts)
    .addColumn('promised_delivery_at', ts)
    .addColumn('accepted_at', ts)
    .addColumn('rejected_at', ts)
    .addColumn('rejection_reason', 'text')
    .addColumn('cancelled_at', ts)
    .addColumn('prepared_at', ts)
    .addColumn('picked_in_full', 'boolean')
    .addColumn('dispatched_at', ts)
    .addColumn('delivered_at', ts)
    .addColumn('in_full', 'boolean')
    .addColumn('damage_at_handover', 'boolean')
    .addColumn('lost_at', ts)
    .execute();
  await db.schema
    .createTable('order_lines')
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('line_id', 'text', (c) => c.notNull())
    .addColumn('ordered_quantity', 'integer', (c) => c.notNull())
    .addColumn('picked_quantity', 'integer', (c) => c.notNull())
    .addColumn('stock_damaged', 'boolean', (c) => c.notNull())
    .addColumn('prepared_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('order_lines_pk', ['order_id', 'line_id'])
    .execute();
  await db.schema
    .createTable('order_tracking_points')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('order_tracking_points_order').on('order_tracking_points').columns(['order_id', 'at']).execute();
  await db.schema
    .createTable('order_damage_reports')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('reported_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('order_damage_reports_pk', ['source', 'source_id'])
    .execute();
  await db.schema.createIndex('order_damage_reports_order').on('order_damage_reports').column('order_id').execute();
  await db.schema
    .createTable('complaint_facts')
    .addColumn('complaint_id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('number', 'text')
    .addColumn('order_id', 'text')
    .addColumn('channel', 'text')
    .addColumn('category', 'text')
    .addColumn('severity', 'text')
    .addColumn('received_at', ts)
    .addColumn('acknowledged_at', ts)
    .addColumn('first_resolved_at', ts)
    .addColumn('reopen_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('escalation_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('closed_at', ts)
    .execute();
  await db.schema
    .createTable('return_facts')
    .addColumn('return_id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('requested_at', ts)
    .addColumn('stated_reason', 'text')
    .addColumn('cause_confirmed', 'boolean')
    .addColumn('confirmed_reason', 'text')
    .addColumn('inspected_at', ts)
    .addColumn('decision', 'text')
    .addColumn('decided_at', ts)
    .addColumn('outcome', 'text')
    .addColumn('amount_fen', 'bigint')
    .addColumn('closed_at', ts)
    .execute();
  await db.schema
    .createTable('customer_attributes')
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('attribute', 'text', (c) => c.notNull())
    .addColumn('position', sql`text COLLATE "C"`, (c) => c.notNull())
    .addColumn('effective_at', ts, (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('customer_attributes_pk', ['customer_id', 'attribute', 'position'])
    .execute();
  await db.schema
    .createTable('survey_answers')
    .addColumn('survey_id', 'text', (c) => c.notNull())
    .addColumn('item', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('answer', 'text', (c) => c.notNull())
    .addColumn('score', 'integer', (c) => c.notNull().check(sql`score BETWEEN 1 AND 7`))
    .addColumn('surveyed_at', ts, (c) => c.notNull())
    .addColumn('classification', 'text', (c) => c.notNull())
    .addColumn('standard_column', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('survey_answers_pk', ['survey_id', 'item'])
    .execute();
  await db.schema
    .createTable('evaluation_items')
    .addColumn('evaluation_id', 'text', (c) => c.notNull())
    .addColumn('item_no', 'integer', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('item', 'text', (c) => c.notNull())
    .addColumn('customer_grade', 'text', (c) => c.notNull())
    .addColumn('internal_grade', 'text', (c) => c.notNull())
    .addColumn('customer_score', 'integer', (c) => c.notNull())
    .addColumn('internal_score', 'integer', (c) => c.notNull())
    .addColumn('combined_score_x10', 'integer', (c) => c.notNull())
    .addColumn('evaluator', 'text', (c) => c.notNull())
    .addColumn('opinion', 'text', (c) => c.notNull())
    .addColumn('evaluated_at', ts, (c) => c.notNull())
    .addColumn('classification', 'text', (c) => c.notNull())
    .addColumn('standard_column', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('evaluation_items_pk', ['evaluation_id', 'item_no'])
    .execute();
  await db.schema
    .createTable('standard_targets')
    .addColumn('standard_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('effective_from', 'date', (c) => c.notNull())
    .addColumn('indicator', 'text', (c) => c.notNull())
    .addColumn('department', 'text', (c) => c.notNull())
    .addColumn('weight_bp', 'integer', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('standard_column', 'text', (c) => c.notNull())
    .addColumn('target', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('standard_targets_pk', ['standard_id', 'version', 'indicator', 'standard_column'])
    .execute();
  await db.schema
    .createTable('improvements')
    .addColumn('improvement_id', 'text', (c) => c.primaryKey())
    .addColumn('indicator', 'text')
    .addColumn('unit', 'text')
    .addColumn('direction', 'text')
    .addColumn('start_date', 'date')
    .addColumn('end_date', 'date')
    .addColumn('value_before', 'integer')
    .addColumn('value_after', 'integer')
    .addColumn('improved', 'boolean')
    .addColumn('confirmed_roles', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('opened_at', ts)
    .addColumn('closed_at', ts)
    .execute();
  await db.schema
    .createIndex('customer_attributes_lookup')
    .on('customer_attributes')
    .columns(['customer_id', 'attribute', 'effective_at'])
    .execute();
};

/** Joins the customer dimension (attributes in force at `at`) as classification, standard_column, region. */
const dimJoins = (schema: string, customer: string, at: string): string =>
  ['classification', 'standard_column', 'region']
    .map(
      (attr) => `LEFT JOIN ${schema}.customer_dimension dim_${attr} ON dim_${attr}.customer_id = ${customer}
    AND dim_${attr}.attribute = '${attr}' AND dim_${attr}.valid_from <= ${at}
    AND (dim_${attr}.valid_to IS NULL OR ${at} < dim_${attr}.valid_to)`,
    )
    .join('\n  ');

const dimColumns = ['classification', 'standard_column', 'region']
  .map((attr) => `coalesce(dim_${attr}.value, 'unknown') AS ${attr}`)
  .join(', ');

const createFactViews = async (db: Kysely<any>, s: string): Promise<void> => {
  // Validity intervals [valid_from, valid_to): of two changes at the same instant the later
  // event wins (the earlier one gets an empty interval).
  await sql
    .raw(
      `CREATE VIEW ${s}.customer_dimension AS
  SELECT customer_id, attribute, value, position, effective_at AS valid_from,
    lead(effective_at) OVER (PARTITION BY customer_id, attribute ORDER BY effective_at, position) AS valid_to
  FROM ${s}.customer_attributes`,
    )
    .execute(db);
  // One row per order with its dimensions as of placement and the derived flags.
  await sql
    .raw(
      `CREATE VIEW ${s}.order_dim AS
  SELECT o.*, ${dimColumns},
    (dmg.order_id IS NOT NULL) AS damaged_later,
    gaps.max_gap_hours AS max_tracking_gap_hours
  FROM ${s}.order_facts o
  ${dimJoins(s, 'o.customer_id', 'o.placed_at')}
  LEFT JOIN (SELECT DISTINCT order_id FROM ${s}.order_damage_reports) dmg ON dmg.order_id = o.order_id
  LEFT JOIN (SELECT order_id, max(gap) AS max_gap_hours FROM (
      SELECT order_id, extract(epoch FROM at - lag(at) OVER (PARTITION BY order_id ORDER BY at)) / 3600 AS gap
      FROM ${s}.order_tracking_points) g GROUP BY order_id) gaps ON gaps.order_id = o.order_id
  WHERE o.placed_at IS NOT NULL`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE VIEW ${s}.complaint_dim AS
  SELECT c.*, ${dimColumns}
  FROM ${s}.complaint_facts c
  ${dimJoins(s, 'c.customer_id', 'c.received_at')}
  WHERE c.received_at IS NOT NULL`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE VIEW ${s}.return_dim AS
  SELECT r.*, ${dimColumns}
  FROM ${s}.return_facts r
  ${dimJoins(s, 'r.customer_id', 'r.requested_at')}
  WHERE r.requested_at IS NOT NULL`,
    )
    .execute(db);

  await sql
    .raw(
      `CREATE VIEW ${s}.standard_versions AS
  SELECT DISTINCT standard_id, version, effective_from FROM ${s}.standard_targets`,
    )
    .execute(db);

  const cols = `customer_id, classification, standard_column, region`;
  // Every counted fact: numerator and denominator contributions at the fact's own time.
  await sql
    .raw(
      `CREATE VIEW ${s}.indicator_facts AS
  WITH st AS (SELECT time_zone, tracking_interval_hours FROM kpi_config.settings WHERE id),
  settled AS (
    SELECT o.*, coalesce(o.delivered_at, o.lost_at) AS settled_at,
      coalesce(o.delivered_at IS NOT NULL AND o.delivered_at <= o.promised_delivery_at, false) AS on_time,
      (o.delivered_at IS NOT NULL AND coalesce(o.in_full, false)) AS complete,
      coalesce(o.delivered_at IS NOT NULL AND o.damage_at_handover = false AND NOT o.damaged_later, false) AS intact
    FROM ${s}.order_dim o WHERE o.delivered_at IS NOT NULL OR o.lost_at IS NOT NULL),
  f AS (
    SELECT 'on_time_delivery' AS indicator, 'order' AS subject_kind, order_id AS subject_id, ${cols}, settled_at AS fact_at, on_time::int AS numerator, 1 AS denominator FROM settled
    UNION ALL SELECT 'in_full', 'order', order_id, ${cols}, settled_at, complete::int, 1 FROM settled
    UNION ALL SELECT 'damage_free', 'order', order_id, ${cols}, settled_at, intact::int, 1 FROM settled
    UNION ALL SELECT 'perfect_order', 'order', order_id, ${cols}, settled_at, (on_time AND complete AND intact)::int, 1 FROM settled
    UNION ALL SELECT 'complaint_rate', 'order', order_id, ${cols}, settled_at, 0, 1 FROM settled
    UNION ALL SELECT 'return_rate', 'order', order_id, ${cols}, delivered_at, 0, 1 FROM settled WHERE delivered_at IS NOT NULL
    UNION ALL SELECT 'on_time_dispatch', 'order', order_id, ${cols}, dispatched_at,
      coalesce(dispatched_at <= promised_dispatch_at, false)::int, 1 FROM ${s}.order_dim WHERE dispatched_at IS NOT NULL
    UNION ALL SELECT 'shipping_accuracy', 'order', order_id, ${cols}, dispatched_at,
      coalesce(picked_in_full, false)::int, 1 FROM ${s}.order_dim WHERE dispatched_at IS NOT NULL
    UNION ALL SELECT 'timely_tracking', 'order', o.order_id, ${cols}, o.dispatched_at,
      (coalesce(o.max_tracking_gap_hours, 0) <= st.tracking_interval_hours)::int, 1
      FROM ${s}.order_dim o CROSS JOIN st
      WHERE o.dispatched_at IS NOT NULL AND (o.delivered_at IS NOT NULL OR o.lost_at IS NOT NULL)
    UNION ALL SELECT 'demand_fulfilment', 'order', order_id, ${cols}, placed_at, (accepted_at IS NOT NULL)::int, 1 FROM ${s}.order_dim
    UNION ALL SELECT 'warehouse_dispatch_rate', 'order', order_id, ${cols}, accepted_at,
      (dispatched_at IS NOT NULL)::int, 1 FROM ${s}.order_dim WHERE accepted_at IS NOT NULL
    UNION ALL SELECT 'stock_availability', 'order_line', o.order_id || '/' || l.line_id, ${cols.replace('customer_id', 'o.customer_id')}, l.prepared_at,
      (l.picked_quantity = l.ordered_quantity)::int, 1 FROM ${s}.order_lines l JOIN ${s}.order_dim o USING (order_id)
    UNION ALL SELECT 'inventory_intact', 'order_line', o.order_id || '/' || l.line_id, ${cols.replace('customer_id', 'o.customer_id')}, l.prepared_at,
      (NOT l.stock_damaged)::int, 1 FROM ${s}.order_lines l JOIN ${s}.order_dim o USING (order_id)
    UNION ALL SELECT 'complaint_rate', 'complaint', complaint_id, ${cols}, received_at, 1, 0 FROM ${s}.complaint_dim
    UNION ALL SELECT 'complaint_reopened', 'complaint', complaint_id, ${cols}, first_resolved_at,
      (reopen_count > 0)::int, 1 FROM ${s}.complaint_dim WHERE first_resolved_at IS NOT NULL
    UNION ALL SELECT 'complaint_resolved_within_target', 'complaint', c.complaint_id,
      c.customer_id, c.classification, c.standard_column, c.region, c.first_resolved_at,
      (extract(epoch FROM c.first_resolved_at - c.received_at) / 3600 <= t.target)::int, 1
      FROM ${s}.complaint_dim c CROSS JOIN st
      CROSS JOIN LATERAL (SELECT v.standard_id, v.version FROM ${s}.standard_versions v
        WHERE v.effective_from <= (c.received_at AT TIME ZONE st.time_zone)::date
        ORDER BY v.effective_from DESC, v.version DESC LIMIT 1) v
      JOIN ${s}.standard_targets t ON t.standard_id = v.standard_id AND t.version = v.version
        AND t.indicator = 'complaint_handling_time' AND t.standard_column = c.standard_column
      WHERE c.first_resolved_at IS NOT NULL
    UNION ALL SELECT 'return_rate', 'return', return_id, ${cols}, requested_at, 1, 0 FROM ${s}.return_dim
  )
  SELECT f.*, (f.fact_at AT TIME ZONE st.time_zone) AS local_time FROM f CROSS JOIN st`,
    )
    .execute(db);

  await sql
    .raw(
      `CREATE VIEW ${s}.duration_facts AS
  WITH st AS (SELECT time_zone FROM kpi_config.settings WHERE id),
  f AS (
    SELECT 'order_cycle_time' AS metric, 'order' AS subject_kind, order_id AS subject_id, ${cols}, delivered_at AS fact_at,
      extract(epoch FROM delivered_at - placed_at) / 3600 AS hours FROM ${s}.order_dim WHERE delivered_at IS NOT NULL
    UNION ALL SELECT 'preparation_time', 'order', order_id, ${cols}, prepared_at,
      extract(epoch FROM prepared_at - accepted_at) / 3600 FROM ${s}.order_dim WHERE prepared_at IS NOT NULL AND accepted_at IS NOT NULL
    UNION ALL SELECT 'complaint_handling_time', 'complaint', complaint_id, ${cols}, first_resolved_at,
      extract(epoch FROM first_resolved_at - received_at) / 3600 FROM ${s}.complaint_dim WHERE first_resolved_at IS NOT NULL
    UNION ALL SELECT 'complaint_time_to_acknowledge', 'complaint', complaint_id, ${cols}, received_at,
      extract(epoch FROM acknowledged_at - received_at) / 3600 FROM ${s}.complaint_dim WHERE acknowledged_at IS NOT NULL
  )
  SELECT f.*, (f.fact_at AT TIME ZONE st.time_zone) AS local_time FROM f CROSS JOIN st`,
    )
    .execute(db);
};

/**
 * Turns JIT off for every new session of the current database when the role may
 * (`ALTER DATABASE ... SET jit = off`: database owner or superuser); otherwise leaves a NOTICE
 * and returns false. The analytics views are cheap lookups on aggregate tables; JIT compiling
 * them costs seconds for nothing.
 *
 * @example
 * const applied = await disableJitForDatabase(db);
 */
export const disableJitForDatabase = async (db: Kysely<any>): Promise<boolean> => {
  const r = await sql<{ ok: boolean }>`SELECT (
      pg_catalog.pg_get_userbyid(d.datdba) = current_user
      OR (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
    ) AS ok FROM pg_catalog.pg_database d WHERE d.datname = current_database()`.execute(db);
  if (r.rows[0]?.ok !== true) return false;
  await sql`DO $$ BEGIN
      EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
    EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'kpi: could not turn jit off for the database: %', SQLERRM;
    END $$`.execute(db);
  return true;
};

const createAggregates = async (db: Kysely<any>, s: string): Promise<void> => {
  // Replace the first migration's fact views (they scanned every order per query).
  for (const v of ['indicator_facts', 'duration_facts', 'order_dim', 'complaint_dim', 'return_dim', 'standard_versions', 'customer_dimension']) {
    await sql.raw(`DROP VIEW IF EXISTS ${s}.${v}`).execute(db);
  }
  await db.schema.createIndex('order_facts_customer').on('order_facts').column('customer_id').execute();
  await db.schema.createIndex('complaint_facts_customer').on('complaint_facts').column('customer_id').execute();
  await db.schema.createIndex('return_facts_customer').on('return_facts').column('customer_id').execute();
  await db.schema.dropIndex('customer_attributes_lookup').execute();
  await db.schema
    .createIndex('customer_attributes_lookup')
    .on('customer_attributes')
    .columns(['customer_id', 'attribute', 'effective_at', 'position'])
    .execute();
  for (const statement of subjectViews(s)) await sql.raw(statement).execute(db);
  await sql.raw(indicatorSourceView(s)).execute(db);
  await sql.raw(durationSourceView(s)).execute(db);

  // One row per counted fact, bucketed by its own local date; keyed by the source subject so
  // that a batch can take a subject's facts out and put them back recomputed.
  await db.schema
    .createTable('indicator_fact_rows')
    .addColumn('source_kind', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('indicator', 'text', (c) => c.notNull())
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('classification', 'text', (c) => c.notNull())
    .addColumn('standard_column', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('fact_at', 'timestamptz', (c) => c.notNull())
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('numerator', 'integer', (c) => c.notNull())
    .addColumn('denominator', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('indicator_fact_rows_source').on('indicator_fact_rows').columns(['source_kind', 'source_id']).execute();
  await db.schema.createIndex('indicator_fact_rows_customer').on('indicator_fact_rows').column('customer_id').execute();
  await db.schema
    .createTable('duration_fact_rows')
    .addColumn('source_kind', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('classification', 'text', (c) => c.notNull())
    .addColumn('standard_column', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('fact_at', 'timestamptz', (c) => c.notNull())
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('hours', 'numeric', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('duration_fact_rows_source').on('duration_fact_rows').columns(['source_kind', 'source_id']).execute();
  await db.schema.createIndex('duration_fact_rows_customer').on('duration_fact_rows').column('customer_id').execute();
  await db.schema.createIndex('duration_fact_rows_metric_day').on('duration_fact_rows').columns(['metric', 'day']).execute();
  // The totals the analytics views read: one row per (indicator, period, dimension value).
  await db.schema
    .createTable('indicator_totals')
    .addColumn('indicator', 'text', (c) => c.notNull())
    .addColumn('period_kind', 'text', (c) => c.notNull())
    .addColumn('dimension_kind', 'text', (c) => c.notNull())
    .addColumn('period_start', 'date', (c) => c.notNull())
    .addColumn('dimension_value', 'text', (c) => c.notNull())
    .addColumn('numerator', 'bigint', (c) => c.notNull())
    .addColumn('denominator', 'bigint', (c) => c.notNull())
    .addColumn('facts', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('indicator_totals_pk', ['indicator', 'period_kind', 'dimension_kind', 'period_start', 'dimension_value'])
    .execute();
  await db.schema
    .createTable('duration_totals')
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('period_kind', 'text', (c) => c.notNull())
    .addColumn('dimension_kind', 'text', (c) => c.notNull())
    .addColumn('period_start', 'date', (c) => c.notNull())
    .addColumn('dimension_value', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('sum_hours', 'numeric', (c) => c.notNull())
    .addPrimaryKeyConstraint('duration_totals_pk', ['metric', 'period_kind', 'dimension_kind', 'period_start', 'dimension_value'])
    .execute();
  // The scorecard finds its (period, standard column) pairs by dimension first.
  await db.schema.createIndex('indicator_totals_by_dimension').on('indicator_totals').columns(['dimension_kind', 'period_kind', 'period_start', 'dimension_value']).execute();
  await db.schema.createIndex('duration_totals_by_dimension').on('duration_totals').columns(['dimension_kind', 'period_kind', 'period_start', 'dimension_value']).execute();
  // Kept for tools that read the per-fact views (the CLI report reads duration_facts).
  await sql
    .raw(
      `CREATE VIEW ${s}.indicator_facts AS SELECT indicator, subject_kind, subject_id, customer_id, classification, standard_column,
    region, fact_at, numerator, denominator, day, source_kind, source_id FROM ${s}.indicator_fact_rows`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE VIEW ${s}.duration_facts AS SELECT metric, subject_kind, subject_id, customer_id, classification, standard_column,
    region, fact_at, hours, day, category, source_kind, source_id FROM ${s}.duration_fact_rows`,
    )
    .execute(db);
  await disableJitForDatabase(db);
};

/**
 * The KPI projection's migrations: fact tables, the customer dimension, the fact views, and
 * the fact rows and totals the analytics views read. Names start with a UTC timestamp.
 *
 * @example
 * await migrateSchema(db, 'kpi_v2', kpiMigrations);
 */
export const kpiMigrations: ProjectionMigrations = {
  '202601200900_create_kpi_facts': {
    up: async (db, schema) => {
      await createFacts(db, schema);
      await createFactViews(db, schema);
    },
  },
  '202607010900_kpi_fact_rows_and_totals': {
    up: async (db, schema) => createAggregates(db, schema),
  },
  // Whether the fact rows and totals are deferred (a rebuild replaying history writes the
  // fact tables only and computes the totals once, when it reaches the end of the store).
  '202612011930_kpi_totals_state': {
    up: async (db, schema) => {
      const s = safeIdentifier(schema);
      await sql.raw(`CREATE TABLE ${s}.totals_state (
          id boolean PRIMARY KEY DEFAULT true CHECK (id),
          deferred boolean NOT NULL DEFAULT false,
          deferred_since timestamptz
        )`).execute(db);
      await sql.raw(`INSERT INTO ${s}.totals_state (id) VALUES (true)`).execute(db);
    },
  },
  // The local days (company time zone) with survey answers per standard column, with their
  // count and score sum: the scorecard reads these few thousand rows instead of every answer.
  // Filled here from the answers already stored; kept by the batches and the recompute.
  '202612012130_kpi_survey_days': {
    up: async (db, schema) => {
      const s = safeIdentifier(schema);
      await sql.raw(`CREATE TABLE ${s}.survey_days (
          standard_column text NOT NULL,
          day date NOT NULL,
          answers bigint NOT NULL,
          score_sum bigint NOT NULL,
          PRIMARY KEY (standard_column, day)
        )`).execute(db);
      await sql.raw(`INSERT INTO ${s}.survey_days (standard_column, day, answers, score_sum)
        SELECT a.standard_column, (a.surveyed_at AT TIME ZONE (SELECT time_zone FROM kpi_config.settings WHERE id))::date, count(*), sum(a.score)
        FROM ${s}.survey_answers a GROUP BY 1, 2`).execute(db);
    },
  },
  // The definitions of the fact tables' secondary indexes a rebuild dropped while replaying
  // (its batches maintain only the primary keys); the recompute creates them again.
  '202612012200_kpi_deferred_indexes': {
    up: async (db, schema) => {
      const s = safeIdentifier(schema);
      await sql.raw(`ALTER TABLE ${s}.totals_state ADD COLUMN deferred_indexes jsonb NOT NULL DEFAULT '[]'::jsonb`).execute(db);
    },
  },
};
