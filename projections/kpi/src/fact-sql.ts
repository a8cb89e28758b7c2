// The SQL that turns the fact tables into counted facts. Used by the aggregates migration (to
// create the per-schema fact views) and by the batch refresh (to recompute the facts of the
// subjects a batch touched). Every customer attribute and per-order derived flag is a scalar
// subquery on an index, so a filter on order / complaint / return ids (or customer ids) is
// pushed down to the fact tables' indexes instead of scanning the whole history.

const dimensionAttributes = ['classification', 'standard_column', 'region'] as const;

/** The reports' time zone, as a scalar subquery on the settings row. */
export const settingsTimeZone = '(SELECT time_zone FROM kpi_config.settings WHERE id)';
/** The local date (in the reports' time zone) of the timestamp `at`. */
export const localDay = (at: string): string => `(${at} AT TIME ZONE ${settingsTimeZone})::date`;

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
  // The order's dimensions and derived flags are computed once per order (a lateral subquery
  // kept apart by OFFSET 0), not once per indicator row; a filter on o.order_id or
  // o.customer_id still reaches order_facts' indexes.
  `CREATE VIEW ${s}.order_dim AS
  SELECT o.*, x.classification, x.standard_column, x.region, x.damaged_later, x.max_tracking_gap_hours
  FROM ${s}.order_facts o
  CROSS JOIN LATERAL (SELECT
    ${dimensionColumns(s, 'o.customer_id', 'o.placed_at')},
    EXISTS (SELECT 1 FROM ${s}.order_damage_reports r WHERE r.order_id = o.order_id) AS damaged_later,
    (SELECT max(g.gap) FROM (
      SELECT extract(epoch FROM p.at - lag(p.at) OVER (ORDER BY p.at)) / 3600 AS gap
      FROM ${s}.order_tracking_points p WHERE p.order_id = o.order_id) g) AS max_tracking_gap_hours
    OFFSET 0) x
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
    ${cols}, i.fact_at, i.numerator, 1 AS denominator
  FROM (SELECT d.*, coalesce(d.delivered_at, d.lost_at) AS settled_at,
      coalesce(d.delivered_at IS NOT NULL AND d.delivered_at <= d.promised_delivery_at, false) AS on_time,
      (d.delivered_at IS NOT NULL AND coalesce(d.in_full, false)) AS complete,
      coalesce(d.delivered_at IS NOT NULL AND d.damage_at_handover = false AND NOT d.damaged_later, false) AS intact
    FROM ${s}.order_dim d) o
  CROSS JOIN LATERAL (VALUES
    -- delivery indicators: delivered or lost (a failed delivery), at the delivery / loss time
    ('on_time_delivery', o.settled_at, o.on_time::int),
    ('in_full', o.settled_at, o.complete::int),
    ('damage_free', o.settled_at, o.intact::int),
    ('perfect_order', o.settled_at, (o.on_time AND o.complete AND o.intact)::int),
    ('complaint_rate', o.settled_at, 0),
    ('return_rate', o.settled_at, 0),
    -- dispatch indicators at the dispatch time; timely tracking once delivered or lost
    ('on_time_dispatch', o.dispatched_at, coalesce(o.dispatched_at <= o.promised_dispatch_at, false)::int),
    ('shipping_accuracy', o.dispatched_at, coalesce(o.picked_in_full, false)::int),
    ('timely_tracking', CASE WHEN o.settled_at IS NOT NULL THEN o.dispatched_at END,
      (coalesce(o.max_tracking_gap_hours, 0) <= (SELECT tracking_interval_hours FROM kpi_config.settings WHERE id))::int),
    ('demand_fulfilment', o.placed_at, (o.accepted_at IS NOT NULL)::int),
    ('warehouse_dispatch_rate', o.accepted_at, (o.dispatched_at IS NOT NULL)::int)) i(indicator, fact_at, numerator)
  WHERE i.fact_at IS NOT NULL
  UNION ALL
  SELECT 'order', o.order_id, i.indicator, 'order_line', o.order_id || '/' || l.line_id,
    o.customer_id, o.classification, o.standard_column, o.region, l.prepared_at, i.numerator, 1
  FROM ${s}.order_dim o
  -- per order through the primary key (OFFSET 0 keeps it a parameterised lookup): a batch
  -- touching a few orders must not scan every order line
  CROSS JOIN LATERAL (SELECT ol.* FROM ${s}.order_lines ol WHERE ol.order_id = o.order_id OFFSET 0) l
  CROSS JOIN LATERAL (VALUES
    ('stock_availability', (l.picked_quantity = l.ordered_quantity)::int),
    ('inventory_intact', (NOT l.stock_damaged)::int)) i(indicator, numerator)
  UNION ALL
  SELECT 'complaint', c.complaint_id, i.indicator, 'complaint', c.complaint_id, ${cols}, i.fact_at, i.numerator, i.denominator
  FROM ${s}.complaint_dim c
  CROSS JOIN LATERAL (VALUES
    ('complaint_rate', c.received_at, 1, 0),
    ('complaint_reopened', c.first_resolved_at, (c.reopen_count > 0)::int, 1)) i(indicator, fact_at, numerator, denominator)
  WHERE i.fact_at IS NOT NULL
  UNION ALL
  SELECT 'complaint', c.complaint_id, 'complaint_resolved_within_target', 'complaint', c.complaint_id,
    c.customer_id, c.classification, c.standard_column, c.region, c.first_resolved_at,
    (extract(epoch FROM c.first_resolved_at - c.received_at) / 3600 <= t.target)::int, 1
  FROM ${s}.complaint_dim c
  CROSS JOIN LATERAL (SELECT v.standard_id, v.version FROM ${s}.standard_versions v
    WHERE v.effective_from <= ${localDay('c.received_at')}
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
  SELECT 'order'::text AS source_kind, o.order_id AS source_id, i.metric, 'order'::text AS subject_kind, o.order_id AS subject_id,
    ${cols}, NULL::text AS category, i.fact_at, i.hours
  FROM ${s}.order_dim o
  CROSS JOIN LATERAL (VALUES
    ('order_cycle_time', o.delivered_at, extract(epoch FROM o.delivered_at - o.placed_at) / 3600),
    ('preparation_time', CASE WHEN o.accepted_at IS NOT NULL THEN o.prepared_at END, extract(epoch FROM o.prepared_at - o.accepted_at) / 3600)
  ) i(metric, fact_at, hours)
  WHERE i.fact_at IS NOT NULL
  UNION ALL
  SELECT 'complaint', c.complaint_id, i.metric, 'complaint', c.complaint_id, ${cols}, c.category, i.fact_at, i.hours
  FROM ${s}.complaint_dim c
  CROSS JOIN LATERAL (VALUES
    ('complaint_handling_time', c.first_resolved_at, extract(epoch FROM c.first_resolved_at - c.received_at) / 3600),
    ('complaint_time_to_acknowledge', CASE WHEN c.acknowledged_at IS NOT NULL THEN c.received_at END,
      extract(epoch FROM c.acknowledged_at - c.received_at) / 3600)) i(metric, fact_at, hours)
  WHERE i.fact_at IS NOT NULL`;

/** The three period buckets of a local date `day` as a lateral VALUES list (period_kind, period_start). */
export const periodsOfDay = (day: string): string => `CROSS JOIN LATERAL (VALUES
    ('day', ${day}),
    ('week', date_trunc('week', ${day}::timestamp)::date),
    ('month', date_trunc('month', ${day}::timestamp)::date)) p(period_kind, period_start)`;

/**
 * The dimension cuts of a fact row as a lateral VALUES list (dimension_kind, dimension_value):
 * all, classification, standard column, region, and the customer itself unless
 * `customer: false` (the totals leave the per-customer cut to the fact rows' index).
 */
export const dimensionsOf = (f: string, options: { customer?: boolean } = {}): string => `CROSS JOIN LATERAL (VALUES
    ('all', 'all'),${options.customer === false ? '' : `
    ('customer', ${f}.customer_id),`}
    ('classification', ${f}.classification),
    ('standard_column', ${f}.standard_column),
    ('region', ${f}.region)) d(dimension_kind, dimension_value)`;
