import { defineProjection, type Projection } from '@cs/projection-runtime';
import { type Kysely, sql } from 'kysely';
import { analyticsViews } from './analytics.ts';
import { companyRecordEventTypes } from './company-records.ts';
import type { KpiDatabase } from './database.ts';
import type { KpiEvent } from './event-data.ts';
import { applyKpiEvent, flushOrderWrites, newOrderWrites } from './handle.ts';
import { noneTouched, refreshAggregates, touchedBy } from './aggregates.ts';
import { ANALYST_ROLE } from './install.ts';
import { kpiMigrations } from './migrations.ts';

/** The event types the KPI projection reads (everything else is skipped by the runtime). */
export const kpiEventTypes: readonly string[] = [
  'OrderPlaced',
  'OrderAccepted',
  'OrderRejected',
  'OrderCancelled',
  'OrderPrepared',
  'OrderDispatched',
  'OrderTrackingUpdated',
  'OrderDelivered',
  'OrderLost',
  'OrderExceptionRaised',
  'ComplaintReceived',
  'ComplaintAcknowledged',
  'ComplaintAssessed',
  'ComplaintResolved',
  'ComplaintReopened',
  'ComplaintEscalated',
  'ComplaintClosed',
  'ReturnRequested',
  'ReturnInspected',
  'ReturnApproved',
  'ReturnRejected',
  'ReturnSettled',
  'ReturnClosed',
  ...companyRecordEventTypes,
];

const orderEvents = new Set([
  'OrderPlaced',
  'OrderAccepted',
  'OrderRejected',
  'OrderCancelled',
  'OrderPrepared',
  'OrderDispatched',
  'OrderTrackingUpdated',
  'OrderDelivered',
  'OrderLost',
]);

/**
 * Applies a batch of events in order to the fact tables of `schema`, then recomputes the
 * facts of every subject the batch touched and moves the totals by the difference. Call it
 * inside ONE transaction (`db` unscoped: a kysely transaction). Idempotent: fact writes are
 * upserts keyed by ids and the totals are recomputed, never blindly incremented.
 *
 * @example
 * await db.transaction().execute((trx) => handleKpiEvents(trx, 'kpi_v2', events));
 */
export const handleKpiEvents = async (db: Kysely<any>, schema: string, events: readonly KpiEvent[]): Promise<void> => {
  // Serialises with setKpiSettings (which recomputes every total under FOR UPDATE of this row):
  // a batch sees either the old settings and its totals get recomputed, or the new ones.
  await sql`SELECT id FROM kpi_config.settings WHERE id FOR SHARE`.execute(db);
  const scoped = db.withSchema(schema) as Kysely<KpiDatabase>;
  const touched = noneTouched();
  // Consecutive order events are merged and written together; any other event first sends
  // what is pending, so every table sees the events in their global order.
  const orderWrites = newOrderWrites();
  for (const event of events) {
    if (orderEvents.has(event.type)) await applyKpiEvent(scoped, event, orderWrites);
    else {
      await flushOrderWrites(scoped, orderWrites);
      await applyKpiEvent(scoped, event);
    }
    touchedBy(touched, event);
  }
  await flushOrderWrites(scoped, orderWrites);
  await refreshAggregates(db, schema, touched);
};

/**
 * The KPI projection: fact tables, fact rows and totals in `kpi_v2`, the `analytics` views over
 * them, readable by the `analyst` role. Version 2: aggregate tables, and the return rate over
 * the same delivery denominator as the other delivery indicators (delivered + lost).
 *
 * @example
 * createProjectionRuntime({ db, store, projections: [kpiProjection] });
 */
export const kpiProjection: Projection<KpiDatabase> = defineProjection<KpiDatabase>({
  name: 'kpi',
  version: 2,
  eventTypes: kpiEventTypes,
  migrations: kpiMigrations,
  handle: (events, { trx, schema }) => handleKpiEvents(trx, schema, events),
  views: (schema) => analyticsViews(schema).map(({ name, select }) => ({ name, select })),
  viewReaders: [ANALYST_ROLE],
});
