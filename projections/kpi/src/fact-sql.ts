// The SQL that turns the fact tables into counted facts. Used by the aggregates migration (to
// create the per-schema fact views) and by the batch refresh (to recompute the facts of the
// subjects a batch touched). Every customer attribute and per-order derived flag is a scalar
// subquery on an index, so a filter on order / complaint / return ids (or customer ids) is
// pushed down to the fact tables' indexes instead of scanning the whole history.

const dimensionAttributes = ['classification', 'standard_column', 'region'] as const;

/** The value of a customer attribute in force at `at` (later event wins a tie), 'unknown' if none. */
const attributeAt = (s: string, attribute: string, customer: string, at: string): string =>
  `coalesce((SELECT a.value FROM ${s}.customer_attributes a
      WHERE a.customer_id = ${customer} AND a.attribute = '${attribute}' AND a.effective_at <= ${at}
      ORDER BY a.effective_at DESC, a.position DESC LIMIT 1), 'unknown')`;

const dimensionColumns = (s: string, customer: string, at: string): string =>
  dimensionAttributes.map((attr) => `${attributeAt(s, attr, customer, at)} AS ${attr}`).join(',\n    ');

/** `CREATE VIEW` statements of the per-subject views with their dimensions (order, complaint, return). */
export const subjectViews = (s: string): string[] => [
  // Validity intervals [valid_from, valid_to): of two changes at the same instant the later
  // event wins (the earlier one gets an empty interval).
  `CREATE VIEW ${s}.customer_dimension AS
  SELECT customer_id, attribute, value, position, effective_at AS valid_from,
    lead(effective_at) OVER (PARTITION BY customer_id, attribute ORDER BY effective_at, position) AS valid_to
  FROM ${s}.customer_attributes`,
  `CREATE VIEW ${s}.order_dim AS
  SELECT o.*,
    ${dimensionColumns(s, 'o.customer_id', 'o.placed_at')},
    EXISTS (SELECT 1 FROM ${s}.order_damage_reports r WHERE r.order_id = o.order_id) AS damaged_later,
    (SELECT max(g.gap) FROM (
      SELECT extract(epoch FROM p.at - lag(p.at) OVER (ORDER BY p.at)) / 3600 AS gap
      FROM ${s}.order_tracking_points p WHERE p.order_id = o.order_id) g) AS max_tracking_gap_hours
  FROM ${s}.order_facts o
  WHERE o.placed_at IS NOT NULL`,
  `CREATE VIEW ${s}.complaint_dim AS
  SELECT c.*, ${dimensionColumns(s, 'c.customer_id', 'c.received_at')}
  FROM ${s}.complaint_facts c
  WHERE c.received_at IS NOT NULL`,
  `CREATE VIEW ${s}.return_dim AS
  SELECT r.*, ${dimensionColumns(s, 'r.customer_id', 'r.requested_at')}
  FROM ${s}.return_facts r
  WHERE r.requested_at IS NOT NULL`,
  `CREATE VIEW ${s}.standard_versions AS
  SELECT DISTINCT standard_id, version, effective_from FROM ${s}.standard_targets`,
];

const cols = 'customer_id, classification, standard_column, region';

/**
 * `CREATE VIEW` of every counted fact before bucketing: source (the order, complaint or return
 * the fact belongs to), indicator, dimensions, business time, numerator and denominator.
 * Lost orders are failed deliveries: in the denominator of every delivery indicator (on-time,
 * in-full, damage-free, perfect order, complaint rate, return rate) at the loss time.
 */
export const indicatorSourceView = (s: string): string => `CREATE VIEW ${s}.indicator_fact_source AS
  SELECT 'order'::text AS source_kind, o.order_id AS source_id, i.indicator, 'order'::text AS subject_kind, o.order_id AS subject_id,
    o.customer_id, o.classification, o.standard_column, o.region, coalesce(o.delivered_at, o.lost_at) AS fact_at,
    i.numerator, 1 AS denominator
  FROM (SELECT d.*,
      coalesce(d.delivered_at IS NOT NULL AND d.delivered_at <= d.promised_delivery_at, false) AS on_time,
      (d.delivered_at IS NOT NULL AND coalesce(d.in_full, false)) AS complete,
      coalesce(d.delivered_at IS NOT NULL AND d.damage_at_handover = false AND NOT d.damaged_later, false) AS intact
    FROM ${s}.order_dim d) o
  CROSS JOIN LATERAL (VALUES
    ('on_time_delivery', o.on_time::int), ('in_full', o.complete::int), ('damage_free', o.intact::int),
    ('perfect_order', (o.on_time AND o.complete AND o.intact)::int), ('complaint_rate', 0), ('return_rate', 0)) i(indicator, numerator)
  WHERE o.delivered_at IS NOT NULL OR o.lost_at IS NOT NULL
  UNION ALL
  SELECT 'order', o.order_id, i.indicator, 'order', o.order_id, ${cols}, o.dispatched_at, i.numerator, 1
  FROM ${s}.order_dim o
  CROSS JOIN LATERAL (VALUES
    ('on_time_dispatch', coalesce(o.dispatched_at <= o.promised_dispatch_at, false)::int, true),
    ('shipping_accuracy', coalesce(o.picked_in_full, false)::int, true),
    ('timely_tracking', (coalesce(o.max_tracking_gap_hours, 0) <= (SELECT tracking_interval_hours FROM kpi_config.settings WHERE id))::int,
      o.delivered_at IS NOT NULL OR o.lost_at IS NOT NULL)) i(indicator, numerator, counted)
  WHERE o.dispatched_at IS NOT NULL AND i.counted
  UNION ALL
  SELECT 'order', o.order_id, 'demand_fulfilment', 'order', o.order_id, ${cols}, o.placed_at, (o.accepted_at IS NOT NULL)::int, 1
  FROM ${s}.order_dim o
  UNION ALL
  SELECT 'order', o.order_id, 'warehouse_dispatch_rate', 'order', o.order_id, ${cols}, o.accepted_at, (o.dispatched_at IS NOT NULL)::int, 1
  FROM ${s}.order_dim o WHERE o.accepted_at IS NOT NULL
  UNION ALL
  SELECT 'order', o.order_id, i.indicator, 'order_line', o.order_id || '/' || l.line_id,
    o.customer_id, o.classification, o.standard_column, o.region, l.prepared_at, i.numerator, 1
  FROM ${s}.order_dim o JOIN ${s}.order_lines l ON l.order_id = o.order_id
  CROSS JOIN LATERAL (VALUES
    ('stock_availability', (l.picked_quantity = l.ordered_quantity)::int),
    ('inventory_intact', (NOT l.stock_damaged)::int)) i(indicator, numerator)
  UNION ALL
  SELECT 'complaint', c.complaint_id, 'complaint_rate', 'complaint', c.complaint_id, ${cols}, c.received_at, 1, 0
  FROM ${s}.complaint_dim c
  UNION ALL
  SELECT 'complaint', c.complaint_id, 'complaint_reopened', 'complaint', c.complaint_id, ${cols}, c.first_resolved_at, (c.reopen_count > 0)::int, 1
  FROM ${s}.complaint_dim c WHERE c.first_resolved_at IS NOT NULL
  UNION ALL
  SELECT 'complaint', c.complaint_id, 'complaint_resolved_within_target', 'complaint', c.complaint_id,
    c.customer_id, c.classification, c.standard_column, c.region, c.first_resolved_at,
    (extract(epoch FROM c.first_resolved_at - c.received_at) / 3600 <= t.target)::int, 1
  FROM ${s}.complaint_dim c
  CROSS JOIN LATERAL (SELECT v.standard_id, v.version FROM ${s}.standard_versions v
    WHERE v.effective_from <= (c.received_at AT TIME ZONE (SELECT time_zone FROM kpi_config.settings WHERE id))::date
    ORDER BY v.effective_from DESC, v.version DESC, v.standard_id DESC LIMIT 1) v
  JOIN ${s}.standard_targets t ON t.standard_id = v.standard_id AND t.version = v.version
    AND t.indicator = 'complaint_handling_time' AND t.standard_column = c.standard_column
  WHERE c.first_resolved_at IS NOT NULL
  UNION ALL
  SELECT 'return', r.return_id, 'return_rate', 'return', r.return_id, ${cols}, r.requested_at, 1, 0
  FROM ${s}.return_dim r`;

/**
 * `CREATE VIEW` of every measured duration (hours) before bucketing: order cycle time (actually
 * delivered orders only, by delivery time), preparation time (by preparation time), complaint
 * handling time (to the FIRST resolution, by that time) and time to acknowledge (by receipt).
 */
export const durationSourceView = (s: string): string => `CREATE VIEW ${s}.duration_fact_source AS
  SELECT 'order'::text AS source_kind, o.order_id AS source_id, 'order_cycle_time'::text AS metric, 'order'::text AS subject_kind, o.order_id AS subject_id,
    ${cols}, NULL::text AS category, o.delivered_at AS fact_at, extract(epoch FROM o.delivered_at - o.placed_at) / 3600 AS hours
  FROM ${s}.order_dim o WHERE o.delivered_at IS NOT NULL
  UNION ALL
  SELECT 'order', o.order_id, 'preparation_time', 'order', o.order_id, ${cols}, NULL::text, o.prepared_at,
    extract(epoch FROM o.prepared_at - o.accepted_at) / 3600
  FROM ${s}.order_dim o WHERE o.prepared_at IS NOT NULL AND o.accepted_at IS NOT NULL
  UNION ALL
  SELECT 'complaint', c.complaint_id, 'complaint_handling_time', 'complaint', c.complaint_id, ${cols}, c.category, c.first_resolved_at,
    extract(epoch FROM c.first_resolved_at - c.received_at) / 3600
  FROM ${s}.complaint_dim c WHERE c.first_resolved_at IS NOT NULL
  UNION ALL
  SELECT 'complaint', c.complaint_id, 'complaint_time_to_acknowledge', 'complaint', c.complaint_id, ${cols}, c.category, c.received_at,
    extract(epoch FROM c.acknowledged_at - c.received_at) / 3600
  FROM ${s}.complaint_dim c WHERE c.acknowledged_at IS NOT NULL`;

/** The three period buckets of a local date `day` as a lateral VALUES list (period_kind, period_start). */
export const periodsOfDay = (day: string): string => `CROSS JOIN LATERAL (VALUES
    ('day', ${day}),
    ('week', date_trunc('week', ${day}::timestamp)::date),
    ('month', date_trunc('month', ${day}::timestamp)::date)) p(period_kind, period_start)`;

/** The five dimension cuts of a fact row as a lateral VALUES list (dimension_kind, dimension_value). */
export const dimensionsOf = (f: string): string => `CROSS JOIN LATERAL (VALUES
    ('all', 'all'),
    ('customer', ${f}.customer_id),
    ('classification', ${f}.classification),
    ('standard_column', ${f}.standard_column),
    ('region', ${f}.region)) d(dimension_kind, dimension_value)`;
